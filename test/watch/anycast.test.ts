import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { writeDrainFlag, removeDrainFlag } from '../../src/anycast/drain-flag.js';
import { parseAnycastState } from '../../src/anycast/state-file.js';
import { HEALTHY, fakeProbes, startTestDaemon, stopAllTestDaemons, tick, type TestDaemon } from './daemon-helpers.js';

afterEach(stopAllTestDaemons);

const config = (dir: string, grace = '0s') => `${HEALTHY.replace('scheduler: wrr', 'scheduler: mh')}anycast:
  grace: ${grace}
  stateFile: ${dir}/anycast.json
  med: 100
  vips: [{ address: 192.168.10.100 }]
`;
const vips = (dir: string) => {
  const parsed = parseAnycastState(readFileSync(join(dir, 'anycast.json'), 'utf8'));
  assert.ok('ok' in parsed);
  return parsed.ok.vips.map((v) => [v.prefix, v.ready]);
};
async function flush(t: TestDaemon): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await t.settle();
  await new Promise((r) => setTimeout(r, 30));
}

test('anycast: ready after the first checks; every real server down withdraws; the state file names this process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-anycast-'));
  const probes = fakeProbes();
  const t = await startTestDaemon({ yaml: config(dir), probe: probes.probe });
  await tick(t, 1000, 3);
  await flush(t);
  assert.deepEqual(vips(dir), [['192.168.10.100/32', true]]);
  const parsed = parseAnycastState(readFileSync(join(dir, 'anycast.json'), 'utf8'));
  assert.equal('ok' in parsed && parsed.ok.pid, process.pid);
  assert.equal('ok' in parsed && parsed.ok.staleAfterMs, 35_000, '3 × the 10 s interval + 5 s');
  probes.down.add('10.0.0.11');
  probes.down.add('10.0.0.12');
  await tick(t, 1000, 4);
  await flush(t);
  assert.deepEqual(vips(dir), [['192.168.10.100/32', false]]);
  probes.down.clear();
  await tick(t, 1000, 3);
  await flush(t);
  assert.deepEqual(vips(dir), [['192.168.10.100/32', true]]);
});

test('anycast: the drain-director mark withdraws within a second and survives until removed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-anycast-'));
  const { probe } = fakeProbes();
  const t = await startTestDaemon({ yaml: config(dir), probe });
  await tick(t, 1000, 3);
  await flush(t);
  await writeDrainFlag(join(t.dir, 'state'), Date.now());
  await tick(t, 1000, 1);
  await flush(t);
  assert.deepEqual(vips(dir), [['192.168.10.100/32', false]]);
  assert.match(String(t.daemon.status.anycast?.vips[0]?.reasons[0]), /drain-director/);
  await removeDrainFlag(join(t.dir, 'state'));
  await tick(t, 1000, 1);
  await flush(t);
  assert.deepEqual(vips(dir), [['192.168.10.100/32', true]]);
});

test('anycast: SIGTERM withdraws first, then waits for the packets to stop (2 quiet seconds) before it stops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-anycast-'));
  const { probe } = fakeProbes();
  const t = await startTestDaemon({ yaml: config(dir, '20s'), probe });
  await tick(t, 1000, 3);
  await flush(t);
  let stopped = false;
  const stopping = t.daemon.stop('SIGTERM').then(() => { stopped = true; });
  await flush(t);
  assert.deepEqual(vips(dir), [['192.168.10.100/32', false]], 'withdrawn at once');
  // the fake kernel's counters do not move: quiet after two one-second samples
  for (let i = 0; i < 3; i++) { t.clock.advance(1000); await flush(t); }
  await stopping;
  assert.equal(stopped, true);
  assert.deepEqual(vips(dir), [['192.168.10.100/32', false]], 'left withdrawn');
});
