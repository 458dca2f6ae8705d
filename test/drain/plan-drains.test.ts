import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { planDrains } from '../../src/drain/plan-drains.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { createPlan } from '../../src/plan/plan.js';
import { operationToArgv } from '../../src/plan/to-argv.js';

/** planDrains alone, pure: what it does with counts it cannot know. */

const live = parseIpvsadmSave('-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 1\n').table;
const desired = parseDesiredSources([{ file: 'w.yaml', text: 'version: 1\nservices:\n  - { address: 10.0.0.1, port: 80, realServers: [{ address: 10.0.1.1 }] }\n' }]).state!;
const plan = createPlan(desired, live);
const T0 = Date.UTC(2026, 11, 1, 13, 0, 0);
const argv = (ops: ReturnType<typeof planDrains>['plan']['operations']) => ops.map((op) => operationToArgv(op).join(' '));

test('a server missing from the listing (count unknown) is quiesced and held, never deleted as idle', () => {
  const first = planDrains({ plan, live, drains: new Map(), active: () => null, now: T0, drainTimeoutMs: () => 30_000 });
  assert.deepEqual(argv(first.plan.operations), ['-e -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 0']);
  const quiesced = parseIpvsadmSave('-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 1\n-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 0\n').table;
  const held = planDrains({ plan: createPlan(desired, quiesced), live: quiesced, drains: first.drains, active: () => null, now: T0 + 10_000, drainTimeoutMs: () => 30_000 });
  assert.deepEqual(argv(held.plan.operations), []);
  const late = planDrains({ plan: createPlan(desired, quiesced), live: quiesced, drains: first.drains, active: () => null, now: T0 + 30_000, drainTimeoutMs: () => 30_000 });
  assert.deepEqual(argv(late.plan.operations), ['-d -t 10.0.0.1:80 -r 10.0.1.2:80']);
  assert.deepEqual(late.events.map((e) => e.kind), ['timed-out']);
});

test('drainTimeout 0 and servers removed by health (immediate) are deleted at once', () => {
  const zero = planDrains({ plan, live, drains: new Map(), active: () => 5, now: T0, drainTimeoutMs: () => 0 });
  assert.deepEqual(argv(zero.plan.operations), ['-d -t 10.0.0.1:80 -r 10.0.1.2:80']);
  const health = planDrains({ plan, live, drains: new Map(), active: () => 5, now: T0, drainTimeoutMs: () => 30_000, immediate: new Set(['tcp|10.0.0.1|80#10.0.1.2|80']) });
  assert.deepEqual(argv(health.plan.operations), ['-d -t 10.0.0.1:80 -r 10.0.1.2:80']);
  assert.equal(health.drains.size, 0);
});
