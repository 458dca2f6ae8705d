import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { DEFAULT_DEBOUNCE_MS, DEFAULT_SCRAPE_INTERVAL_MS, READ_AHEAD_GRACE_MS, READ_AHEAD_SETTLE_MS } from '../../src/watch/daemon.js';
import { LOGGED_COMMANDS, REHEARSALS } from '../../src/watch/pass.js';
import { startTestDaemon, stopAllTestDaemons, WEB } from './daemon-helpers.js';
import { eventually } from './helpers.js';
import { loadDesired } from '../../src/desired/load.js';
import type { DesiredResult } from '../../src/desired/parse.js';

/**
 * The daemon end to end against the in-memory fake ipvsadm, with a manual clock and a file watcher
 * the test fires: every behaviour of issue 4's test list, without one real sleep.
 */

afterEach(stopAllTestDaemons);

const metric = async (t: { daemon: { metrics: { registry: { getSingleMetricAsString(n: string): Promise<string> } } } }, name: string) =>
  t.daemon.metrics.registry.getSingleMetricAsString(name);

test('startup converges the kernel in one -R batch and logs one line per pass with outcome and duration', async () => {
  const t = await startTestDaemon();
  assert.deepEqual(t.mutating(), [['-R']]);
  assert.match(t.save(), /-a -t 192\.168\.10\.100:80 -r 10\.0\.0\.12:8080 -m -w 5/);
  const [pass] = t.passes();
  assert.equal(pass?.outcome, 'applied');
  assert.equal(typeof pass?.durationMs, 'number');
  assert.deepEqual(pass?.reasons, ['startup']);
  assert.match(String(pass?.msg), /^pass 1 applied in \d+ ms: applied 3 operations$/);
  assert.equal(t.daemon.status.passes[0]?.outcome, 'applied');
  await t.stop();
});

test('a big change logs the first LOGGED_COMMANDS commands and counts the rest', async () => {
  const servers = Array.from({ length: LOGGED_COMMANDS + 20 }, (_, i) => `      - { address: 10.0.${i >> 8}.${(i & 255) + 1}, port: 8080, method: nat }`);
  const t = await startTestDaemon({ yaml: `${WEB.split('    realServers:')[0]}    realServers:\n${servers.join('\n')}\n` });
  const line = t.logs.lines().find((l) => Array.isArray(l.commands));
  assert.ok(line, 'no log line with commands');
  assert.equal((line.commands as string[]).length, LOGGED_COMMANDS);
  assert.equal(line.commandsOmitted, LOGGED_COMMANDS + 21 - LOGGED_COMMANDS);
  assert.equal((line.commands as string[])[0], 'ipvsadm -A -t 192.168.10.100:80 -s wrr');
  assert.match(String(line.msg), new RegExp(`applying ${LOGGED_COMMANDS + 21} operations$`));
  await t.stop();
});

test('LVSYNC_TRACE: each pass traces its start, the load, the plan and its end; then the rehearsals of a change', async () => {
  const events: string[] = [];
  const t = await startTestDaemon({ trace: (e) => events.push(e) });
  await eventually(() => events.at(-1)?.startsWith('config change rehearsed'), 'the rehearsals');
  assert.match(events.pop() ?? '', new RegExp(`^config change rehearsed ${REHEARSALS} times in \\d+\\.\\d{3} s, the last in \\d+\\.\\d{3} s \\(load and plan, nothing applied\\)$`));
  assert.deepEqual(events, [
    'pass 1 started (startup)',
    'desired state loaded: 1 services, 0 diagnostics',
    'health checks updated for the new desired state',
    'apply lock taken',
    'state files read',
    'live table read and planned: 3 operations',
    'pass 1 applied: applied 3 operations',
  ]);
  await t.stop();
});

// what the event loop does between two file events: the read-ahead of the first one ends
const turn = () => new Promise((r) => setImmediate(r));

