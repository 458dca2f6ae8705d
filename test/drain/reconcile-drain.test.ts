import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { readLiveTable } from '../../src/live/read.js';
import type { DesiredState } from '../../src/model/types.js';
import { operationToArgv } from '../../src/plan/to-argv.js';
import { reconcileOnce, type KnownLive, type ReconcileOutcome } from '../../src/reconcile/reconcile.js';
import { tempTree } from '../helpers/cli.js';
import { createFakeSysctl } from '../helpers/fake-sysctl.js';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { renderProcIpVs } from '../fake-ipvsadm/proc.js';
import { fakeWithTable, type InMemoryIpvsadm, type InMemoryOptions } from '../helpers/in-memory-ipvsadm.js';

/**
 * Graceful draining through reconcileOnce with the in-memory fake: what each pass sends to ipvsadm,
 * what the kernel holds after it, and what the state directory remembers across "restarts".
 */

const T0 = Date.UTC(2026, 11, 1, 13, 0, 0);

function desired(servers: string[], extra = ''): DesiredState {
  const list = servers.map((s) => `      - { address: ${s}, port: 8080, method: nat }`).join('\n');
  const r = parseDesiredSources([{ file: 'web.yaml', text: `version: 1\nservices:\n  - address: 10.0.0.1\n    port: 80\n${extra}    realServers:\n${list}\n` }]);
  assert.deepEqual(r.diagnostics, []);
  return r.state!;
}

const LIVE = `-A -t 10.0.0.1:80 -s wlc
-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 1
-a -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 1
`;

function setActive(fake: InMemoryIpvsadm, addr: string, n: number): void {
  for (const svc of fake.kernel.state.services) for (const d of svc.dests) if (d.addr === addr) d.activeConns = n;
}

function weightOf(fake: InMemoryIpvsadm, addr: string): number | undefined {
  for (const svc of fake.kernel.state.services) for (const d of svc.dests) if (d.addr === addr) return d.weight;
  return undefined;
}

function env(live = LIVE, options: InMemoryOptions = {}) {
  const fake = fakeWithTable(live, options);
  const stateDir = tempTree({});
  const sysctl = createFakeSysctl({ 'net.ipv4.vs.expire_quiescent_template': '0' });
  const pass = (d: DesiredState, at: number, extra: { noDrain?: boolean; knownLive?: KnownLive | null } = {}) => reconcileOnce(d, {
    ipvsadm: fake, stateDir, sysctl, readLive: async (thresholds) => (await readLiveTable(fake, { thresholds })).table,
  }, { mode: 'apply', perCommand: false, allowMassDelete: true, now: () => at, ...extra });
  return { fake, stateDir, pass };
}

const commands = (o: ReconcileOutcome) => o.plan.operations.map((op) => operationToArgv(op).join(' '));
const converged = (o: ReconcileOutcome) => o.status === 'in-sync' || (o.status === 'applied' && o.report.converged);

test('a removed server with active connections is quiesced, held while they last, then deleted', async () => {
  const { fake, stateDir, pass } = env();
  setActive(fake, '10.0.1.2', 2);
  const d = desired(['10.0.1.1']);

  const first = await pass(d, T0);
  assert.deepEqual(commands(first), ['-e -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 0']);
  assert.ok(converged(first), 'a started drain is not a failure');
  assert.equal(weightOf(fake, '10.0.1.2'), 0);
  assert.deepEqual(first.drainEvents.map((e) => [e.kind, e.activeConnections]), [['started', 2]]);
  assert.deepEqual([...first.drains.keys()], ['tcp|10.0.0.1|80#10.0.1.2|8080']);
  const saved = JSON.parse(readFileSync(join(stateDir, 'drains.json'), 'utf8')) as { drains: { id: string; deadline: number }[] };
  assert.deepEqual(saved.drains.map((r) => [r.id, r.deadline]), [['tcp|10.0.0.1|80#10.0.1.2|8080', T0 + 30_000]]);

  const held = await pass(d, T0 + 10_000);
  assert.equal(held.status, 'in-sync');
  assert.deepEqual(commands(held), []);
  assert.deepEqual(held.plan.drains?.map((v) => [v.state, v.activeConnections]), [['waiting', 2]]);
  assert.equal(weightOf(fake, '10.0.1.2'), 0, 'still in the table while connections last');

  setActive(fake, '10.0.1.2', 0);
  const done = await pass(d, T0 + 12_000);
  assert.deepEqual(commands(done), ['-d -t 10.0.0.1:80 -r 10.0.1.2:8080']);
  assert.ok(converged(done));
  assert.deepEqual(done.drainEvents.map((e) => e.kind), ['drained']);
  assert.equal(weightOf(fake, '10.0.1.2'), undefined);
  assert.equal(done.drains.size, 0);
  assert.deepEqual((JSON.parse(readFileSync(join(stateDir, 'drains.json'), 'utf8')) as { drains: unknown[] }).drains, []);
});

