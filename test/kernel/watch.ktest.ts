import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tempTree } from '../helpers/cli.js';
import { REPO, SKIP, ipvsadm, resetKernel, tempStateDir } from './helpers.js';

/**
 * `lvsync watch` on the real kernel (issue 4): a real server deleted by hand with `ipvsadm -d` is
 * restored within two intervals; an invalid config leaves the table unchanged and /readyz says so;
 * the fixed config converges; SIGTERM exits 0 and leaves the table in place.
 * Runs inside the VM only: test/kernel/vm.sh -- node --test dist/test/kernel/watch.ktest.js
 */

// long enough that a pass (several ipvsadm processes under emulation, ~1 s) is small next to it
const INTERVAL_S = 5;
const VIP = '10.99.0.1:80';

const config = (weight2: number, extra = '') => `version: 1
scope: { addresses: ["10.99.0.0/24"] }
services:
  - name: web
    protocol: tcp
    address: 10.99.0.1
    port: 80
    scheduler: wrr
    realServers:
      - { address: 10.99.1.1, port: 8080, method: nat, weight: 3 }
      - { address: 10.99.1.2, port: 8080, method: nat, weight: ${weight2}${extra} }
`;

const save = () => ipvsadm(['-S', '-n']).stdout;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs: number, stepMs = 100): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined;
    try { v = await fn(); } catch { v = undefined; } // e.g. the HTTP server not listening yet
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; kernel table:\n${save()}`);
    await sleep(stepMs);
  }
}

describe('lvsync watch on the real kernel', { skip: SKIP }, () => {
  let child: ChildProcess | null = null;
  const lines: Record<string, unknown>[] = [];
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    resetKernel();
  });

  test('drift undone within two intervals; invalid config leaves the table and fails /readyz; the fix converges; SIGTERM exits 0', async () => {
    resetKernel();
    const dir = tempTree({ 'conf/web.yaml': config(1) });
    const file = join(dir, 'conf/web.yaml');
    const state = tempStateDir();
    mkdirSync(state, { recursive: true });
    child = spawn(process.execPath, [join(REPO, 'dist/src/cli/main.js'), 'watch', join(dir, 'conf'),
      '--interval', `${INTERVAL_S}s`, '--listen', '127.0.0.1:0', '--state-dir', state, '--log-format', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Record<string, unknown>);
    });
    child.stderr!.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const messages = () => lines.map((l) => String(l.msg));

    // 1. startup converges
    const started = await until('the started line', () => lines.find((l) => typeof l.listen === 'string'), 60_000);
    const url = String(started.listen);
    await until('the first pass', () => lines.find((l) => l.pass === 1), 60_000);
    assert.match(save(), /-a -t 10\.99\.0\.1:80 -r 10\.99\.1\.2:8080 -m -w 1/);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);

    // 2. a real server deleted by hand comes back within two intervals
    const del = ipvsadm(['-d', '-t', VIP, '-r', '10.99.1.1:8080']);
    assert.equal(del.code, 0, del.stderr);
    const deletedAt = Date.now();
    await until('10.99.1.1:8080 restored', () => save().includes('-r 10.99.1.1:8080 -m -w 3'), 4 * INTERVAL_S * 1000, 50);
    const restoredIn = Date.now() - deletedAt;
    console.log(`# real server restored ${restoredIn} ms after ipvsadm -d (interval ${INTERVAL_S}s)`);
    assert.ok(restoredIn <= 2 * INTERVAL_S * 1000, `restored after ${restoredIn} ms, more than two intervals`);
    await until('the drift log line', () => messages().find((m) => m === 'real server 10.99.1.1:8080 of tcp 10.99.0.1:80 missing, changed outside lvsync'), 5000);

    // 3. an invalid config (with a weight change in it) never reaches the kernel; /readyz reports it
    const before = save();
    writeFileSync(file, config(9, ', color: blue'));
    const notReady = await until('/readyz 503', async () => {
      const r = await fetch(`${url}/readyz`);
      return r.status === 503 ? r.text() : null;
    }, 4 * INTERVAL_S * 1000);
    assert.match(notReady, /config invalid \(1 error\); enforcing the last good config/);
    assert.match(notReady, /web\.yaml:11:\d+: error\[SCHEMA\]: unknown key `color`/);
    await sleep(2 * INTERVAL_S * 1000 + 500); // two more drift passes
    assert.equal(save(), before, 'the table is unchanged while the config is invalid');
    assert.ok(messages().some((m) => /web\.yaml:11:\d+: error\[SCHEMA\]/.test(m)), 'the diagnostic is logged with file:line:col');

    // 4. the fix converges
    writeFileSync(file, config(9));
    await until('weight 9 applied', () => save().includes('-r 10.99.1.2:8080 -m -w 9'), 4 * INTERVAL_S * 1000);
    await until('/readyz 200', async () => (await fetch(`${url}/readyz`)).status === 200, 4 * INTERVAL_S * 1000);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /lvsync_drift_events_total\{object="real-server"\} [1-9]/);
    assert.match(metrics, /lvsync_config_valid 1/);

    // 5. SIGTERM: exit 0, table left in place
    const table = save();
    child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(30_000).then(() => 'timeout' as const)]);
    assert.equal(code, 0, `exit ${code}; stderr: ${stderr}`);
    assert.equal(save(), table, 'shutdown never deletes owned services');
    console.log(`# passes: ${lines.filter((l) => typeof l.pass === 'number').map((l) => `${l.pass}:${l.outcome}`).join(' ')}`);
  });
});
