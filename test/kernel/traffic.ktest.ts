import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempTree } from '../helpers/cli.js';
import { parseConnectionCounts } from '../../src/live/parse-listing.js';
import { connectionCountsFromProc } from '../../src/live/parse-proc.js';
import { REPO, SKIP, addNamespaceHost, ipvsadm, kernelTable, lvsync, must, resetKernel, sh, tempStateDir, waitForPort } from './helpers.js';

/**
 * Real traffic through the real kernel, all inside the VM: three real servers in network namespaces
 * (rs1..rs3, joined by veth to the director, which is the VM's root namespace), a client namespace,
 * and a NAT service on a VIP local to the director. Bounded request counts; nothing leaves the VM.
 */
const VIP = '10.50.0.10';
const SERVERS = ['rs1', 'rs2', 'rs3'];
const fixtures = join(REPO, 'test/kernel/fixtures');
const children: ChildProcess[] = [];

function desired(weights: Record<string, number>): string {
  const servers = Object.entries(weights)
    .map(([name, w]) => `      - { address: 10.30.${name.slice(2)}.2, port: 8080, method: nat, weight: ${w} }`)
    .join('\n');
  return `version: 1\nservices:\n  - name: web\n    protocol: tcp\n    address: ${VIP}\n    port: 80\n    scheduler: wrr\n    realServers:\n${servers}\n`;
}

async function waitFor(check: () => boolean, what: string, ms = 60000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}


function count(n: number): Record<string, number> {
  return JSON.parse(must(`ip netns exec client node ${fixtures}/http-client.mjs count http://${VIP}/ ${n}`)) as Record<string, number>;
}