test('a drain that outlasts drainTimeout is deleted at the deadline, with a timed-out event', async () => {
  const { fake, pass } = env();
  setActive(fake, '10.0.1.2', 5);
  const d = desired(['10.0.1.1'], '    drainTimeout: 20s\n');
  await pass(d, T0);
  assert.deepEqual(commands(await pass(d, T0 + 19_999)), []);
  const late = await pass(d, T0 + 20_000);
  assert.deepEqual(commands(late), ['-d -t 10.0.0.1:80 -r 10.0.1.2:8080']);
  assert.deepEqual(late.drainEvents.map((e) => [e.kind, e.activeConnections]), [['timed-out', 5]]);
  assert.match(late.plan.operations[0]!.reason, /^drain timed out after 20s with 5 active connection/);
});

test('drains survive a restart: a new process reads drains.json and keeps the original deadline', async () => {
  const { fake, pass } = env();
  setActive(fake, '10.0.1.2', 1);
  const d = desired(['10.0.1.1']);
  await pass(d, T0);
  // "restart": nothing in memory is carried over, only the state directory and the kernel
  const resumed = await pass(desired(['10.0.1.1']), T0 + 29_000);
  assert.deepEqual(commands(resumed), []);
  assert.equal([...resumed.drains.values()][0]!.startedAt, T0);
  assert.deepEqual(commands(await pass(d, T0 + 30_000)), ['-d -t 10.0.0.1:80 -r 10.0.1.2:8080']);
});

test('no active connections: deleted at once, no drain; --no-drain deletes at once whatever the connections', async () => {
  const a = env();
  const idle = await a.pass(desired(['10.0.1.1']), T0);
  assert.deepEqual(commands(idle), ['-d -t 10.0.0.1:80 -r 10.0.1.2:8080']);
  assert.equal(idle.drains.size, 0);

  const b = env();
  setActive(b.fake, '10.0.1.2', 3);
  const forced = await b.pass(desired(['10.0.1.1']), T0, { noDrain: true });
  assert.deepEqual(commands(forced), ['-d -t 10.0.0.1:80 -r 10.0.1.2:8080']);
});

test('a server declared again while draining gets its weight back and the drain is cancelled', async () => {
  const { fake, pass } = env();
  setActive(fake, '10.0.1.2', 1);
  await pass(desired(['10.0.1.1']), T0);
  const back = await pass(desired(['10.0.1.1', '10.0.1.2']), T0 + 5_000);
  assert.deepEqual(commands(back), ['-e -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 1']);
  assert.deepEqual(back.drainEvents.map((e) => e.kind), ['cancelled']);
  assert.equal(back.drains.size, 0);
  assert.equal(weightOf(fake, '10.0.1.2'), 1);
});

test('weight put back by hand during a drain is set to 0 again', async () => {
  const { fake, pass } = env();
  setActive(fake, '10.0.1.2', 1);
  const d = desired(['10.0.1.1']);
  await pass(d, T0);
  for (const svc of fake.kernel.state.services) for (const x of svc.dests) if (x.addr === '10.0.1.2') x.weight = 4;
  assert.deepEqual(commands(await pass(d, T0 + 1000)), ['-e -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 0']);
});

