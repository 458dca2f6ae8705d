import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createExecIpvsadm, procPathFor } from '../../src/ipvsadm/exec.js';
import { systemClock } from '../../src/watch/clock.js';
import { startDaemon, type Daemon } from '../../src/watch/daemon.js';
import { createLogger } from '../../src/watch/logger.js';
import { tempTree } from '../helpers/cli.js';
import { REPO, SKIP, addNamespaceHost, ipvsadm, lvsync, must, resetKernel, sh, tempStateDir, waitForPort } from './helpers.js';

/**
 * Health checks and draining on the real kernel with real traffic (issue 5), all inside the VM:
 * three real servers in network namespaces serving HTTP, a client namespace, a NAT service.
 *  1. `lvsync watch` with http checks: a stopped server is quiesced within fall × interval (plus one
 *     pass), gets none of the next requests while the others serve all of them, and is back after
 *     it starts again.
 *  2. `lvsync apply` removing a real server while a long-lived connection to it is open: weight 0
 *     first, the connection completes, and only then is the server deleted.
 */
const VIP = '10.51.0.10';
const NAMES = ['hrs1', 'hrs2', 'hrs3'];
const fixtures = join(REPO, 'test/kernel/fixtures');
const INTERVAL_MS = 2000;
const FALL = 2;
const RISE = 2;
const servers = new Map<string, ChildProcess>();
const others: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const save = () => ipvsadm(['-S', '-n']).stdout;
const rip = (name: string) => `10.31.${name.slice(3)}.2`;

function startServer(name: string): void {
  servers.set(name, spawn('ip', ['netns', 'exec', name, process.execPath, `${fixtures}/http-identity.mjs`, name, '8080'], { stdio: 'ignore' }));
}

async function stopServer(name: string): Promise<void> {
  const child = servers.get(name)!;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  servers.delete(name);
}

async function until(what: string, fn: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!fn()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; kernel table:\n${save()}`);
    await sleep(50);
  }
  return Date.now() - start;
}

function count(n: number): Record<string, number> {
  return JSON.parse(must(`ip netns exec hclient node ${fixtures}/http-client.mjs count http://${VIP}/ ${n}`)) as Record<string, number>;
}

const weightOf = (name: string) => new RegExp(`-r ${rip(name).replace(/\./g, '\\.')}:8080 -m -w (\\d+)`).exec(save())?.[1];

function config(weights: Record<string, number>, health: boolean): string {
  const list = Object.entries(weights).map(([name, w]) => `      - { address: ${rip(name)}, port: 8080, method: nat, weight: ${w} }`).join('\n');
  const check = health ? `    healthCheck: { type: http, path: /, interval: ${INTERVAL_MS}ms, timeout: 1500ms, fall: ${FALL}, rise: ${RISE} }\n` : '';
  return `version: 1\nservices:\n  - name: web\n    address: ${VIP}\n    port: 80\n    scheduler: wrr\n    drainTimeout: 60s\n${check}    realServers:\n${list}\n`;
}

