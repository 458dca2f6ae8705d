import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEALTH_FILE_VERSION, initialHealth, nextHealth, parseHealth, serializeHealth } from '../../src/health/state.js';
import type { HealthState, ProbeResult } from '../../src/health/types.js';
import { FAIL, OK, spec } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);

/** Feed results one second apart, returning every intermediate state. */
function run(start: HealthState, results: readonly ProbeResult[], check = spec()): HealthState[] {
  const out: HealthState[] = [];
  let s = start;
  results.forEach((r, i) => {
    s = nextHealth(s, r, check, T0 + (i + 1) * 1000);
    out.push(s);
  });
  return out;
}

const statuses = (states: readonly HealthState[]) => states.map((s) => s.status);

test('a new server is unknown, with no counters and no result', () => {
  assert.deepEqual(initialHealth('a'), { id: 'a', status: 'unknown', since: null, consecutiveOk: 0, consecutiveFail: 0, lastResult: null, lastCheckAt: null });
});

test('unknown becomes up on the first success, whatever rise is', () => {
  const [s] = run(initialHealth('a'), [OK], spec({ rise: 5 }));
  assert.equal(s?.status, 'up');
  assert.equal(s?.since, T0 + 1000);
  assert.equal(s?.consecutiveOk, 1);
});

test('unknown stays unknown (counted as up) until fall failures in a row, then goes down', () => {
  const states = run(initialHealth('a'), [FAIL, FAIL, FAIL], spec({ fall: 3 }));
  assert.deepEqual(statuses(states), ['unknown', 'unknown', 'down']);
  assert.equal(states[1]?.since, null);
  assert.equal(states[2]?.since, T0 + 3000);
  assert.equal(states[2]?.consecutiveFail, 3);
});

test('up goes down exactly at the fall-th consecutive failure, with since = that time', () => {
  const states = run(initialHealth('a'), [OK, FAIL, FAIL, FAIL, FAIL], spec({ fall: 3 }));
  assert.deepEqual(statuses(states), ['up', 'up', 'up', 'down', 'down']);
  assert.equal(states[2]?.since, T0 + 1000, 'still up since the first success');
  assert.equal(states[3]?.since, T0 + 4000);
  assert.equal(states[4]?.since, T0 + 4000, 'since does not move while the status stays');
});

test('a success between failures resets the failure count', () => {
  const states = run(initialHealth('a'), [OK, FAIL, FAIL, OK, FAIL, FAIL], spec({ fall: 3 }));
  assert.deepEqual(statuses(states), ['up', 'up', 'up', 'up', 'up', 'up']);
  assert.deepEqual(states.map((s) => [s.consecutiveOk, s.consecutiveFail]), [[1, 0], [0, 1], [0, 2], [1, 0], [0, 1], [0, 2]]);
});

test('down comes back exactly at the rise-th consecutive success; a failure restarts the count', () => {
  const check = spec({ fall: 1, rise: 2 });
  const states = run(initialHealth('a'), [FAIL, OK, FAIL, OK, OK, OK], check);
  assert.deepEqual(statuses(states), ['down', 'down', 'down', 'down', 'up', 'up']);
  assert.equal(states[0]?.since, T0 + 1000);
  assert.equal(states[3]?.since, T0 + 1000);
  assert.equal(states[4]?.since, T0 + 5000);
});

test('fall 1 and rise 1 make every result decisive', () => {
  const states = run(initialHealth('a'), [FAIL, OK, FAIL, FAIL, OK], spec({ fall: 1, rise: 1 }));
  assert.deepEqual(statuses(states), ['down', 'up', 'down', 'down', 'up']);
});

test('lastResult and lastCheckAt follow every result, the id never changes', () => {
  const states = run(initialHealth('x'), [OK, FAIL]);
  assert.deepEqual(states.map((s) => [s.id, s.lastResult, s.lastCheckAt]), [['x', OK, T0 + 1000], ['x', FAIL, T0 + 2000]]);
});

test('a lowered threshold takes effect on the next result (counters above it count)', () => {
  const [, , third] = run(initialHealth('a'), [OK, FAIL, FAIL], spec({ fall: 5 }));
  assert.equal(third?.status, 'up');
  const after = nextHealth(third!, FAIL, spec({ fall: 2 }), T0 + 9000);
  assert.equal(after.status, 'down');
  assert.equal(after.since, T0 + 9000);
});

test('serialize → parse is the identity on states', () => {
  const states = [
    initialHealth('u'),
    ...run(initialHealth('d'), [FAIL], spec({ fall: 1 })),
    ...run(initialHealth('p'), [OK, FAIL]).slice(-1),
  ];
  const text = serializeHealth(states);
  assert.equal(JSON.parse(text).version, HEALTH_FILE_VERSION);
  assert.deepEqual(parseHealth(text), states);
});

test('garbage gives no states instead of an error', () => {
  for (const text of ['', 'not json', '{', 'null', '[]', '42', '{"states":[]}', '{"version":2,"states":[]}', '{"version":1,"states":{}}', '{"version":1}']) {
    assert.deepEqual(parseHealth(text), [], text);
  }
});

test('malformed entries are dropped one by one; the good ones survive; a duplicate id keeps the first', () => {
  const good = run(initialHealth('good'), [FAIL], spec({ fall: 1 }))[0]!;
  const bad: unknown[] = [
    null,
    'x',
    { ...good, id: '' },
    { ...good, status: 'sideways' },
    { ...good, consecutiveOk: -1 },
    { ...good, consecutiveFail: 1.5 },
    { ...good, since: 'yesterday' },
    { ...good, since: null }, // down without since
    { ...initialHealth('u'), since: T0 }, // unknown with since
    { ...good, lastResult: { ok: 'yes', detail: '', durationMs: 1 } },
    { ...good, lastCheckAt: 'soon' },
  ];
  const text = JSON.stringify({ version: 1, states: [...bad, good, { ...good, status: 'up' }] });
  assert.deepEqual(parseHealth(text), [good]);
});
