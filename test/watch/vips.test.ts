import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { afterEach, test } from 'node:test';
import { createFakeHost } from '../helpers/fake-host.js';
import { startTestDaemon, stopAllTestDaemons } from './daemon-helpers.js';

afterEach(stopAllTestDaemons);

const VIPS = `version: 1
vips: { bind: true, device: lo }
services:
  - { name: web, address: 192.168.10.100, port: 80, scheduler: wrr, realServers: [{ address: 10.0.0.11, port: 8080, method: nat }] }
`;

test('watch: an owned VIP deleted by hand is drift: logged as such, counted, and added again at the next interval', async () => {
  const host = createFakeHost();
  const t = await startTestDaemon({ yaml: VIPS, ip: host, listen: true });
  assert.deepEqual(host.addresses.get('lo'), ['127.0.0.1/8', '192.168.10.100/32']);
  host.addresses.set('lo', ['127.0.0.1/8']);
  t.clock.advance(10_000);
  await t.settle();
  const drift = t.logs.lines().find((l) => String(l.msg).startsWith('address 192.168.10.100/32 on lo missing'));
  assert.ok(drift, t.logs.messages().join('\n'));
  assert.deepEqual(drift.drift, { object: 'address', service: '192.168.10.100/32 on lo', field: 'presence', desired: 'present', live: 'missing' });
  assert.deepEqual(host.addresses.get('lo'), ['127.0.0.1/8', '192.168.10.100/32']);
  assert.match(String(t.passes().at(-1)?.msg), /corrected 1 drift item/);
  const metrics = await (await fetch(`${t.daemon.url!}/metrics`)).text();
  assert.match(metrics, /lvsync_drift_events_total\{object="address"\} 1/);
});

test('watch: an address an operator added is left alone when the service goes', async () => {
  const host = createFakeHost({ addresses: { lo: ['192.168.10.100/32'] } });
  const t = await startTestDaemon({ yaml: VIPS, ip: host, config: { allowMassDelete: true } });
  writeFileSync(t.file, 'version: 1\nvips: { bind: true, device: lo }\n');
  t.clock.advance(10_000);
  await t.settle();
  assert.equal(t.passes().at(-1)?.outcome, 'applied');
  assert.doesNotMatch(t.save(), /192\.168\.10\.100/);
  assert.deepEqual(host.calls.filter((c) => c.startsWith('ip addr')), []);
  assert.deepEqual(host.addresses.get('lo'), ['127.0.0.1/8', '192.168.10.100/32']);
});