test('a removed service with connections: every server quiesced, then -D once they are gone', async () => {
  const live = `${LIVE}-A -t 10.0.0.9:443 -s rr\n-a -t 10.0.0.9:443 -r 10.0.9.1:443 -g -w 2\n-a -t 10.0.0.9:443 -r 10.0.9.2:443 -g -w 1\n`;
  const { fake, pass } = env(live);
  const both = parseDesiredSources([{ file: 'x.yaml', text: `version: 1\nservices:\n  - { address: 10.0.0.9, port: 443, scheduler: rr, drainTimeout: 2m, realServers: [{ address: 10.0.9.1, weight: 2 }, { address: 10.0.9.2 }] }\n  - { address: 10.0.0.1, port: 80, realServers: [{ address: 10.0.1.1, port: 8080, method: nat }, { address: 10.0.1.2, port: 8080, method: nat }] }\n` }]).state!;
  assert.ok(converged(await pass(both, T0 - 1000)), 'adopt both services into the inventory');
  setActive(fake, '10.0.9.1', 1);
  const web = desired(['10.0.1.1', '10.0.1.2']);
  const first = await pass(web, T0);
  assert.deepEqual(commands(first), ['-e -t 10.0.0.9:443 -r 10.0.9.1:443 -g -w 0', '-e -t 10.0.0.9:443 -r 10.0.9.2:443 -g -w 0']);
  // the removed service's drainTimeout (2m) was remembered from its last declaration
  assert.equal([...first.drains.values()][0]!.deadline, T0 + 120_000);
  setActive(fake, '10.0.9.1', 0);
  const done = await pass(web, T0 + 3000);
  assert.deepEqual(commands(done), ['-D -t 10.0.0.9:443']);
  assert.equal(fake.kernel.state.services.length, 1);
});

test('draining a persistent service while expire_quiescent_template is 0 warns (DRAIN_PERSISTENT)', async () => {
  const live = LIVE.replace('-s wlc', '-s wlc -p 300');
  const { fake, pass } = env(live);
  setActive(fake, '10.0.1.2', 1);
  const d = desired(['10.0.1.1'], '    persistence: { timeout: 300 }\n');
  const first = await pass(d, T0);
  assert.deepEqual(first.plan.warnings.map((w) => w.code), ['DRAIN_PERSISTENT']);
  assert.match(first.plan.warnings[0]!.message, /expire_quiescent_template/);
});

test('steady state: no deletes and no drains means no extra ipvsadm -L read', async () => {
  const { fake, pass } = env();
  const d = desired(['10.0.1.1', '10.0.1.2']);
  await pass(d, T0);
  const before = fake.calls.length;
  await pass(d, T0 + 1000);
  assert.deepEqual(fake.calls.slice(before).map((c) => c.args.join(' ')), ['-S -n']);
});

test('UDP: flows are never "active" in IPVS, so a UDP server drains while it has any entry', async () => {
  const live = '-A -u 10.0.0.53:53 -s rr\n-a -u 10.0.0.53:53 -r 10.0.5.1:53 -m -w 1\n-a -u 10.0.0.53:53 -r 10.0.5.2:53 -m -w 1\n';
  const { fake, pass } = env(live);
  for (const svc of fake.kernel.state.services) for (const d of svc.dests) if (d.addr === '10.0.5.2') d.inactConns = 4;
  const d = parseDesiredSources([{ file: 'dns.yaml', text: 'version: 1\nservices:\n  - { protocol: udp, address: 10.0.0.53, port: 53, scheduler: rr, realServers: [{ address: 10.0.5.1, method: nat }] }\n' }]).state!;
  const first = await pass(d, T0);
  assert.deepEqual(commands(first), ['-e -u 10.0.0.53:53 -r 10.0.5.2:53 -m -w 0']);
  assert.deepEqual(first.drainEvents.map((e) => [e.kind, e.activeConnections]), [['started', 4]]);
});

test('a finishing delete (here: a timed-out drain) that does not take effect is reported as pending and its drain stays recorded', async () => {
  const { fake, stateDir, pass } = env();
  setActive(fake, '10.0.1.2', 1);
  const d = desired(['10.0.1.1']);
  await pass(d, T0);
  // the kernel ignores this -d (as if the -R batch stopped before it, and every retry failed)
  const run = fake.run.bind(fake);
  (fake as { run: typeof fake.run }).run = async (args, input) => {
    if (args[0] === '-d' || (args[0] === '-R' && input?.includes('-d '))) return { exitCode: 1, stdout: '', stderr: 'Memory allocation problem' };
    return run(args, input);
  };
  // the connection is still there at the deadline: the delete is due, but it does not happen
  const failed = await pass(d, T0 + 30_000);
  assert.equal(failed.status, 'applied');
  assert.equal(failed.status === 'applied' && failed.report.converged, false, 'not reported as converged');
  assert.deepEqual([...failed.drains.keys()], ['tcp|10.0.0.1|80#10.0.1.2|8080']);
  const saved = JSON.parse(readFileSync(join(stateDir, 'drains.json'), 'utf8')) as { drains: { startedAt: number }[] };
  assert.deepEqual(saved.drains.map((r) => r.startedAt), [T0], 'the original drain, not a new one');
});

