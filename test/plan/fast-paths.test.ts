import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { formatSave, tableDigest } from '../../src/live/format-save.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { flagNames } from '../../src/model/schedulers.js';
import { sortedServers, sortedServices } from '../../src/model/order.js';
import type { DesiredState, Persistence, RealServer, Table, TunnelOptions, VirtualService } from '../../src/model/types.js';
import { diffTables } from '../../src/plan/diff.js';
import { servicesArb } from '../helpers/arbitraries.js';
import { serverChanges, serviceChanges } from '../../src/plan/compare.js';
import { createPlan } from '../../src/plan/plan.js';
import { digestWithSettings } from '../../src/plan/settings.js';
import { renderPlanText, writePlanText } from '../../src/plan/render-text.js';
import { revisePlan, type FieldChange } from '../../src/plan/types.js';

/**
 * The shortcuts issue 6 added to the planner must not change a plan: the equality fast paths of the
 * field comparison, the chunked text rendering and the digests computed when read.
 */

// The comparison as it was before the fast paths: every field as text, then compared.
function referenceServerChanges(live: RealServer, desired: RealServer): FieldChange[] {
  const tunnelText = (t: TunnelOptions | null) => (t ? [t.type, t.type === 'gue' ? `port ${t.port}` : null, t.checksum].filter(Boolean).join(' ') : 'none');
  const changes: FieldChange[] = [];
  const add = (field: string, before: string, after: string) => { if (before !== after) changes.push({ field, before, after }); };
  add('method', live.method, desired.method);
  add('weight', String(live.weight), String(desired.weight));
  if (live.upperThreshold !== null) add('upperThreshold', String(live.upperThreshold), String(desired.upperThreshold ?? 0));
  if (live.lowerThreshold !== null) add('lowerThreshold', String(live.lowerThreshold), String(desired.lowerThreshold ?? 0));
  add('tunnel', tunnelText(live.tunnel), tunnelText(desired.tunnel));
  return changes;
}

function referenceServiceChanges(live: VirtualService, desired: VirtualService): FieldChange[] {
  const persistenceText = (p: Persistence | null) => (p ? `${p.timeout}s` : 'off');
  const flagsText = (scheduler: string, bits: number) => flagNames(scheduler, bits).join(',') || 'none';
  const changes: FieldChange[] = [];
  const add = (field: string, before: string, after: string) => { if (before !== after) changes.push({ field, before, after }); };
  add('scheduler', live.scheduler, desired.scheduler);
  if (live.schedulerFlags !== desired.schedulerFlags) {
    changes.push({ field: 'schedulerFlags', before: flagsText(live.scheduler, live.schedulerFlags), after: flagsText(desired.scheduler, desired.schedulerFlags) });
  }
  add('persistence', persistenceText(live.persistence), persistenceText(desired.persistence));
  if (live.persistence && desired.persistence) add('netmask', live.persistence.netmask, desired.persistence.netmask);
  add('persistenceEngine', live.persistenceEngine ?? 'none', desired.persistenceEngine ?? 'none');
  add('onePacket', String(live.onePacket), String(desired.onePacket));
  return changes;
}

// small value sets, so that equal and nearly equal pairs are common
const tunnelArb: fc.Arbitrary<TunnelOptions | null> = fc.oneof(
  fc.constant(null),
  fc.record({
    type: fc.constantFrom('ipip' as const, 'gue' as const, 'gre' as const),
    port: fc.constantFrom(0, 6080),
    checksum: fc.constantFrom(null, 'nocsum' as const, 'csum' as const, 'remcsum' as const),
  }),
);
const serverArb: fc.Arbitrary<RealServer> = fc.record({
  key: fc.constant('10.1.0.1|80'), family: fc.constant('ipv4' as const), address: fc.constant('10.1.0.1'), port: fc.constant(80),
  method: fc.constantFrom('nat' as const, 'dr' as const, 'tun' as const),
  weight: fc.constantFrom(0, 1, 5),
  upperThreshold: fc.constantFrom(null, 0, 10),
  lowerThreshold: fc.constantFrom(null, 0, 3),
  tunnel: tunnelArb,
});
const persistenceArb: fc.Arbitrary<Persistence | null> = fc.oneof(
  fc.constant(null),
  fc.record({ timeout: fc.constantFrom(300, 600), netmask: fc.constantFrom('255.255.255.255', '255.255.255.0') }),
);
const serviceArb: fc.Arbitrary<VirtualService> = fc.record({
  key: fc.constant('tcp|10.0.0.1|80'),
  target: fc.constant({ kind: 'address' as const, protocol: 'tcp' as const, family: 'ipv4' as const, address: '10.0.0.1', port: 80 }),
  name: fc.constant(null),
  scheduler: fc.constantFrom('rr', 'sh', 'mh'),
  schedulerFlags: fc.constantFrom(0, 1, 3),
  persistence: persistenceArb,
  persistenceEngine: fc.constantFrom(null, 'sip'),
  onePacket: fc.boolean(),
  servers: fc.constant(new Map()),
});

