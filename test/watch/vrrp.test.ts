import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, openSync, readFileSync, writeSync, closeSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { HEALTHY, fakeProbes, startTestDaemon, stopAllTestDaemons, tick, type TestDaemon } from './daemon-helpers.js';

afterEach(stopAllTestDaemons);

function config(dir: string, extra = ''): string {
  return `${HEALTHY}vrrp:
  grace: 0s
  notifyFifo: ${dir}/notify.fifo
  instances:
    VI_WEB: { services: [web], weight: -80, trackFile: ${dir}/track/VI_WEB${extra} }
`;
}
const track = (dir: string) => readFileSync(join(dir, 'track/VI_WEB'), 'utf8');
const vrrpLines = (t: TestDaemon) => t.logs.lines().filter((l) => l.vrrp !== undefined).map((l) => l.vrrp as Record<string, unknown>);

async function flush(t: TestDaemon): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await t.settle();
  await new Promise((r) => setTimeout(r, 20)); // the track file write (real fs)
}

test('the track file holds 0 after a good pass, the weight while the config is invalid, 0 again once it is fixed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-vrrp-'));
  const { probe } = fakeProbes();
  const t = await startTestDaemon({ yaml: config(dir), probe, listen: true });
  await tick(t, 1000, 3);
  await flush(t);
  assert.equal(track(dir), '0\n');
  writeFileSync(t.file, `${config(dir)}bogus: 1\n`);
  t.watcher.fire();
  t.clock.advance(200);
  await flush(t);
  assert.equal(track(dir), '-80\n');
  const status = await (await fetch(`${t.daemon.url}/status.json`)).json() as { vrrp: { instances: { instance: string; ready: boolean; reasons: string[] }[] } };
  assert.equal(status.vrrp.instances[0]!.ready, false);
  assert.match(status.vrrp.instances[0]!.reasons[0]!, /config is invalid/);
  assert.match(await (await fetch(`${t.daemon.url}/metrics`)).text(), /lvsync_vrrp_ready\{vrrp_instance="VI_WEB"\} 0/);
  writeFileSync(t.file, config(dir));
  t.watcher.fire();
  t.clock.advance(200);
  await flush(t);
  assert.equal(track(dir), '0\n');
  // not ready at first: the first pass ends before the first checks, and unchecked servers do not count
  assert.deepEqual(vrrpLines(t).filter((l) => 'ready' in l).map((l) => l.ready), [false, true, false, true]);
});

test('every real server of the service down: not ready after the health pass, ready again when one comes back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-vrrp-'));
  const probes = fakeProbes();
  const t = await startTestDaemon({ yaml: config(dir), probe: probes.probe });
  await tick(t, 1000, 3);
  await flush(t);
  assert.equal(track(dir), '0\n');
  probes.down.add('10.0.0.11');
  await tick(t, 1000, 4);
  await flush(t);
  assert.equal(track(dir), '0\n', 'one server of two is still healthy');
  probes.down.add('10.0.0.12');
  await tick(t, 1000, 4);
  await flush(t);
  assert.equal(track(dir), '-80\n', 'no healthy server: the twin should take the VIP');
  probes.down.delete('10.0.0.12');
  await tick(t, 1000, 3);
  await flush(t);
  assert.equal(track(dir), '0\n');
});

test('SIGTERM writes the weight first, waits the grace while passes go on, then stops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-vrrp-'));
  const { probe } = fakeProbes();
  const t = await startTestDaemon({ yaml: config(dir).replace('grace: 0s', 'grace: 5s'), probe });
  await tick(t, 1000, 3);
  await flush(t);
  assert.equal(track(dir), '0\n');
  let stopped = false;
  const stopping = t.daemon.stop('SIGTERM').then(() => { stopped = true; });
  await flush(t);
  assert.equal(track(dir), '-80\n', 'not ready as soon as SIGTERM arrives');
  t.clock.advance(4000);
  await flush(t);
  assert.equal(stopped, false, 'still inside the grace');
  t.clock.advance(1000);
  await stopping;
  assert.equal(track(dir), '-80\n', 'left not ready: a stopped lvsync must not look ready');
});

test('keepalived notify_fifo lines are logged, counted and shown per instance; other lines are ignored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-vrrp-'));
  const { probe } = fakeProbes();
  const t = await startTestDaemon({ yaml: config(dir), probe, listen: true });
  await tick(t, 1000, 1);
  await flush(t);
  const fifo = join(dir, 'notify.fifo');
  assert.ok(existsSync(fifo), 'lvsync made the FIFO');
  assert.equal(execFileSync('stat', ['-c', '%F', fifo], { encoding: 'utf8' }).trim(), 'fifo');
  // read-write: a write-only open would block this very process until the daemon (also this process) had opened it
  const fd = openSync(fifo, constants.O_RDWR);
  writeSync(fd, 'INSTANCE "VI_WEB" BACKUP 100\nRS "10.0.0.11:8080" UP\nINSTANCE "VI_WEB" MASTER 150\nINSTANCE "VI_OTHER" FAULT 0\n');
  closeSync(fd);
  await new Promise((r) => setTimeout(r, 100));
  const metrics = await (await fetch(`${t.daemon.url}/metrics`)).text();
  assert.match(metrics, /lvsync_vrrp_transitions_total\{vrrp_instance="VI_WEB",state="MASTER"\} 1/);
  assert.match(metrics, /lvsync_vrrp_transitions_total\{vrrp_instance="VI_WEB",state="BACKUP"\} 1/);
  assert.match(metrics, /lvsync_vrrp_keepalived_state\{vrrp_instance="VI_WEB",state="MASTER"\} 1/);
  const status = await (await fetch(`${t.daemon.url}/status.json`)).json() as { vrrp: { instances: { keepalived: { state: string; priority: number } }[] } };
  assert.deepEqual([status.vrrp.instances[0]!.keepalived.state, status.vrrp.instances[0]!.keepalived.priority], ['MASTER', 150]);
  const page = await (await fetch(`${t.daemon.url}/`)).text();
  assert.match(page, /VI_WEB/);
  assert.deepEqual(vrrpLines(t).filter((l) => 'state' in l).map((l) => [l.instance, l.state]), [['VI_WEB', 'BACKUP'], ['VI_WEB', 'MASTER'], ['VI_OTHER', 'FAULT']]);
});

test('a config without vrrp writes no track file and shows no VRRP section', async () => {
  const { probe } = fakeProbes();
  const t = await startTestDaemon({ yaml: HEALTHY, probe, listen: true });
  await tick(t, 1000, 2);
  assert.equal(t.daemon.status.vrrp, null);
  assert.doesNotMatch(await (await fetch(`${t.daemon.url}/`)).text(), /<h2>VRRP/);
});