test('a config change → one pass; a burst of file events that keep changing the file → one pass, with the last text (debounced and coalesced)', async () => {
  const t = await startTestDaemon();
  for (let i = 0; i < 8; i++) {
    writeFileSync(t.file, WEB.replace('weight: 5', `weight: ${7 + i}`));
    t.watcher.fire();
    await turn();
    t.clock.advance(20);
  }
  await t.settle();
  assert.equal(t.passes().length, 1, 'nothing before the debounce quiet time');
  t.clock.advance(300);
  await t.settle();
  const passes = t.passes();
  assert.equal(passes.length, 2);
  assert.deepEqual(passes[1]?.reasons, ['config-changed']);
  assert.equal(passes[1]?.outcome, 'applied');
  assert.deepEqual(t.mutating().at(-1), ['-R']);
  assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 14/);
  // a config change is a rollout, not drift
  assert.equal(t.logs.messages().filter((m) => m.includes('changed outside lvsync')).length, 0);
  assert.match(await metric(t, 'lvsync_operations_applied_total'), /lvsync_operations_applied_total\{kind="edit-server"\} 1/);
  await t.stop();
});

test('file events load the changed config once they pause, while the debouncer waits; the pass then finds it parsed', async () => {
  const loads: DesiredResult[] = [];
  const events: string[] = [];
  const t = await startTestDaemon({ trace: (e) => events.push(e), load: async (paths) => { const r = await loadDesired(paths); loads.push(r); return r; } });
  const before = loads.length;
  const calls = t.fake.calls.length;
  writeFileSync(t.file, WEB.replace('weight: 5', 'weight: 7'));
  // the events of one save: one load, once they have paused for READ_AHEAD_SETTLE_MS
  for (let i = 0; i < 3; i++) { t.watcher.fire(); t.clock.advance(2); }
  await turn();
  assert.equal(loads.length, before, 'not while the events keep coming');
  t.clock.advance(READ_AHEAD_SETTLE_MS);
  await eventually(() => loads.length === before + 1, 'one load read ahead');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(loads.length, before + 1, 'the events shared it');
  assert.equal(t.passes().length, 1, 'no pass before the quiet time');
  assert.equal(t.fake.calls.length, calls, 'reading ahead runs no ipvsadm');
  assert.ok(events.some((e) => /^config read ahead: 1 services, 0 diagnostics, in \d+\.\d{3} s$/.test(e)));
  t.clock.advance(300);
  await t.settle();
  assert.equal(loads.length, before + 2);
  assert.equal(loads.at(-1)!.state, loads.at(-2)!.state, 'the pass loads the same parse the read-ahead made');
  assert.equal(t.passes()[1]?.outcome, 'applied');
  assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 7/);
  await t.stop();
});

test('a read-ahead that holds the event loop past the quiet time: the pass waits for the events that came meanwhile, so a multi-file change is not applied half-way', async () => {
  let slowMs = 0;
  let clock: { block(ms: number): void } | null = null;
  const t = await startTestDaemon({
    load: async (paths) => {
      const r = await loadDesired(paths);
      clock?.block(slowMs); // the load held the event loop this long (nothing fires meanwhile)
      return r;
    },
  });
  clock = t.clock;
  slowMs = 150;
  const second = join(t.dir, 'conf/other.yaml');
  writeFileSync(t.file, WEB.replace('weight: 5', 'weight: 7'));
  t.watcher.fire();
  t.clock.advance(READ_AHEAD_SETTLE_MS); // the read ahead starts, and holds the loop for 150 ms
  await turn();
  slowMs = 0;
  // the quiet time has passed during the read, but the pass waits READ_AHEAD_GRACE_MS more
  t.clock.advance(READ_AHEAD_GRACE_MS - 1);
  await t.settle();
  assert.equal(t.passes().length, 1, 'no pass within the grace after the read');
  // the second file of the change, written while the read held the loop: its event is handed over now
  writeFileSync(second, 'version: 1\nscope: { addresses: ["192.168.10.0/24"] }\nservices:\n  - name: other\n    address: 192.168.10.101\n    port: 80\n    realServers:\n      - { address: 10.0.0.21, port: 8080, method: nat }\n');
  t.watcher.fire();
  t.clock.advance(1);
  await t.settle();
  assert.equal(t.passes().length, 1, 'that event restarted the quiet time');
  t.clock.advance(DEFAULT_DEBOUNCE_MS + READ_AHEAD_GRACE_MS);
  await t.settle();
  assert.equal(t.passes().length, 2, 'one pass, with both files');
  assert.equal(t.passes()[1]?.outcome, 'applied');
  assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 7/);
  assert.match(t.save(), /192\.168\.10\.101:80/);
  await t.stop();
});

