import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import type { Probe } from '../../src/health/types.js';
import { HEALTHY, fakeProbes, startTestDaemon, stopAllTestDaemons, tick, weight, type TestDaemon } from './daemon-helpers.js';

/**
 * Health checks and drains in the daemon, end to end against the in-memory fake with a manual clock
 * and fake probes: when a failing server is taken out, when it comes back, what survives a restart,
 * and how a drain runs beside other passes.
 */

afterEach(stopAllTestDaemons);

const metric = (t: TestDaemon, name: string) => t.daemon.metrics.registry.getSingleMetricAsString(name);

test('a server failing `fall` checks is quiesced by a health pass; after `rise` successes its weight is back', async () => {
  const probes = fakeProbes();
  const t = await startTestDaemon({ yaml: HEALTHY, probe: probes.probe, listen: true });
  await tick(t, 0);
  assert.equal(weight(t, '10.0.0.12'), '5');
  probes.down.add('10.0.0.12');
  await tick(t, 1000, 2);
  assert.equal(weight(t, '10.0.0.12'), '5', 'two failures are not enough with fall: 3');
  await tick(t, 1000);
  assert.equal(weight(t, '10.0.0.12'), '0', 'quiesced within fall × interval');
  assert.equal(weight(t, '10.0.0.11'), '3');
  const healthPass = t.passes().at(-1)!;
  assert.deepEqual(healthPass.reasons, ['health']);
  assert.equal(healthPass.outcome, 'applied');
  assert.ok(t.logs.messages().some((m) => /^real server 10\.0\.0\.12:8080 of tcp 192\.168\.10\.100:80 is down after 3 failed checks \(.+\): taking it out of rotation$/.test(m)));
  assert.match(await metric(t, 'lvsync_health_transitions_total'), /lvsync_health_transitions_total\{to="down"\} 1/);
  assert.match(await metric(t, 'lvsync_real_servers_health'), /lvsync_real_servers_health\{status="down"\} 1/);
  assert.equal(t.daemon.status.health.get('tcp|192.168.10.100|80#10.0.0.12|8080')?.state.status, 'down');
  assert.deepEqual(t.daemon.status.healthAdjustments.map((a) => [a.server, a.effectiveWeight]), [['10.0.0.12|8080', 0]]);
  // the status page and /status.json show it
  const page = await (await fetch(`${t.daemon.url}/`)).text();
  assert.match(page, /<td class="addr">10\.0\.0\.12:8080<\/td>.*health down since \d\d:\d\d:\d\d.*quiesced \(declared weight 5\)/);
  assert.match(page, /<td class="addr">10\.0\.0\.11:8080<\/td>.*health up/);
  const json = await (await fetch(`${t.daemon.url}/status.json`)).json() as { health: { address: string; status: string }[]; healthAdjustments: unknown[] };
  assert.deepEqual(json.health.map((h) => [h.address, h.status]).sort(), [['10.0.0.11', 'up'], ['10.0.0.12', 'down']]);
  assert.equal(json.healthAdjustments.length, 1);
  // a quiesced server is not drift: the next interval pass changes nothing
  const before = t.mutating().length;
  await tick(t, 10_000);
  assert.equal(t.mutating().length, before);

  probes.down.delete('10.0.0.12');
  await tick(t, 1000);
  assert.equal(weight(t, '10.0.0.12'), '0', 'one success is not enough with rise: 2');
  await tick(t, 1000);
  assert.equal(weight(t, '10.0.0.12'), '5');
  assert.ok(t.logs.messages().some((m) => m.startsWith('real server 10.0.0.12:8080 of tcp 192.168.10.100:80 is up again after 2 successful checks')));
  await t.stop();
});

test('the checks in flight are sized from the open-file limit; a --health-concurrency above it is lowered, with a warning', async () => {
  const started = (t: TestDaemon) => t.logs.lines().find((l) => String(l.msg).startsWith('lvsync watch started'))?.healthChecksInFlight;
  const roomy = await startTestDaemon({ yaml: HEALTHY, probe: fakeProbes().probe, openFileLimit: 20_000 });
  assert.deepEqual(started(roomy), { sockets: 19_488, exec: 64, fdLimit: 20_000 });
  await roomy.stop();
  const tight = await startTestDaemon({ yaml: HEALTHY, probe: fakeProbes().probe, openFileLimit: 1024, config: { healthConcurrency: 5000 } });
  assert.deepEqual(started(tight), { sockets: 512, exec: 64, fdLimit: 1024 });
  const warning = tight.logs.lines().find((l) => l.level === 40 && String(l.msg).includes('--health-concurrency'));
  assert.deepEqual([warning?.healthConcurrency, warning?.sockets, warning?.fdLimit], [5000, 512, 1024]);
  const asked = await startTestDaemon({ yaml: HEALTHY, probe: fakeProbes().probe, openFileLimit: 20_000, config: { healthConcurrency: 16 } });
  assert.deepEqual(started(asked), { sockets: 16, exec: 16, fdLimit: 20_000 });
});

