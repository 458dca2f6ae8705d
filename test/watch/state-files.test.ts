import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { renderStatusPage } from '../../src/watch/render-status.js';
import { statusJson } from '../../src/watch/server.js';
import { tempTree } from '../helpers/cli.js';
import { HEALTHY, fakeProbes, startTestDaemon, stopAllTestDaemons, tick, weight, type TestDaemon } from './daemon-helpers.js';
import { eventually } from './helpers.js';

/**
 * Issue 13 in the daemon: a state file broken while `lvsync watch` runs (or before it starts) never
 * fails a pass. It is reported once per time it breaks (log line with STATE_FILE, the counter
 * lvsync_state_file_errors_total{file}, the status page), and drift and health keep reaching the kernel.
 */

afterEach(stopAllTestDaemons);

const metric = async (t: TestDaemon, name: string) => t.daemon.metrics.registry.getSingleMetricAsString(name);
const stateFileLogs = (t: TestDaemon) => t.logs.lines().filter((l) => (l.diagnostic as { code?: string } | undefined)?.code === 'STATE_FILE');
const aside = (dir: string, file: string) => readdirSync(dir).filter((n) => n.startsWith(`${file}.corrupt-`));

async function interval(t: TestDaemon, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    t.clock.advance(t.clock.pending()[0] ?? 10_000);
    await t.settle();
  }
}

// a weight changed by hand: drift the next pass must undo
const drift = (t: TestDaemon) => runIpvsadm(t.fake.kernel, ['-e', '-t', '192.168.10.100:80', '-r', '10.0.0.12:8080', '-m', '-w', '1']);

for (const file of ['inventory.json', 'drains.json', 'apply.lock']) {
  for (const [kind, breakIt] of [
    ['bad JSON', (p: string) => writeFileSync(p, '{garbage')],
    ['a directory', (p: string) => { rmSync(p, { force: true }); mkdirSync(p); writeFileSync(join(p, 'inside'), 'x'); }],
  ] as const) {
    test(`${file} broken (${kind}) under a running daemon: the next pass undoes drift, STATE_FILE is reported once`, async () => {
      const t = await startTestDaemon({ listen: false });
      const state = join(t.dir, 'state');
      breakIt(join(state, file));
      drift(t);
      await interval(t);
      assert.equal(t.passes().at(-1)?.outcome, 'applied', String(t.passes().at(-1)?.msg));
      assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 5/, 'drift undone');
      assert.equal(aside(state, file).length, 1, 'moved aside');
      await interval(t, 3);
      assert.ok(t.passes().slice(-3).every((p) => p.outcome === 'in-sync'));
      const logged = stateFileLogs(t);
      assert.equal(logged.length, 1, 'once, not every pass');
      assert.match(String(logged[0]!.msg), new RegExp(`${file.replace('.', '\\.')}: warning\\[STATE_FILE\\]: .*; moved aside to `));
      assert.match(await metric(t, 'lvsync_state_file_errors_total'), new RegExp(`lvsync_state_file_errors_total\\{file="${file.replace('.', '\\.')}"\\} 1`));
      assert.equal(t.daemon.status.stateFiles.length, 1);
      assert.equal(t.daemon.status.stateFiles[0]!.file, join(state, file));
      await t.stop();
    });
  }
}

test('every state file has its counter from the start, at 0', async () => {
  const t = await startTestDaemon();
  const text = await metric(t, 'lvsync_state_file_errors_total');
  for (const file of ['inventory.json', 'drains.json', 'health.json', 'apply.lock']) assert.match(text, new RegExp(`\\{file="${file.replace('.', '\\.')}"\\} 0`));
  assert.match(await metric(t, 'lvsync_lost_inventory_services'), /lvsync_lost_inventory_services 0/);
  await t.stop();
});

test('broken again after being moved aside: a second event, reported again', async () => {
  const t = await startTestDaemon();
  const state = join(t.dir, 'state');
  writeFileSync(join(state, 'drains.json'), '[]');
  await interval(t);
  writeFileSync(join(state, 'drains.json'), '[]');
  t.clock.advance(1000); // another second: another name
  await interval(t);
  assert.equal(stateFileLogs(t).length, 2);
  assert.equal(aside(state, 'drains.json').length, 2);
  assert.match(await metric(t, 'lvsync_state_file_errors_total'), /\{file="drains\.json"\} 2/);
  await t.stop();
});

test('--detect-only leaves a broken file where it is and reports it once, not at every pass', async () => {
  const state = tempTree({ 'inventory.json': '{"version": 7}' });
  const t = await startTestDaemon({ detectOnly: true, config: { stateDir: state } });
  await interval(t, 3);
  assert.ok(t.passes().every((p) => p.outcome === 'drift-detected'), 'the passes carry on');
  assert.equal(stateFileLogs(t).length, 1);
  assert.match(String(stateFileLogs(t)[0]!.msg), /has version 7; .*left in place/);
  assert.deepEqual(readdirSync(state), ['inventory.json']);
  await t.stop();
});