test('detect-only never drains (plain deletes, nothing recorded); a refused mass delete is shown as planned', async () => {
  const { fake, stateDir, pass } = env();
  setActive(fake, '10.0.1.2', 2);
  const detect = await reconcileOnce(desired(['10.0.1.1']), {
    ipvsadm: fake, stateDir, sysctl: createFakeSysctl(), readLive: async (t) => (await readLiveTable(fake, { thresholds: t })).table,
  }, { mode: 'detect-only', perCommand: false, allowMassDelete: false, now: () => T0 });
  assert.equal(detect.status, 'detected');
  assert.deepEqual(commands(detect), ['-d -t 10.0.0.1:80 -r 10.0.1.2:8080']);
  assert.equal(detect.drains.size, 0);
  assert.deepEqual(detect.drainEvents, []);

  await pass(desired(['10.0.1.1', '10.0.1.2']), T0); // adopt the service into the inventory
  const empty = parseDesiredSources([{ file: 'empty.yaml', text: 'version: 1\nservices: []\n' }]).state!;
  const refused = await reconcileOnce(empty, {
    ipvsadm: fake, stateDir, sysctl: createFakeSysctl(), readLive: async (t) => (await readLiveTable(fake, { thresholds: t })).table,
  }, { mode: 'apply', perCommand: false, allowMassDelete: false, now: () => T0 + 1000 });
  assert.equal(refused.status, 'refused');
  assert.deepEqual(commands(refused), ['-D -t 10.0.0.1:80']);
  assert.deepEqual(refused.drainEvents, []);
  assert.equal(weightOf(fake, '10.0.1.2'), 1, 'nothing was quiesced');
});

test('a corrupt drains.json does not wedge the reconciler: a STATE_FILE warning, then drains start afresh', async () => {
  const { fake, stateDir, pass } = env();
  writeFileSync(join(stateDir, 'drains.json'), '{"version": 1, "drains": [ trunc');
  setActive(fake, '10.0.1.2', 1);
  const first = await pass(desired(['10.0.1.1']), T0);
  assert.deepEqual(first.plan.warnings.map((w) => w.code), ['STATE_FILE']);
  assert.deepEqual(commands(first), ['-e -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 0']);
  assert.ok(existsSync(join(stateDir, 'drains.json.corrupt-20261201T130000Z')), 'moved aside');
  assert.deepEqual((await pass(desired(['10.0.1.1']), T0 + 1000)).plan.warnings, [], 'reported once');
});

test('drains.json lost in the middle of a drain: the server stays at weight 0 and drains again from now, never deleted with connections', async () => {
  const { fake, stateDir, pass } = env();
  setActive(fake, '10.0.1.2', 2);
  const d = desired(['10.0.1.1'], '    drainTimeout: 20s\n');
  await pass(d, T0);
  assert.equal(weightOf(fake, '10.0.1.2'), 0);
  writeFileSync(join(stateDir, 'drains.json'), '{"version": 1, "drains": 3}');
  // past the original deadline: with the record, this pass would delete it (timed out)
  const lost = await pass(d, T0 + 25_000);
  assert.deepEqual(lost.plan.warnings.map((w) => w.code), ['STATE_FILE']);
  assert.match(lost.plan.warnings[0]!.message, /drained again from now/);
  assert.deepEqual(commands(lost), [], 'already at weight 0: nothing to send, and no delete');
  assert.equal(weightOf(fake, '10.0.1.2'), 0);
  assert.deepEqual([...lost.drains.values()].map((r) => [r.startedAt, r.deadline]), [[T0 + 25_000, T0 + 45_000]]);
  assert.deepEqual(commands(await pass(d, T0 + 44_999)), []);
  assert.deepEqual(commands(await pass(d, T0 + 45_000)), ['-d -t 10.0.0.1:80 -r 10.0.1.2:8080']);
});