test('a config that fails to load ahead is the pass\'s to report: nothing is logged twice and nothing reaches the kernel', async () => {
  const t = await startTestDaemon();
  writeFileSync(t.file, 'version: 1\nservices: [');
  t.watcher.fire();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(t.logs.lines().filter((l) => l.level === 50 || l.level === 40).length, 0, 'read ahead, reported by nobody yet');
  t.clock.advance(300);
  await t.settle();
  assert.equal(t.passes()[1]?.configValid, false, 'the pass found the config invalid (and kept the last good one)');
  assert.equal(t.logs.lines().filter((l) => (l.diagnostic as { code?: string } | undefined)?.code !== undefined).length, 1, 'the diagnostic, once');
  assert.equal(t.mutating().length, 1, 'only the start-up -R');
  await t.stop();
});

test('invalid config: the last good config is kept, the kernel untouched, diagnostics logged with file:line:col and /readyz says why', async () => {
  const t = await startTestDaemon({ listen: true });
  const before = t.save();
  const calls = t.mutating().length;
  writeFileSync(t.file, WEB.replace('weight: 5 }', 'weight: 5, bogus: 1 }').replace('scheduler: wrr', 'scheduler: rr'));
  t.watcher.fire();
  t.clock.advance(300);
  await t.settle();
  assert.equal(t.save(), before, 'nothing from the invalid files reached the kernel');
  assert.equal(t.mutating().length, calls);
  const diag = t.logs.lines().find((l) => (l.diagnostic as { code?: string } | undefined)?.code === 'SCHEMA');
  assert.ok(diag, 'the schema diagnostic is logged');
  assert.match(String(diag.msg), /web\.yaml:11:67: error\[SCHEMA\]/);
  assert.ok(t.logs.messages().some((m) => m.includes('keeping the last good config')));
  const ready = await fetch(`${t.daemon.url}/readyz`);
  assert.equal(ready.status, 503);
  const body = await ready.text();
  assert.match(body, /config invalid \(1 error\); enforcing the last good config/);
  assert.match(body, /web\.yaml:11:67: error\[SCHEMA\]/);
  assert.match(await metric(t, 'lvsync_config_valid'), /lvsync_config_valid 0/);

  // drift is still corrected against the last good config while the files are invalid
  runIpvsadm(t.fake.kernel, ['-e', '-t', '192.168.10.100:80', '-r', '10.0.0.11:8080', '-m', '-w', '1']);
  t.clock.advance(10_000);
  await t.settle();
  assert.equal(t.save(), before);

  // fixed: applied at once, ready again
  writeFileSync(t.file, WEB.replace('scheduler: wrr', 'scheduler: rr'));
  t.watcher.fire();
  t.clock.advance(300);
  await t.settle();
  assert.match(t.save(), /-A -t 192\.168\.10\.100:80 -s rr/);
  assert.equal((await fetch(`${t.daemon.url}/readyz`)).status, 200);
  assert.ok(t.logs.messages().includes('config valid again'));
  await t.stop();
});

