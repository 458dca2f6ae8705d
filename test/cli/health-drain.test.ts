import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBudget } from '../../src/health/budget.js';
import { readOpenFileLimit } from '../../src/health/fd-limit.js';
import { serializeHealth } from '../../src/health/state.js';
import { test } from 'node:test';
import type { Probe } from '../../src/health/types.js';
import type { Clock } from '../../src/watch/clock.js';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { fakeWithTable, type InMemoryIpvsadm } from '../helpers/in-memory-ipvsadm.js';

/** `plan --health`, `apply --health`, apply waiting for drains and `--no-drain`, through the CLI in-process. */

const WEB = `version: 1
services:
  - name: web
    address: 192.168.10.100
    port: 80
    scheduler: wrr
    healthCheck: { type: http, path: /healthz }
    realServers:
      - { address: 10.0.0.11, port: 8080, method: nat, weight: 3 }
      - { address: 10.0.0.12, port: 8080, method: nat, weight: 5 }
`;
const LIVE = `-A -t 192.168.10.100:80 -s wrr
-a -t 192.168.10.100:80 -r 10.0.0.11:8080 -m -w 3
-a -t 192.168.10.100:80 -r 10.0.0.12:8080 -m -w 5
`;

const probeDown = (addr: string): Probe => async (_c, target) => (target.address === addr
  ? { ok: false, detail: 'HTTP 503 (expected 2xx or 3xx)', durationMs: 2 }
  : { ok: true, detail: 'HTTP 200', durationMs: 2 });

const save = (fake: InMemoryIpvsadm) => runIpvsadm(fake.kernel, ['-S', '-n']).stdout;

/** A clock whose timers fire on the next turn of the event loop, moving time forward: sleeps take no real time. */
function fastClock(start: number, onSleep: (now: number) => void = () => {}): Clock & { slept: number } {
  let now = start;
  const c = {
    slept: 0,
    now: () => now,
    setTimeout(fn: () => void, ms: number) {
      const timer = setImmediate(() => { now += ms; c.slept += ms; onSleep(now); fn(); });
      return () => clearImmediate(timer);
    },
  };
  return c;
}