test('--lost-inventory delete on a service with connections: drained, kept in the inventory, and deleted by a later pass without the flag', async () => {
  const { fake, stateDir } = env('-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 1\n-A -t 172.16.0.9:80 -s rr\n-a -t 172.16.0.9:80 -r 10.0.9.1:80 -m -w 1\n');
  writeFileSync(join(stateDir, 'inventory.json'), '{garbage');
  setActive(fake, '10.0.9.1', 4);
  const sysctl = createFakeSysctl();
  const run = (at: number, lostInventory: 'delete' | null) => reconcileOnce(desired(['10.0.1.1']), {
    ipvsadm: fake, stateDir, sysctl, readLive: async (thresholds) => (await readLiveTable(fake, { thresholds })).table,
  }, { mode: 'apply', perCommand: false, allowMassDelete: true, now: () => at, lostInventory });
  const kept = await run(T0, null);
  assert.deepEqual(commands(kept), []);
  assert.deepEqual(kept.plan.lostInventory?.services.map((s) => s.key), ['tcp|172.16.0.9|80']);
  const adopted = await run(T0 + 1000, 'delete');
  assert.deepEqual(commands(adopted), ['-e -t 172.16.0.9:80 -r 10.0.9.1:80 -m -w 0'], 'quiesced, not deleted with 4 connections');
  const inventory = JSON.parse(readFileSync(join(stateDir, 'inventory.json'), 'utf8')) as { services: string[]; lost?: unknown };
  assert.deepEqual(inventory.services, ['tcp|10.0.0.1|80', 'tcp|172.16.0.9|80'], 'adopted while it drains');
  assert.equal(inventory.lost, undefined, 'settled');
  setActive(fake, '10.0.9.1', 0);
  const done = await run(T0 + 2000, null);
  assert.deepEqual(commands(done), ['-D -t 172.16.0.9:80']);
  assert.equal(done.plan.lostInventory, undefined);
});

test('a server missing from the -L -n listing (a race) counts as unknown: quiesced and held, not deleted as idle', async () => {
  const { fake, pass } = env(LIVE, { proc: 'none' });
  const run = fake.run.bind(fake);
  // the listing is read after the table: here it no longer shows 10.0.1.2
  (fake as { run: typeof fake.run }).run = async (args, input) => {
    const r = await run(args, input);
    if (args[0] !== '-L') return r;
    return { ...r, stdout: r.stdout.split('\n').filter((l) => !l.includes('10.0.1.2:8080')).join('\n') };
  };
  const first = await pass(desired(['10.0.1.1']), T0);
  assert.deepEqual(commands(first), ['-e -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 0']);
  assert.equal(first.drains.size, 1);
});

// the listing each pass ran: which -L -n, with which service
const listings = (fake: InMemoryIpvsadm) => fake.calls.filter((c) => c.args[0] === '-L').map((c) => c.args.join(' '));

test('without /proc/net/ip_vs, connection counts are listed only for the services with a delete, one listing each', async () => {
  const live = `${LIVE}-A -t 10.0.0.2:80 -s wlc\n-a -t 10.0.0.2:80 -r 10.0.2.1:8080 -m -w 1\n`;
  const { fake, pass } = env(live, { proc: 'none' });
  setActive(fake, '10.0.1.2', 1);
  const both = parseDesiredSources([{ file: 'web.yaml', text: `version: 1\nservices:\n  - address: 10.0.0.1\n    port: 80\n    realServers:\n      - { address: 10.0.1.1, port: 8080, method: nat }\n  - address: 10.0.0.2\n    port: 80\n    realServers:\n      - { address: 10.0.2.1, port: 8080, method: nat }\n` }]).state!;
  const first = await pass(both, T0);
  assert.deepEqual(listings(fake), ['-L -n -t 10.0.0.1:80']);
  assert.equal(weightOf(fake, '10.0.1.2'), 0, 'quiesced while its connection lasts');
  assert.ok(converged(first));
  // the next pass lists the drained service again (its record), and only it
  fake.calls.length = 0;
  setActive(fake, '10.0.1.2', 0);
  await pass(both, T0 + 1000);
  assert.deepEqual(listings(fake), ['-L -n -t 10.0.0.1:80']);
  assert.equal(weightOf(fake, '10.0.1.2'), undefined, 'deleted once drained');
});