test('invalid config at startup: no ipvsadm run at all, outcome invalid-config, not ready', async () => {
  const t = await startTestDaemon({ yaml: 'version: 1\nservices: [', save: '-A -t 192.168.10.100:80 -s wlc\n' });
  assert.equal(t.fake.calls.length, 0);
  assert.equal(t.passes()[0]?.outcome, 'invalid-config');
  assert.equal(t.daemon.status.config.valid, false);
  t.clock.advance(10_000);
  await t.settle();
  assert.equal(t.fake.calls.length, 0, 'interval passes reload but never touch the kernel');
  await t.stop();
});

test('drift is logged per field ("… weight 5 → 1, changed outside lvsync"), counted and corrected at the next interval', async () => {
  const t = await startTestDaemon({ listen: true });
  runIpvsadm(t.fake.kernel, ['-e', '-t', '192.168.10.100:80', '-r', '10.0.0.12:8080', '-m', '-w', '1']);
  runIpvsadm(t.fake.kernel, ['-d', '-t', '192.168.10.100:80', '-r', '10.0.0.11:8080']);
  t.clock.advance(10_000);
  await t.settle();
  const messages = t.logs.messages();
  assert.ok(messages.includes('real server 10.0.0.12:8080 weight 5 → 1, changed outside lvsync'), messages.join('\n'));
  assert.ok(messages.includes('real server 10.0.0.11:8080 of tcp 192.168.10.100:80 missing, changed outside lvsync'), messages.join('\n'));
  const drift = t.logs.lines().find((l) => String(l.msg).startsWith('real server 10.0.0.12:8080 weight'))?.drift as Record<string, unknown>;
  assert.deepEqual(drift, { object: 'real-server', service: 'tcp 192.168.10.100:80', server: '10.0.0.12:8080', field: 'weight', desired: '5', live: '1' });
  assert.equal(t.passes().at(-1)?.outcome, 'applied');
  assert.match(String(t.passes().at(-1)?.msg), /applied 2 operations, corrected 2 drift items/);
  assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 5/);
  assert.match(t.save(), /10\.0\.0\.11:8080 -m -w 3/);
  assert.match(await metric(t, 'lvsync_drift_events_total'), /lvsync_drift_events_total\{object="real-server"\} 2/);
  assert.deepEqual(t.daemon.status.currentDrift, []);
  assert.equal(t.daemon.status.lastDrift?.corrected, true);
  await t.stop();
});

test('--detect-only reports drift and never changes the kernel; a persisting difference is counted once', async () => {
  const t = await startTestDaemon({ detectOnly: true, listen: true, save: '-A -t 192.168.10.100:80 -s wrr\n-a -t 192.168.10.100:80 -r 10.0.0.11:8080 -m -w 3\n-a -t 192.168.10.100:80 -r 10.0.0.12:8080 -m -w 5\n' });
  assert.equal(t.passes()[0]?.outcome, 'in-sync');
  runIpvsadm(t.fake.kernel, ['-e', '-t', '192.168.10.100:80', '-r', '10.0.0.12:8080', '-m', '-w', '1']);
  const before = t.save();
  for (let i = 0; i < 3; i++) { t.clock.advance(10_000); await t.settle(); }
  assert.deepEqual(t.mutating(), [], 'detect-only never runs a mutating ipvsadm command');
  assert.equal(t.save(), before);
  assert.equal(t.passes().at(-1)?.outcome, 'drift-detected');
  assert.ok(t.logs.messages().includes('real server 10.0.0.12:8080 weight 5 → 1, changed outside lvsync (not corrected: --detect-only)'));
  assert.match(await metric(t, 'lvsync_drift_events_total'), /object="real-server"\} 1$/m);
  assert.match(await metric(t, 'lvsync_drift_current'), /lvsync_drift_current 1/);
  assert.equal((await fetch(`${t.daemon.url}/readyz`)).status, 200, 'detecting is a successful pass');
  await t.stop();
});