describe('real traffic through a NAT service', { skip: SKIP }, () => {
  const state = tempStateDir();
  const dir = tempTree({});
  const config = join(dir, 'web.yaml');

  before(async () => {
    resetKernel();
    for (const [i, name] of SERVERS.entries()) {
      const n = i + 1;
      addNamespaceHost(name, `vd-${name}`, `10.30.${n}`);
      const child = spawn('ip', ['netns', 'exec', name, process.execPath, `${fixtures}/http-identity.mjs`, name, '8080'], { stdio: 'ignore' });
      children.push(child);
    }
    addNamespaceHost('client', 'vd-client', '10.40.0');
    must(`ip addr add ${VIP}/32 dev lo`);
    for (const [i] of SERVERS.entries()) await waitForPort(`10.30.${i + 1}.2`, 8080);
  });

  after(() => {
    for (const c of children) c.kill();
    sh('for n in rs1 rs2 rs3 client; do ip netns del $n; done; ip addr del 10.50.0.10/32 dev lo');
    resetKernel();
  });

  test('wrr 3:1:1 distributes 100 new connections 60/20/20', async (t) => {
    writeFileSync(config, desired({ rs1: 3, rs2: 1, rs3: 1 }));
    const apply = await lvsync(['apply', config, '--yes', '--state-dir', state]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const counts = count(100);
    const expected = { rs1: 60, rs2: 20, rs3: 20 };
    t.diagnostic(`measured distribution over 100 connections: ${JSON.stringify(counts)}; expected ${JSON.stringify(expected)}`);
    console.log(`traffic: measured ${JSON.stringify(counts)} expected ${JSON.stringify(expected)}`);
    for (const [name, want] of Object.entries(expected)) {
      assert.ok(Math.abs((counts[name] ?? 0) - want) <= 5, `${name}: ${counts[name] ?? 0} vs ${want}`);
    }
  });

  test('a weight change with apply keeps an open long-lived connection alive', async () => {
    const log = join(dir, 'slow.log');
    const slow = spawn('ip', ['netns', 'exec', 'client', process.execPath, `${fixtures}/http-client.mjs`, 'slow', `http://${VIP}/slow?ms=6000`, log], { stdio: 'ignore' });
    await waitFor(() => { try { return readFileSync(log, 'utf8').includes('start'); } catch { return false; } }, 'the long request to start');
    const server = readFileSync(log, 'utf8').split(' ')[0]!;
    writeFileSync(config, desired({ rs1: 1, rs2: 5, rs3: 1 }));
    const apply = await lvsync(['apply', config, '--yes', '--state-dir', state]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    // the change was an in-place -e, never a delete + add
    assert.match(apply.stdout, /ipvsadm -e -t 10\.50\.0\.10:80 -r 10\.30\.2\.2:8080 -m -w 5/);
    assert.doesNotMatch(apply.stdout, /ipvsadm -d /);
    await new Promise<void>((resolve) => slow.on('exit', () => resolve()));
    const text = readFileSync(log, 'utf8');
    assert.match(text, new RegExp(`${server} done\\nCLIENT complete`), text);
  });

  test('connection counts: /proc/net/ip_vs equals ipvsadm -L -n, and a drain decided from it holds the busy server until its request ends', async (t) => {
    writeFileSync(config, desired({ rs1: 1, rs2: 1, rs3: 1 }));
    const apply = await lvsync(['apply', config, '--yes', '--state-dir', state]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const log = join(dir, 'drained.log');
    const slow = spawn('ip', ['netns', 'exec', 'client', process.execPath, `${fixtures}/http-client.mjs`, 'slow', `http://${VIP}/slow?ms=8000`, log], { stdio: 'ignore' });
    const ended = new Promise<void>((resolve) => slow.on('exit', () => resolve()));
    await waitFor(() => { try { return readFileSync(log, 'utf8').includes('start'); } catch { return false; } }, 'the long request to start');
    const busy = readFileSync(log, 'utf8').split(' ')[0]!;
    // the same counters, read both ways while the request is open
    const live = kernelTable();
    const procText = readFileSync('/proc/net/ip_vs', 'utf8');
    const fromProc = connectionCountsFromProc(procText, live, [...live.services.values()].map((s) => s.target));
    const listed = parseConnectionCounts(ipvsadm(['-L', '-n']).stdout);
    t.diagnostic(`/proc/net/ip_vs with one open request:\n${procText}`);
    console.log(`proc-counts: /proc/net/ip_vs with the request to ${busy} open:\n${procText}`);
    assert.ok(fromProc, procText);
    assert.deepEqual(fromProc, listed);
    assert.equal(fromProc.get(`tcp|${VIP}|80`)?.get(`10.30.${busy.slice(2)}.2|8080`)?.active, 1);
    // remove the busy server: apply (the real CLI, traced) quiesces it, waits, deletes it when the request is over
    writeFileSync(config, desired(Object.fromEntries(SERVERS.filter((n) => n !== busy).map((n) => [n, 1]))));
    const started = Date.now();
    const cli = spawn(process.execPath, [join(REPO, 'dist/src/cli/main.js'), 'apply', config, '--yes', '--state-dir', state], { env: { ...process.env, LVSYNC_TRACE: '1' } });
    let err = '';
    let out = '';
    cli.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    cli.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    await ended;
    const took = Date.now() - started;
    assert.equal(code, 0, out + err);
    assert.match(readFileSync(log, 'utf8'), new RegExp(`${busy} done\\nCLIENT complete`), 'the request ran to its end');
    assert.match(out, new RegExp(`-e -t ${VIP.replace(/\./g, '\\.')}:80 -r 10\\.30\\.${busy.slice(2)}\\.2:8080 -m -w 0`), 'quiesced first');
    assert.doesNotMatch(ipvsadm(['-S', '-n']).stdout, new RegExp(`10\\.30\\.${busy.slice(2)}\\.2`), 'deleted at the end');
    assert.match(err, /\/proc\/net\/ip_vs read after/, 'the counts came from /proc');
    assert.doesNotMatch(err, /ipvsadm -L|-L -n -t/, 'no ipvsadm listing was run for them');
    console.log(`proc-counts: apply drained ${busy} in ${(took / 1000).toFixed(1)} s, counts from /proc (${(err.match(/\/proc\/net\/ip_vs read after/g) ?? []).length} reads)`);
  });

  test('a real server removed from the config gets no new connections', async () => {
    writeFileSync(config, desired({ rs1: 1, rs2: 1 }));
    const apply = await lvsync(['apply', config, '--yes', '--state-dir', state]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.doesNotMatch(ipvsadm(['-S', '-n']).stdout, /10\.30\.3\.2/);
    const counts = count(30);
    assert.equal(counts.rs3 ?? 0, 0, JSON.stringify(counts));
    assert.equal((counts.rs1 ?? 0) + (counts.rs2 ?? 0), 30);
  });
});