// n services, each with 10.0.1.i (kept) and 10.0.2.i (deleted when `deleting(i)`)
function manyServices(n: number, deleting: (i: number) => boolean) {
  let live = '';
  for (let i = 1; i <= n; i++) live += `-A -t 10.0.0.${i}:80 -s wlc\n-a -t 10.0.0.${i}:80 -r 10.0.1.${i}:8080 -m -w 1\n-a -t 10.0.0.${i}:80 -r 10.0.2.${i}:8080 -m -w 1\n`;
  const services = Array.from({ length: n }, (_, k) => `  - address: 10.0.0.${k + 1}\n    port: 80\n    realServers:\n      - { address: 10.0.1.${k + 1}, port: 8080, method: nat }\n${deleting(k + 1) ? '' : `      - { address: 10.0.2.${k + 1}, port: 8080, method: nat }\n`}`).join('');
  return { live, desired: parseDesiredSources([{ file: 'web.yaml', text: `version: 1\nservices:\n${services}` }]).state! };
}

test('without /proc/net/ip_vs, a few services of many with deletes: their listings run in one ipvsadm -R, and drains decide from it', async () => {
  const { live, desired: d } = manyServices(10, (i) => i === 2 || i === 5 || i === 9);
  const { fake, pass } = env(live, { proc: 'none' });
  setActive(fake, '10.0.2.5', 1);
  const out = await pass(d, T0);
  const restores = fake.calls.filter((c) => c.args[0] === '-R' && /^-L /m.test(c.input ?? ''));
  assert.equal(restores.length, 1);
  assert.equal(restores[0]!.input, '-L -n -t 10.0.0.2:80\n-L -n -t 10.0.0.5:80\n-L -n -t 10.0.0.9:80\n');
  assert.deepEqual(listings(fake), [], 'no full -L -n');
  assert.equal(weightOf(fake, '10.0.2.5'), 0, 'quiesced: its connection was in the listing');
  assert.equal(weightOf(fake, '10.0.2.2'), undefined, 'idle: deleted');
  assert.equal(weightOf(fake, '10.0.2.9'), undefined, 'idle: deleted');
  assert.ok(converged(out));
});

test('without /proc/net/ip_vs, more than half the services with deletes: one full -L -n', async () => {
  const { live, desired: d } = manyServices(5, (i) => i !== 1);
  const { fake, pass } = env(live, { proc: 'none' });
  const out = await pass(d, T0);
  assert.deepEqual(listings(fake), ['-L -n']);
  assert.ok(converged(out));
});

test('without /proc/net/ip_vs, a service gone between the read and its listing: the full listing is read instead', async () => {
  const { live, desired: d } = manyServices(4, (i) => i === 3);
  const { fake, pass } = env(live, { proc: 'none' });
  setActive(fake, '10.0.2.3', 1);
  const real = fake.run.bind(fake);
  // the targeted listing races with a delete by hand: ipvsadm says "No such service"
  const refused: string[] = [];
  fake.run = async (args, input) => {
    if (args[0] !== '-L' || args.length <= 2) return real(args, input);
    refused.push(args.join(' '));
    return { exitCode: 1, stdout: '', stderr: 'No such service\n' };
  };
  const out = await pass(d, T0);
  assert.deepEqual(refused, ['-L -n -t 10.0.0.3:80']);
  assert.deepEqual(listings(fake), ['-L -n']);
  assert.equal(weightOf(fake, '10.0.2.3'), 0, 'the full listing still saw its connection');
  assert.ok(converged(out));
});

// the ipvsadm runs that list connection counts: -L, or -R of -L lines
const countListings = (fake: InMemoryIpvsadm) => fake.calls.filter((c) => c.args[0] === '-L' || /^-L /m.test(c.input ?? '')).map((c) => c.args.join(' '));

test('with /proc/net/ip_vs, drains decide from the kernel\'s own listing and run no ipvsadm -L at all', async () => {
  const { live, desired: d } = manyServices(10, (i) => i !== 1);
  const { fake, pass } = env(live);
  setActive(fake, '10.0.2.5', 1);
  const out = await pass(d, T0);
  assert.deepEqual(countListings(fake), []);
  assert.equal(fake.procReads.count, 1);
  assert.equal(weightOf(fake, '10.0.2.5'), 0, 'quiesced: /proc showed its connection');
  assert.equal(weightOf(fake, '10.0.2.2'), undefined, 'idle: deleted');
  assert.equal(weightOf(fake, '10.0.2.9'), undefined, 'idle: deleted');
  assert.ok(converged(out));
  assert.equal(out.drains.size, 1);
  // the next pass reads /proc again for the drain's service, and deletes once it is idle
  setActive(fake, '10.0.2.5', 0);
  await pass(d, T0 + 1000);
  assert.equal(fake.procReads.count, 2);
  assert.deepEqual(countListings(fake), []);
  assert.equal(weightOf(fake, '10.0.2.5'), undefined);
});