test('ipvsadm failing: retried with capped exponential backoff (no busy loop), then recovery', async () => {
  const t = await startTestDaemon({ listen: true, config: { backoff: { initialMs: 1000, maxMs: 8000 } } });
  t.ipvsadm.broken = true;
  runIpvsadm(t.fake.kernel, ['-e', '-t', '192.168.10.100:80', '-r', '10.0.0.12:8080', '-m', '-w', '1']);
  t.clock.advance(10_000);
  await t.settle();
  assert.equal(t.passes().at(-1)?.outcome, 'failed');
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    const next = t.clock.pending()[0]!;
    delays.push(next);
    t.clock.advance(next);
    await t.settle();
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000]);
  assert.equal(t.ipvsadm.brokenRuns, 6, 'one attempt per pass, nothing in between');
  assert.ok(t.logs.messages().some((m) => m === 'retrying in 8s (5 failed passes in a row; the delay doubles up to a cap)'));
  const ready = await fetch(`${t.daemon.url}/readyz`);
  assert.equal(ready.status, 503);
  assert.match(await ready.text(), /last pass failed: cannot run ipvsadm/);
  assert.match(await metric(t, 'lvsync_passes_total'), /outcome="failed"\} 6/);
  assert.match(await metric(t, 'lvsync_consecutive_failed_passes'), / 6$/);

  t.ipvsadm.broken = false;
  t.clock.advance(t.clock.pending()[0]!);
  await t.settle();
  assert.equal(t.passes().at(-1)?.outcome, 'applied');
  assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 5/);
  assert.deepEqual(t.clock.pending(), [10_000], 'back to the interval');
  assert.equal((await fetch(`${t.daemon.url}/readyz`)).status, 200);
  await t.stop();
});