test('plan --health: one round of checks, the failed server shown at weight 0 with the reason; without it, the config', async () => {
  const dir = tempTree({ 'web.yaml': WEB });
  const fake = fakeWithTable(LIVE);
  const args = ['plan', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state'), '--detailed-exitcode'];
  const r = await runCli([...args, '--health', '--json'], { ipvsadm: fake, probe: probeDown('10.0.0.12') });
  assert.equal(r.code, 2, r.stderr);
  const plan = JSON.parse(r.stdout) as { operations: { argv: string[]; reason: string }[]; health: { server: string; kind: string; effectiveWeight: number }[] };
  assert.deepEqual(plan.operations.map((o) => o.argv.join(' ')), ['ipvsadm -e -t 192.168.10.100:80 -r 10.0.0.12:8080 -m -w 0']);
  assert.match(plan.operations[0]!.reason, /^health: down since \S+Z \(HTTP 503 \(expected 2xx or 3xx\)\); declared weight 5$/);
  assert.deepEqual(plan.health.map((h) => [h.server, h.kind, h.effectiveWeight]), [['10.0.0.12|8080', 'quiesced', 0]]);
  assert.match(r.stderr, /--health: checked 2 real server\(s\), 1 down/);
  const text = await runCli([...args, '--health'], { ipvsadm: fake, probe: probeDown('10.0.0.12') });
  assert.match(text.stdout, /~ real server 10\.0\.0\.12:8080 weight 5 → 0  # health: down since/);
  assert.match(text.stdout, /^Health \(differs from the config until the servers recover\):\n  10\.0\.0\.12:8080 of tcp 192\.168\.10\.100:80: weight 0 \(declared 5\): health: down/m);
  const plain = await runCli(args, { ipvsadm: fake });
  assert.equal(plain.code, 0, 'without --health the live table matches the config');
});

test('apply --health quiesces the failed server in the kernel', async () => {
  const dir = tempTree({ 'web.yaml': WEB });
  const fake = fakeWithTable(LIVE);
  const r = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state'), '--health'], { ipvsadm: fake, probe: probeDown('10.0.0.11') });
  assert.equal(r.code, 0, r.stderr);
  assert.match(save(fake), /-r 10\.0\.0\.11:8080 -m -w 0/);
  assert.match(save(fake), /-r 10\.0\.0\.12:8080 -m -w 5/);
});

test('apply waits for a drain: weight 0 first, the delete once the connections are gone, exit 0', async () => {
  const dir = tempTree({ 'web.yaml': WEB.replace(/      - \{ address: 10\.0\.0\.12.*\n/, '') });
  const fake = fakeWithTable(LIVE);
  const dest = () => fake.kernel.state.services[0]!.dests.find((d) => d.addr === '10.0.0.12');
  dest()!.activeConns = 2;
  // the connections end after 3 s of waiting
  const clock = fastClock(Date.UTC(2026, 11, 1, 13, 0, 0), (now) => { if (now >= Date.UTC(2026, 11, 1, 13, 0, 3) && dest()) dest()!.activeConns = 0; });
  const r = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state')], { ipvsadm: fake, clock });
  assert.equal(r.code, 0, r.stderr);
  const mutations = fake.calls.filter((c) => c.args[0] === '-R').map((c) => c.input?.trim());
  assert.deepEqual(mutations, ['-e -t 192.168.10.100:80 -r 10.0.0.12:8080 -m -w 0', '-d -t 192.168.10.100:80 -r 10.0.0.12:8080']);
  assert.equal(dest(), undefined);
  assert.equal(clock.slept, 3000);
  assert.match(r.stderr, /^draining 10\.0\.0\.12:8080 of tcp 192\.168\.10\.100:80: 2 active, 30s left$/m);
  assert.match(r.stdout, /# draining before delete/);
});

test('apply --no-drain deletes at once; a drain that times out is deleted at its deadline with a message', async () => {
  const dir = tempTree({ 'web.yaml': WEB.replace(/      - \{ address: 10\.0\.0\.12.*\n/, '').replace('    scheduler: wrr\n', '    scheduler: wrr\n    drainTimeout: 5s\n') });
  const a = fakeWithTable(LIVE);
  a.kernel.state.services[0]!.dests[1]!.activeConns = 9;
  const forced = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state-a'), '--no-drain'], { ipvsadm: a });
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(a.calls.filter((c) => c.args[0] === '-R').map((c) => c.input?.trim()), ['-d -t 192.168.10.100:80 -r 10.0.0.12:8080']);

  const b = fakeWithTable(LIVE);
  b.kernel.state.services[0]!.dests.find((d) => d.addr === '10.0.0.12')!.activeConns = 9;
  const clock = fastClock(Date.UTC(2026, 11, 1, 13, 0, 0));
  const late = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state-b')], { ipvsadm: b, clock });
  assert.equal(late.code, 0, late.stderr);
  assert.equal(clock.slept, 5000);
  assert.match(late.stderr, /drain of 10\.0\.0\.12:8080 of tcp 192\.168\.10\.100:80 timed out with 9 active connection\(s\); deleted anyway/);
  assert.doesNotMatch(save(b), /10\.0\.0\.12/);
});

test('apply without --health uses the fresh health.json of lvsync watch; a stale one is ignored', async () => {
  const now = Date.UTC(2026, 11, 1, 13, 0, 0);
  const dir = tempTree({ 'web.yaml': WEB });
  const state = join(dir, 'state');
  const recorded = (at: number) => serializeHealth([{
    id: 'tcp|192.168.10.100|80#10.0.0.12|8080', status: 'down', since: at - 20_000, consecutiveOk: 0, consecutiveFail: 3,
    lastResult: { ok: false, detail: 'connect ECONNREFUSED', durationMs: 1 }, lastCheckAt: at,
  }]);
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'health.json'), recorded(now - 5_000));
  const fake = fakeWithTable(LIVE);
  const r = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', state], { ipvsadm: fake, clock: fastClock(now) });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /using the health recorded by lvsync watch .*: 1 real server\(s\) down/);
  assert.match(save(fake), /-r 10\.0\.0\.12:8080 -m -w 0/);

  writeFileSync(join(state, 'health.json'), recorded(now - 120_000));
  const stale = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', state], { ipvsadm: fake, clock: fastClock(now) });
  assert.equal(stale.code, 0, stale.stderr);
  assert.match(save(fake), /-r 10\.0\.0\.12:8080 -m -w 5/, 'a two-minute-old record is not trusted: the config weight');
});

test('a one-shot --health round never removes: onFailure remove is planned as a quiesce', async () => {
  const dir = tempTree({ 'web.yaml': WEB.replace('path: /healthz }', 'path: /healthz, onFailure: remove }') });
  const fake = fakeWithTable(LIVE);
  const r = await runCli(['plan', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state'), '--health', '--json'], { ipvsadm: fake, probe: probeDown('10.0.0.12') });
  const plan = JSON.parse(r.stdout) as { operations: { argv: string[] }[] };
  assert.deepEqual(plan.operations.map((o) => o.argv.join(' ')), ['ipvsadm -e -t 192.168.10.100:80 -r 10.0.0.12:8080 -m -w 0']);
});

test('plan --health --out is a usage error (exit 64): a saved plan cannot carry a health round', async () => {
  const dir = tempTree({ 'web.yaml': WEB });
  const r = await runCli(['plan', join(dir, 'web.yaml'), '--health', '--out', join(dir, 'p.json'), '--live', '/dev/null']);
  assert.equal(r.code, 64, r.stderr);
});

test('plan --health checks as many servers at once as the open-file limit allows, not 64', async () => {
  const servers = Array.from({ length: 300 }, (_, i) => `      - { address: 10.1.${Math.floor(i / 250)}.${(i % 250) + 1}, port: 8080, method: nat, weight: 1 }`).join('\n');
  const dir = tempTree({ 'web.yaml': `${WEB.split('    realServers:')[0]}    realServers:\n${servers}\n` });
  let inFlight = 0;
  let maxInFlight = 0;
  // each check answers five turns of the event loop after it started: long enough to see them all at once
  const probe: Probe = async () => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    inFlight--;
    return { ok: true, detail: 'HTTP 200', durationMs: 1 };
  };
  const r = await runCli(['plan', join(dir, 'web.yaml'), '--live', '-', '--state-dir', join(dir, 'state'), '--health'], { stdin: '', probe });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /checked 300 real server\(s\), 0 down/);
  assert.equal(maxInFlight, Math.min(300, checkBudget(readOpenFileLimit()).sockets));
});