test('/proc/net/ip_vs of another table (another namespace, a race): not trusted, the counts come from ipvsadm', async () => {
  const { live, desired: d } = manyServices(4, (i) => i === 3);
  // another namespace's table: 10.0.0.3 there has other servers and no connections; trusting its "0" would delete a busy server
  const other = fakeWithTable('-A -t 10.0.0.3:80 -s wlc\n-a -t 10.0.0.3:80 -r 10.0.2.3:8080 -m -w 1\n');
  const { fake, pass } = env(live, { proc: () => renderProcIpVs(other.kernel) });
  setActive(fake, '10.0.2.3', 2);
  const out = await pass(d, T0);
  assert.equal(fake.procReads.count, 1);
  assert.deepEqual(countListings(fake), ['-L -n -t 10.0.0.3:80']);
  assert.equal(weightOf(fake, '10.0.2.3'), 0, 'quiesced: ipvsadm saw its connections');
  assert.ok(converged(out));
});

test('a server missing from /proc/net/ip_vs (a race with a change) sends the read to ipvsadm, never counted as idle', async () => {
  const { fake, pass } = env(LIVE, { proc: () => renderProcIpVs(fake.kernel).split('\n').filter((l) => !l.includes('0A000102:1F90')).join('\n') });
  setActive(fake, '10.0.1.2', 1);
  const first = await pass(desired(['10.0.1.1']), T0);
  assert.deepEqual(countListings(fake), ['-L -n'], 'the one service is the whole table: one full listing');
  assert.deepEqual(commands(first), ['-e -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 0']);
});

test('deletes that cannot wait read no connection counts: drainTimeout 0s deletes at once without any -L', async () => {
  const { live } = manyServices(3, () => false);
  const { fake, pass } = env(live);
  setActive(fake, '10.0.2.2', 5);
  const services = [1, 2, 3].map((i) => `  - address: 10.0.0.${i}\n    port: 80\n    drainTimeout: 0s\n    realServers:\n      - { address: 10.0.1.${i}, port: 8080, method: nat }\n`).join('');
  const d = parseDesiredSources([{ file: 'web.yaml', text: `version: 1\nservices:\n${services}` }]).state!;
  const out = await pass(d, T0);
  assert.deepEqual(fake.calls.filter((c) => c.args[0] === '-L' || /^-L /m.test(c.input ?? '')).map((c) => c.args.join(' ')), []);
  assert.equal(weightOf(fake, '10.0.2.2'), undefined, 'deleted at once, connections or not: the service waits for none');
  assert.ok(converged(out));
  assert.equal(out.drains.size, 0);
});

test('--no-drain reads no connection counts', async () => {
  const { live, desired: d } = manyServices(3, (i) => i === 2);
  const { fake, pass } = env(live);
  setActive(fake, '10.0.2.2', 5);
  const out = await pass(d, T0, { noDrain: true });
  assert.deepEqual(fake.calls.filter((c) => c.args[0] === '-L' || /^-L /m.test(c.input ?? '')).map((c) => c.args.join(' ')), []);
  assert.equal(weightOf(fake, '10.0.2.2'), undefined);
  assert.ok(converged(out));
});

test('planned from an earlier read, a drain whose server was deleted by hand meanwhile is not kept', async () => {
  const { fake, pass } = env();
  setActive(fake, '10.0.1.2', 1);
  const first = await pass(desired(['10.0.1.1']), T0);
  assert.equal(first.drains.size, 1, 'draining 10.0.1.2');
  assert.ok(first.status === 'applied');
  const earlier: KnownLive = { table: first.report.liveAfter, thresholds: false, readAt: T0 };
  // by hand, after that read: the draining server is deleted
  runIpvsadm(fake.kernel, ['-d', '-t', '10.0.0.1:80', '-r', '10.0.1.2:8080']);
  // a config change planned from the earlier read (which still shows the server) applies and verifies
  const second = await pass(desired(['10.0.1.1'], '    scheduler: rr\n'), T0 + 1000, { knownLive: earlier });
  assert.equal(second.liveKnown, true);
  assert.equal(second.status, 'applied');
  assert.equal(second.drains.size, 0, 'its drain ended with it');
});
