import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { planTable } from '../../src/reconcile/plan-pass.js';
import { rehearsePlanAndDrains, withoutServers } from '../../src/watch/rehearse.js';
import { fakeWithTable } from '../helpers/in-memory-ipvsadm.js';

const YAML = `version: 1
services:
  - { address: 10.0.0.9, port: 443, scheduler: rr, realServers: [{ address: 10.0.9.1 }] }
  - { address: 10.0.0.1, port: 80, realServers: [{ address: 10.0.1.1, port: 8080, method: nat }, { address: 10.0.1.2, port: 8080, method: nat }] }
`;
// 10.0.0.9:443 is not live yet: the server removed is the first one the live table has
const SAVE = `-A -t 10.0.0.1:80 -s wlc
-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 1
-a -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 1
`;
const desired = parseDesiredSources([{ file: 'w.yaml', text: YAML }]).state!;

test('withoutServers: the desired state with the first live real server of a service removed, the rest as it was', () => {
  const live = parseIpvsadmSave(SAVE).table;
  const removal = withoutServers(desired, live, 10)!;
  assert.deepEqual(removal.services.map((svc) => svc.key), ['tcp|10.0.0.1|80']);
  assert.deepEqual([...removal.desired.table.services.get('tcp|10.0.0.1|80')!.servers.keys()], ['10.0.1.2|8080']);
  assert.equal(desired.table.services.get('tcp|10.0.0.1|80')!.servers.size, 2, 'the original is untouched');
  // planned against the live table, it is exactly one delete: what a drain decides about
  const plan = planTable({ desired: removal.desired, live, planOptions: { inventory: new Set(live.services.keys()), allowMassDelete: false } }).plan;
  assert.deepEqual(plan.operations.filter((op) => op.kind.startsWith('delete')).map((op) => op.kind), ['delete-server']);
  assert.equal(withoutServers(desired, parseIpvsadmSave('').table, 10), null, 'nothing live: nothing to remove');
});

test('withoutServers: one service in `spread` of those live, counted among the live ones, loses a server', () => {
  const yaml = `version: 1\nservices:\n${Array.from({ length: 25 }, (_, i) => `  - { address: 10.0.0.${i + 1}, port: 80, realServers: [{ address: 10.0.1.${i + 1} }, { address: 10.0.2.${i + 1} }] }\n`).join('')}`;
  const many = parseDesiredSources([{ file: 'm.yaml', text: yaml }]).state!;
  // the first service is not live: the count starts at the second
  const save = Array.from({ length: 24 }, (_, k) => k + 2).map((i) => `-A -t 10.0.0.${i}:80 -s wlc\n-a -t 10.0.0.${i}:80 -r 10.0.1.${i}:80 -g -w 1\n-a -t 10.0.0.${i}:80 -r 10.0.2.${i}:80 -g -w 1\n`).join('');
  const live = parseIpvsadmSave(save).table;
  const removal = withoutServers(many, live, 10)!;
  assert.deepEqual(removal.services.map((svc) => svc.key), ['tcp|10.0.0.2|80', 'tcp|10.0.0.12|80', 'tcp|10.0.0.22|80']);
  const plan = planTable({ desired: removal.desired, live, planOptions: { inventory: new Set(live.services.keys()), allowMassDelete: false } }).plan;
  assert.deepEqual(plan.operations.filter((op) => op.kind.startsWith('delete')).map((op) => `${op.kind} ${op.service.key}`), removal.services.map((svc) => `delete-server ${svc.key}`));
});

test('a rehearsal reads /proc/net/ip_vs for the drain counts and never runs ipvsadm', async () => {
  const fake = fakeWithTable(SAVE);
  const live = parseIpvsadmSave(SAVE).table;
  await rehearsePlanAndDrains({ desired, live, ipvsadm: fake, allowMassDelete: false, now: 0 });
  assert.equal(fake.procReads.count, 1);
  assert.deepEqual(fake.calls, []);
});

test('a rehearsal where /proc cannot give the counts (none, or another table) skips the drains quietly, still without ipvsadm', async () => {
  const live = parseIpvsadmSave(SAVE).table;
  const none = fakeWithTable(SAVE, { proc: 'none' });
  await rehearsePlanAndDrains({ desired, live, ipvsadm: none, allowMassDelete: false, now: 0 });
  assert.deepEqual(none.calls, []);
  // another namespace's table: the drain would list through ipvsadm, which a rehearsal never does
  const other = fakeWithTable(SAVE, { proc: () => 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n' });
  await rehearsePlanAndDrains({ desired, live, ipvsadm: other, allowMassDelete: false, now: 0 });
  assert.equal(other.procReads.count, 1);
  assert.deepEqual(other.calls, []);
});