test('the daemon\'s checks in flight are bounded by the open-file budget, not by a fixed 64', async () => {
  // 200 servers whose checks hang until their timeout: spread over 1 s and held 0.9 s, about 180
  // would be in flight at once; an open-file limit of 600 leaves room for 88 (600 - 512 reserved)
  const servers = Array.from({ length: 200 }, (_, i) => `      - { address: 10.1.${Math.floor(i / 250)}.${(i % 250) + 1}, port: 8080, method: nat, weight: 1 }`).join('\n');
  const yaml = `version: 1\nservices:\n  - name: web\n    address: 192.168.10.100\n    port: 80\n    healthCheck: { type: tcp, interval: 1s, timeout: 900ms }\n    realServers:\n${servers}\n`;
  let inFlight = 0;
  let maxInFlight = 0;
  const probe: Probe = (_c, _t, signal) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise((resolve) => signal.addEventListener('abort', () => { inFlight--; resolve({ ok: false, detail: 'aborted', durationMs: 0 }); }, { once: true }));
  };
  const t = await startTestDaemon({ yaml, probe, openFileLimit: 600 });
  for (let ms = 0; ms < 1500; ms += 10) {
    t.clock.advance(10);
    for (let j = 0; j < 3; j++) await new Promise((r) => setImmediate(r));
  }
  assert.equal(maxInFlight, 88);
});

test('every server down: fail open, logged loudly once, weights kept', async () => {
  const probes = fakeProbes();
  const t = await startTestDaemon({ yaml: HEALTHY, probe: probes.probe });
  await tick(t, 0);
  probes.down.add('10.0.0.11');
  probes.down.add('10.0.0.12');
  await tick(t, 1000, 5);
  assert.equal(weight(t, '10.0.0.11'), '3');
  assert.equal(weight(t, '10.0.0.12'), '5');
  assert.equal(t.logs.messages().filter((m) => m.startsWith('all real servers failed: failing open')).length, 1);
  assert.equal(t.daemon.status.failOpen.length, 1);
  await t.stop();
});

test('a restart keeps a down server out: health.json is read before the first pass', async () => {
  const probes = fakeProbes();
  const t = await startTestDaemon({ yaml: HEALTHY, probe: probes.probe });
  probes.down.add('10.0.0.12');
  await tick(t, 1000, 4);
  assert.equal(weight(t, '10.0.0.12'), '0');
  const stateDir = join(t.dir, 'state');
  await t.stop();
  const saved = JSON.parse(readFileSync(join(stateDir, 'health.json'), 'utf8')) as { states: { id: string; status: string }[] };
  assert.ok(saved.states.some((s) => s.id.endsWith('#10.0.0.12|8080') && s.status === 'down'));

  const again = await startTestDaemon({ yaml: HEALTHY, save: t.save(), probe: probes.probe, config: { stateDir } });
  assert.deepEqual(again.mutating(), [], 'the first pass after the restart leaves the quiesced server at 0');
  assert.equal(weight(again, '10.0.0.12'), '0');
  await again.stop();
});

test('a removed server with connections drains in the background: weight 0, polled every 2 s, deleted when idle', async () => {
  const t = await startTestDaemon({ yaml: HEALTHY.replace(/    healthCheck.*\n/, '') });
  for (const svc of t.fake.kernel.state.services) for (const d of svc.dests) if (d.addr === '10.0.0.12') d.activeConns = 2;
  writeFileSync(t.file, HEALTHY.replace(/    healthCheck.*\n/, '').replace(/      - \{ address: 10\.0\.0\.12.*\n/, ''));
  t.watcher.fire();
  await tick(t, 300);
  assert.equal(weight(t, '10.0.0.12'), '0', 'quiesced, still in the table');
  assert.ok(t.logs.messages().some((m) => m.startsWith('draining 10.0.0.12:8080 of tcp 192.168.10.100:80: weight 0, 2 active connections')));
  assert.equal(t.daemon.status.drains.length, 1);
  const last = t.daemon.status.passes[0]!;
  assert.equal(t.daemon.loop.state.nextPassAt! - (last.startedAt + last.durationMs), 2000, 'drains are polled sooner than the 10 s interval');
  assert.match(await metric(t, 'lvsync_drains_in_progress'), /lvsync_drains_in_progress 1/);

  // other changes keep converging meanwhile
  writeFileSync(t.file, HEALTHY.replace(/    healthCheck.*\n/, '').replace(/      - \{ address: 10\.0\.0\.12.*\n/, '').replace('weight: 3', 'weight: 4'));
  t.watcher.fire();
  await tick(t, 300);
  assert.equal(weight(t, '10.0.0.11'), '4');
  assert.equal(weight(t, '10.0.0.12'), '0');

  for (const svc of t.fake.kernel.state.services) for (const d of svc.dests) if (d.addr === '10.0.0.12') d.activeConns = 0;
  await tick(t, 2000);
  assert.equal(weight(t, '10.0.0.12'), undefined, 'deleted once idle');
  assert.match(await metric(t, 'lvsync_drains_finished_total'), /lvsync_drains_finished_total\{outcome="drained"\} 1/);
  // the quiesce that started the drain and the delete that ended it were lvsync's own steps, not drift
  assert.deepEqual(t.logs.messages().filter((m) => m.includes('changed outside lvsync')), []);
  assert.match(await metric(t, 'lvsync_drift_events_total'), /lvsync_drift_events_total\{object="real-server"\} 0/);
  assert.equal(t.daemon.status.drains.length, 0);
  await t.stop();
});