test('the apply lock is held per pass: a manual apply holding it makes the pass fail and retry, then it proceeds', async () => {
  const t = await startTestDaemon();
  const { writeFileSync: write, mkdirSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  mkdirSync(join(t.dir, 'state'), { recursive: true });
  write(join(t.dir, 'state/apply.lock'), `${process.pid}\n`); // a live process holds it
  runIpvsadm(t.fake.kernel, ['-e', '-t', '192.168.10.100:80', '-r', '10.0.0.12:8080', '-m', '-w', '1']);
  t.clock.advance(10_000);
  await t.settle();
  assert.equal(t.passes().at(-1)?.outcome, 'failed');
  assert.match(String(t.passes().at(-1)?.msg), /another lvsync \(pid \d+\) is applying/);
  rmSync(join(t.dir, 'state/apply.lock'));
  t.clock.advance(1000);
  await t.settle();
  assert.equal(t.passes().at(-1)?.outcome, 'applied');
  await t.stop();
});

test('SIGHUP forces a reload and a pass now', async () => {
  const t = await startTestDaemon();
  writeFileSync(t.file, WEB.replace('weight: 3', 'weight: 4'));
  t.daemon.reload();
  await t.settle();
  assert.deepEqual(t.passes().at(-1)?.reasons, ['sighup']);
  assert.match(t.save(), /10\.0\.0\.11:8080 -m -w 4/);
  await t.stop();
});

test('stop finishes the current pass, runs no more and never deletes owned services', async () => {
  const t = await startTestDaemon();
  const before = t.save();
  const calls = t.fake.calls.length;
  const result = await t.daemon.stop('SIGTERM');
  assert.equal(result.timedOut, false);
  t.clock.advance(60_000);
  await t.settle();
  assert.equal(t.fake.calls.length, calls, 'no ipvsadm run on or after shutdown');
  assert.equal(t.save(), before);
  assert.ok(t.logs.messages().includes('lvsync watch stopped'));
});

test('a mass delete is refused, reported and not retried in a loop', async () => {
  const t = await startTestDaemon();
  writeFileSync(t.file, 'version: 1\nscope: { addresses: ["192.168.10.0/24"] }\nservices: []\n');
  t.watcher.fire();
  t.clock.advance(300);
  await t.settle();
  assert.equal(t.passes().at(-1)?.outcome, 'refused');
  assert.match(t.save(), /192\.168\.10\.100:80/);
  assert.deepEqual(t.clock.pending(), [10_000], 'a refusal waits for the next interval or config change, not a backoff');
  await t.stop();
});

test('the status page and /status.json show the current drift (detect-only) and a failed pass', async () => {
  const t = await startTestDaemon({ detectOnly: true, listen: true, save: '-A -t 192.168.10.100:80 -s wrr\n-a -t 192.168.10.100:80 -r 10.0.0.11:8080 -m -w 3\n-a -t 192.168.10.100:80 -r 10.0.0.12:8080 -m -w 5\n' });
  runIpvsadm(t.fake.kernel, ['-e', '-t', '192.168.10.100:80', '-r', '10.0.0.12:8080', '-m', '-w', '1']);
  t.clock.advance(10_000);
  await t.settle();
  let html = await (await fetch(`${t.daemon.url}/`)).text();
  assert.match(html, /<h2>Current drift<\/h2><p>The live table differs from the desired state \(--detect-only: reported, not corrected\):<\/p><ul><li>real server 10\.0\.0\.12:8080 weight 5 → 1<\/li><\/ul>/);
  assert.match(html, /<span class="pill warn">weight 5 → 1<\/span>/);
  assert.match(html, /<span class="pill warn">drift<\/span>/);
  const json = await (await fetch(`${t.daemon.url}/status.json`)).json() as { ready: boolean; currentDrift: unknown[]; passes: { outcome: string }[] };
  assert.equal(json.ready, true);
  assert.equal(json.currentDrift.length, 1);
  assert.equal(json.passes[0]?.outcome, 'drift-detected');

  t.ipvsadm.broken = true;
  // past the live counters' min age: the page reads them again, and fails
  t.clock.advance(DEFAULT_SCRAPE_INTERVAL_MS);
  await t.settle();
  html = await (await fetch(`${t.daemon.url}/`)).text();
  assert.match(html, /<h2>Last pass failed<\/h2><pre>cannot run ipvsadm: spawn ipvsadm ENOENT/);
  assert.match(html, /<h2>Live counters unavailable<\/h2>/);
  assert.match(html, /<span class="pill bad big">not ready<\/span>/);
  assert.equal((await fetch(`${t.daemon.url}/nope`)).status, 404);
  assert.equal((await fetch(`${t.daemon.url}/`, { method: 'POST' })).status, 405);
  await t.stop();
});

test('shutdown is bounded: a pass stuck in ipvsadm does not hold SIGTERM longer than the shutdown timeout', async () => {
  const t = await startTestDaemon({ config: { shutdownTimeoutMs: 5000 } });
  const stuck = t.ipvsadm.run.bind(t.ipvsadm);
  t.ipvsadm.run = () => new Promise(() => undefined); // a wedged netlink socket
  t.clock.advance(10_000);
  await new Promise((r) => setImmediate(r));
  assert.equal(t.daemon.loop.state.running, true);
  const stopping = t.daemon.stop('SIGTERM');
  await new Promise((r) => setImmediate(r));
  t.clock.advance(5000);
  assert.deepEqual(await stopping, { timedOut: true });
  assert.ok(t.logs.messages().includes('the current pass did not finish within 5s; exiting anyway'));
  t.ipvsadm.run = stuck;
});

test('pretty logs for a terminal: one readable line per pass, no JSON', async () => {
  const { createLogger } = await import('../../src/watch/logger.js');
  const out: string[] = [];
  const log = createLogger({ format: 'pretty', write: (l) => out.push(l), color: false });
  log.info({ pass: 1, outcome: 'in-sync' }, 'pass 1 in-sync in 12 ms: in sync (1 declared service)');
  assert.equal(out.length, 1);
  assert.match(out[0]!, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: pass 1 in-sync in 12 ms: in sync \(1 declared service\)\n/);
  assert.doesNotMatch(out[0]!, /^\{/);
});