test('property: serverChanges equals the field-by-field text comparison', () => {
  fc.assert(fc.property(serverArb, serverArb, (live, desired) => {
    assert.deepEqual(serverChanges(live, desired), referenceServerChanges(live, desired));
    assert.deepEqual(serverChanges(live, live), []);
  }), { numRuns: 3000 });
});

test('property: serviceChanges equals the field-by-field text comparison', () => {
  fc.assert(fc.property(serviceArb, serviceArb, (live, desired) => {
    assert.deepEqual(serviceChanges(live, desired), referenceServiceChanges(live, desired));
  }), { numRuns: 3000 });
});

function bigDesired(services: number): string {
  const lines = ['version: 1', 'services:'];
  for (let i = 0; i < services; i++) {
    const vip = `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    lines.push(`  - { protocol: tcp, address: ${vip}, port: 80, scheduler: wrr, realServers: [{ address: 10.9.${Math.floor(i / 250)}.${(i % 250) + 1}, port: 8080, method: nat, weight: 2 }] }`);
  }
  return `${lines.join('\n')}\n`;
}

test('writePlanText hands the text over in ~64 KiB chunks of whole lines, and they make renderPlanText', () => {
  const parsed = parseDesiredSources([{ file: 'big.yaml', text: bigDesired(2000) }]);
  assert.ok(parsed.state);
  const plan = createPlan(parsed.state, parseIpvsadmSave('').table);
  assert.equal(plan.operations.length, 4000);
  const chunks: string[] = [];
  writePlanText(plan, {}, (chunk) => chunks.push(chunk));
  assert.ok(chunks.length > 3, `${chunks.length} chunks`);
  for (const chunk of chunks) assert.ok(chunk.endsWith('\n'));
  for (const chunk of chunks.slice(0, -1)) assert.ok(chunk.length >= 65536 && chunk.length < 65536 + 1000, `${chunk.length}`);
  const text = renderPlanText(plan);
  assert.equal(chunks.join(''), text);
  assert.match(text, /\nPlan: 4000 to add, 0 to change, 0 to destroy\.\n$/);
});

test('plan digests are those of the canonical tables, computed when read, and follow each table', () => {
  const parsed = parseDesiredSources([{ file: 'big.yaml', text: bigDesired(3) }]);
  assert.ok(parsed.state);
  const empty = parseIpvsadmSave('').table;
  const live = parseIpvsadmSave('-A -t 10.0.0.1:80 -s wrr\n-a -t 10.0.0.1:80 -r 10.9.0.1:8080 -m -w 2\n').table;
  const a = createPlan(parsed.state, empty);
  const b = createPlan(parsed.state, live);
  assert.equal(a.desiredDigest, tableDigest(parsed.state.table));
  assert.equal(b.desiredDigest, a.desiredDigest);
  assert.equal(a.liveDigest, tableDigest(empty));
  assert.equal(b.liveDigest, tableDigest(live));
  assert.notEqual(a.liveDigest, b.liveDigest);
  // a copy of the plan (as drains make one) carries the same values
  assert.equal({ ...b }.liveDigest, b.liveDigest);
  assert.equal(JSON.parse(JSON.stringify(b)).desiredDigest, b.desiredDigest);
});

test('revisePlan replaces fields and shares the digests without computing them', () => {
  const parsed = parseDesiredSources([{ file: 'big.yaml', text: bigDesired(2) }]);
  assert.ok(parsed.state);
  const plan = createPlan(parsed.state, parseIpvsadmSave('').table);
  const revised = revisePlan(plan, { operations: plan.operations.slice(1) });
  assert.equal(revised.operations.length, plan.operations.length - 1);
  assert.equal(plan.operations.length, 4);
  assert.equal(revised.summary, plan.summary);
  // still a getter on the copy (a spread would have turned it into a computed value)
  assert.equal(typeof Object.getOwnPropertyDescriptor(revised, 'liveDigest')?.get, 'function');
  assert.equal(typeof Object.getOwnPropertyDescriptor({ ...plan }, 'liveDigest')?.get, 'undefined');
  assert.equal(revised.liveDigest, plan.liveDigest);
  assert.equal(revised.desiredDigest, tableDigest(parsed.state.table));
});

// diffTables as it was before issue 6: every declared service in canonical order, each one's servers sorted in full
function referenceOperations(desired: DesiredState, live: Table): string[] {
  const out: string[] = [];
  for (const want of sortedServices(desired.table.services.values())) {
    const have = live.services.get(want.key);
    if (!have) {
      out.push(`add-service ${want.key}`);
      for (const s of sortedServers(want.servers.values())) out.push(`add-server ${want.key} ${s.key}`);
      continue;
    }
    if (serviceChanges(have, want).length) out.push(`edit-service ${want.key}`);
    for (const s of sortedServers(want.servers.values())) {
      const current = have.servers.get(s.key);
      if (!current) out.push(`add-server ${want.key} ${s.key}`);
      else if (serverChanges(current, s).length) out.push(`edit-server ${want.key} ${s.key}`);
    }
    for (const s of sortedServers(have.servers.values())) if (!want.servers.has(s.key)) out.push(`delete-server ${want.key} ${s.key}`);
  }
  for (const have of sortedServices(live.services.values())) if (!desired.table.services.has(have.key)) out.push(`delete-service ${have.key}`);
  return out;
}

function tableOf(services: unknown[]): DesiredState {
  const parsed = parseDesiredSources([{ file: 'd.yaml', text: stringify({ version: 1, scope: { addresses: ['10.0.0.0/24', '2001:db8::/64'], fwmarks: ['1-3'] }, services }) }]);
  assert.ok(parsed.state, JSON.stringify(parsed.diagnostics));
  return parsed.state;
}

test('property: diffTables emits the operations, in the order, of the sort-everything diff', () => {
  fc.assert(fc.property(servicesArb, servicesArb, (a, b) => {
    const desired = tableOf(a);
    const live = tableOf(b).table;
    const ops = diffTables(desired, live, new Set(live.services.keys())).operations;
    const got = ops.map((op) => `${op.kind} ${op.service.key}${'server' in op ? ` ${op.server.key}` : ''}`);
    assert.deepEqual(got, referenceOperations(desired, live));
  }), { numRuns: 300 });
});

test('property: a declared service found equal to a live one is compared again against any other live object (the remembered equality)', () => {
  fc.assert(fc.property(servicesArb, servicesArb, (a, b) => {
    const desired = tableOf(a);
    // the same services, as another read of the kernel would give them: new objects, no operations
    const same = parseIpvsadmSave(formatSave(desired.table)).table;
    assert.deepEqual(diffTables(desired, same, new Set(same.services.keys())).operations, []);
    assert.deepEqual(diffTables(desired, same, new Set(same.services.keys())).operations, [], 'and again, remembered');
    const other = tableOf(b).table;
    const ops = diffTables(desired, other, new Set(other.services.keys())).operations;
    assert.deepEqual(ops.map((op) => `${op.kind} ${op.service.key}${'server' in op ? ` ${op.server.key}` : ''}`), referenceOperations(desired, other));
  }), { numRuns: 200 });
});

test('a table digested again with other settings gets the digest of those settings, not the remembered one', () => {
  const table = parseIpvsadmSave('-A -t 10.0.0.1:80 -s wrr\n').table;
  const bare = digestWithSettings(table, '');
  const withTimeouts = digestWithSettings(table, '--set 900 120 300\n');
  assert.notEqual(withTimeouts, bare);
  assert.equal(digestWithSettings(table, ''), bare);
  assert.equal(bare, tableDigest(table));
});