describe('health checks and draining on the real kernel', { skip: SKIP }, () => {
  before(async () => {
    resetKernel();
    for (const [i, name] of NAMES.entries()) {
      const n = i + 1;
      addNamespaceHost(name, `vh-${name}`, `10.31.${n}`);
      startServer(name);
    }
    addNamespaceHost('hclient', 'vh-client', '10.41.0');
    must(`ip addr add ${VIP}/32 dev lo`);
    for (const name of NAMES) await waitForPort(rip(name), 8080);
  });

  after(() => {
    for (const c of [...servers.values(), ...others]) c.kill('SIGKILL');
    sh(`for n in ${NAMES.join(' ')} hclient; do ip netns del $n; done; ip addr del ${VIP}/32 dev lo`);
    resetKernel();
  });

  test('plan --health / apply --health: one round of checks; the stopped server is planned at weight 0 with the reason and quiesced', async () => {
    resetKernel();
    const state = tempStateDir();
    const dir = tempTree({ 'web.yaml': config({ hrs1: 1, hrs2: 1, hrs3: 1 }, true) });
    const file = join(dir, 'web.yaml');
    const first = await lvsync(['apply', file, '--yes', '--state-dir', state]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    await stopServer('hrs2');
    try {
      const plan = await lvsync(['plan', file, '--health', '--state-dir', state, '--detailed-exitcode']);
      assert.equal(plan.code, 2, plan.stdout + plan.stderr);
      writeFileSync(join(process.env.LVSYNC_VM_OUTPUT_DIR ?? dir, 'readme-plan-health.txt'), `$ lvsync plan web.yaml --health\n${plan.stderr}${plan.stdout}`);
      assert.match(plan.stderr, /--health: checked 3 real server\(s\), 1 down\n  down: 10\.31\.2\.2:8080 of tcp 10\.51\.0\.10:80 \(http\): connect ECONNREFUSED/);
      assert.deepEqual(plan.stdout.split('\n').filter((l) => l.startsWith('  ipvsadm ')), ['  ipvsadm -e -t 10.51.0.10:80 -r 10.31.2.2:8080 -m -w 0']);
      assert.match(plan.stdout, /~ real server 10\.31\.2\.2:8080 weight 1 → 0  # health: down since \S+ \(connect ECONNREFUSED\); declared weight 1/);
      const apply = await lvsync(['apply', file, '--health', '--yes', '--state-dir', state]);
      assert.equal(apply.code, 0, apply.stdout + apply.stderr);
      assert.equal(weightOf('hrs2'), '0');
      const counts = count(20);
      assert.equal(counts.hrs2 ?? 0, 0, JSON.stringify(counts));
      assert.equal((counts.hrs1 ?? 0) + (counts.hrs3 ?? 0), 20);
    } finally {
      startServer('hrs2');
      await waitForPort(rip('hrs2'), 8080);
    }
  });

  test('watch: a stopped real server is quiesced within fall × interval and gets no traffic; started again, it returns', async () => {
    const dir = tempTree({ 'conf/web.yaml': config({ hrs1: 1, hrs2: 1, hrs3: 1 }, true) });
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ format: 'json', write: (l) => { lines.push(JSON.parse(l) as Record<string, unknown>); } });
    let daemon: Daemon | null = null;
    try {
      daemon = await startDaemon({
        paths: [join(dir, 'conf')], intervalMs: 10_000, detectOnly: false, listen: null, stateDir: tempStateDir(),
        perCommand: false, allowMassDelete: false, hostname: 'kernel-vm', version: 'test',
      }, { ipvsadm: createExecIpvsadm({ binary: 'ipvsadm', procPath: procPathFor('ipvsadm', {}) }), clock: systemClock, log, watch: false });
      await until('the service in the kernel', () => weightOf('hrs2') === '1', 60_000);
      await until('every server checked up', () => [...daemon!.status.health.values()].filter((h) => h.state.status === 'up').length === 3, 30_000);
      const all = count(30);
      assert.deepEqual(Object.keys(all).sort(), ['hrs1', 'hrs2', 'hrs3'], JSON.stringify(all));

      await stopServer('hrs2');
      const stoppedAt = Date.now();
      const quiescedIn = await until('hrs2 quiesced', () => weightOf('hrs2') === '0', 60_000);
      const down = lines.find((l) => String(l.msg).startsWith('real server 10.31.2.2:8080 of tcp 10.51.0.10:80 is down after 2 failed checks'));
      assert.ok(down, 'the transition is logged');
      const detectedIn = Date.parse(String(down.time)) - stoppedAt;
      console.log(`# health: hrs2 marked down ${detectedIn} ms and quiesced in the kernel ${quiescedIn} ms after it stopped (fall ${FALL} × interval ${INTERVAL_MS} ms = ${FALL * INTERVAL_MS} ms)`);
      assert.ok(detectedIn <= FALL * INTERVAL_MS + 1500, `down after ${detectedIn} ms: more than fall × interval (+ one probe timeout)`);
      assert.ok(quiescedIn <= FALL * INTERVAL_MS + 1500 + 8000, `quiesced after ${quiescedIn} ms`);
      assert.equal(weightOf('hrs1'), '1');
      assert.equal(weightOf('hrs3'), '1');
      const without = count(30);
      console.log(`# health: 30 requests with hrs2 quiesced: ${JSON.stringify(without)}`);
      assert.equal(without.hrs2 ?? 0, 0, JSON.stringify(without));
      assert.equal((without.hrs1 ?? 0) + (without.hrs3 ?? 0), 30, 'every request was served by the others');

      startServer('hrs2');
      const startedAt = Date.now();
      await waitForPort(rip('hrs2'), 8080);
      const restoredIn = await until('hrs2 restored', () => weightOf('hrs2') === '1', 60_000);
      console.log(`# health: hrs2 restored ${Date.now() - startedAt} ms after it started (rise ${RISE} × interval ${INTERVAL_MS} ms; ${restoredIn} ms after it listened)`);
      const back = count(30);
      console.log(`# health: 30 requests after recovery: ${JSON.stringify(back)}`);
      assert.ok((back.hrs2 ?? 0) > 0, JSON.stringify(back));
      const metrics = await daemon.metrics.registry.getSingleMetricAsString('lvsync_health_transitions_total');
      assert.match(metrics, /to="down"\} 1/);
    } finally {
      await daemon?.stop('SIGTERM');
    }
  });

  test('apply: a real server removed while a long-lived connection is open is drained, and deleted only after the connection completed', async () => {
    resetKernel();
    const state = tempStateDir();
    const dir = tempTree({});
    const file = join(dir, 'web.yaml');
    // only hrs3 takes new connections, so the long request lands there
    writeFileSync(file, config({ hrs1: 0, hrs3: 1 }, false));
    const first = await lvsync(['apply', file, '--yes', '--state-dir', state]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const slowLog = join(dir, 'slow.log');
    const slow = spawn('ip', ['netns', 'exec', 'hclient', process.execPath, `${fixtures}/http-client.mjs`, 'slow', `http://${VIP}/slow?ms=8000`, slowLog], { stdio: 'ignore' });
    others.push(slow);
    const slowDone = new Promise<number>((resolve) => slow.once('exit', () => resolve(Date.now())));
    await until('the long request to start', () => { try { return readFileSync(slowLog, 'utf8').includes('hrs3 start'); } catch { return false; } }, 30_000);

    writeFileSync(file, config({ hrs1: 1 }, false));
    const applying = lvsync(['apply', file, '--yes', '--state-dir', state]).then((r) => ({ ...r, at: Date.now() }));
    // while the connection runs, hrs3 is at weight 0 and still in the table
    await until('hrs3 quiesced', () => weightOf('hrs3') === '0', 30_000);
    assert.equal(weightOf('hrs1'), '1', 'the other change converged meanwhile');
    const during = count(10);
    assert.equal(during.hrs3 ?? 0, 0, `no new connection reaches the draining server: ${JSON.stringify(during)}`);
    assert.match(save(), /-r 10\.31\.3\.2:8080 -m -w 0/);

    const [apply, clientExit] = await Promise.all([applying, slowDone]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const text = readFileSync(slowLog, 'utf8');
    assert.match(text, /hrs3 done\nCLIENT complete/, `the connection completed: ${text}`);
    assert.ok(apply.at >= clientExit - 1000, `apply finished (deleted hrs3) ${clientExit - apply.at} ms before the connection ended`);
    assert.doesNotMatch(save(), /10\.31\.3\.2/, 'deleted after the drain');
    assert.match(apply.stdout, /ipvsadm -e -t 10\.51\.0\.10:80 -r 10\.31\.3\.2:8080 -m -w 0/);
    assert.match(apply.stdout, /ipvsadm -d -t 10\.51\.0\.10:80 -r 10\.31\.3\.2:8080/);
    console.log(`# drain: the 8 s connection completed; hrs3 deleted ${apply.at - clientExit} ms after it ended`);
  });
});