test('health.json broken before a restart: the daemon starts, every server unknown (counts as up), and health transitions still reach the kernel', async () => {
  // what was recorded said 10.0.0.12 was down, but the file is cut short
  const recorded = JSON.stringify({ version: 1, states: [{ id: 'tcp|192.168.10.100|80#10.0.0.12|8080', status: 'down', since: 1, consecutiveOk: 0, consecutiveFail: 3, lastResult: null, lastCheckAt: 1 }] });
  const state = tempTree({ 'health.json': recorded.slice(0, -5) });
  const probes = fakeProbes();
  const t = await startTestDaemon({ yaml: HEALTHY, probe: probes.probe, config: { stateDir: state } });
  assert.equal(t.passes()[0]?.outcome, 'applied');
  assert.equal(weight(t, '10.0.0.12'), '5', 'unknown counts as up: the declared weight');
  assert.ok([...t.daemon.status.health.values()].every((h) => h.state.status !== 'down'), 'nothing restored from the cut file');
  assert.equal(stateFileLogs(t).length, 1);
  assert.match(String(stateFileLogs(t)[0]!.msg), /health\.json: warning\[STATE_FILE\]: is not valid JSON .*every checked real server is unknown/);
  assert.equal(aside(state, 'health.json').length, 1);
  assert.match(await metric(t, 'lvsync_state_file_errors_total'), /\{file="health\.json"\} 1/);
  probes.down.add('10.0.0.12');
  await tick(t, 1000, 4);
  assert.equal(weight(t, '10.0.0.12'), '0', 'a down server is taken out');
  await eventually(() => existsSync(join(state, 'health.json')), 'health.json written again');
  await t.stop();
});

test('health.json replaced by a directory while the daemon runs: moved aside when the states are next written', async () => {
  const probes = fakeProbes();
  const t = await startTestDaemon({ yaml: HEALTHY, probe: probes.probe });
  const state = join(t.dir, 'state');
  await tick(t, 1000);
  // replaced: whether the daemon has written the file yet or not
  rmSync(join(state, 'health.json'), { force: true });
  mkdirSync(join(state, 'health.json/inside'), { recursive: true });
  probes.down.add('10.0.0.12');
  await tick(t, 1000, 4);
  await eventually(() => aside(state, 'health.json').length === 1 && existsSync(join(state, 'health.json')) && !existsSync(join(state, 'health.json/inside')), 'health.json moved aside and written');
  assert.equal(stateFileLogs(t).length, 1);
  assert.ok(!t.logs.messages().some((m) => m.startsWith('could not record health states')), 'recovered, not failed');
  assert.equal(weight(t, '10.0.0.12'), '0');
  await t.stop();
});

test('a lost inventory in the daemon: the services it alone owned are kept, shown in the status and counted, never settled by the daemon', async () => {
  const state = tempTree({ 'inventory.json': '{garbage' });
  const t = await startTestDaemon({ config: { stateDir: state }, save: '-A -t 172.16.0.9:80 -s rr\n', listen: true });
  await interval(t, 2);
  assert.match(t.save(), /-A -t 172\.16\.0\.9:80 -s rr/, 'not deleted');
  assert.deepEqual(t.daemon.status.lostInventory?.services.map((s) => s.key), ['tcp|172.16.0.9|80']);
  assert.match(await metric(t, 'lvsync_lost_inventory_services'), /lvsync_lost_inventory_services 1/);
  assert.equal(t.logs.messages().filter((m) => m.startsWith('the inventory was lost: 1 live service')).length, 1, 'said once');
  const json = statusJson(t.daemon.status) as { lostInventory: { services: { target: string }[] } | null; stateFiles: { file: string }[] };
  assert.deepEqual(json.lostInventory?.services.map((s) => s.target), ['tcp 172.16.0.9:80']);
  assert.deepEqual(json.stateFiles.map((r) => r.file), [join(state, 'inventory.json')]);
  const page = renderStatusPage({ status: t.daemon.status, ready: { ready: true, reasons: [] }, live: null, now: t.clock.now(), nextPassAt: null, version: 'test' });
  assert.match(page, /<h2>Inventory lost<\/h2>.*tcp 172\.16\.0\.9:80/s);
  assert.match(page, /<h2>State files<\/h2>.*inventory\.json/s);
  // once the operator settles it (here: deletes the service by hand), the daemon says nothing more
  runIpvsadm(t.fake.kernel, ['-D', '-t', '172.16.0.9:80']);
  await interval(t);
  assert.equal(t.daemon.status.lostInventory, null);
  assert.match(await metric(t, 'lvsync_lost_inventory_services'), /lvsync_lost_inventory_services 0/);
  await t.stop();
});
