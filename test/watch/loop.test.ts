import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, createReconcileLoop, type PassVerdict, type TriggerReason } from '../../src/watch/loop.js';
import { createDebouncer } from '../../src/watch/debounce.js';
import { createManualClock } from './helpers.js';

/** A pass the test controls: each call waits until the test resolves it. */
function controlledPass() {
  const calls: TriggerReason[][] = [];
  let release: ((v: PassVerdict) => void) | null = null;
  return {
    calls,
    pass: (reasons: readonly TriggerReason[]) => {
      calls.push([...reasons]);
      return new Promise<PassVerdict>((resolve) => { release = resolve; });
    },
    finish(v: PassVerdict = { retry: false }) {
      const r = release;
      release = null;
      assert.ok(r, 'no pass is running');
      r(v);
    },
    get running() { return release !== null; },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

test('start runs one pass now; the next one comes one interval after it ended', async () => {
  const clock = createManualClock();
  const reasons: TriggerReason[][] = [];
  const loop = createReconcileLoop({ clock, intervalMs: 10_000, pass: async (r) => { reasons.push([...r]); return { retry: false }; } });
  loop.start();
  await loop.idle();
  assert.deepEqual(reasons, [['startup']]);
  assert.deepEqual(clock.pending(), [10_000]);
  clock.advance(9_999);
  await loop.idle();
  assert.equal(reasons.length, 1);
  clock.advance(1);
  await loop.idle();
  assert.deepEqual(reasons, [['startup'], ['interval']]);
  await loop.stop();
  assert.deepEqual(clock.pending(), []);
});

test('passes never overlap: requests during a pass are coalesced into exactly one more pass', async () => {
  const clock = createManualClock();
  const p = controlledPass();
  const loop = createReconcileLoop({ clock, intervalMs: 10_000, pass: p.pass });
  loop.start();
  await tick();
  assert.equal(p.calls.length, 1);
  for (let i = 0; i < 5; i++) loop.request('config-changed');
  loop.request('sighup');
  await tick();
  assert.equal(p.calls.length, 1, 'no second pass while the first runs');
  p.finish();
  await tick();
  assert.equal(p.calls.length, 2);
  assert.deepEqual(p.calls[1], ['config-changed', 'sighup']);
  p.finish();
  await loop.idle();
  assert.equal(p.calls.length, 2);
  await loop.stop();
});

test('a synchronous burst of requests while idle becomes one pass', async () => {
  const clock = createManualClock();
  const reasons: TriggerReason[][] = [];
  const loop = createReconcileLoop({ clock, intervalMs: 10_000, pass: async (r) => { reasons.push([...r]); return { retry: false }; } });
  loop.start();
  await loop.idle();
  for (let i = 0; i < 10; i++) loop.request('config-changed');
  await loop.idle();
  assert.deepEqual(reasons, [['startup'], ['config-changed']]);
  // the request replaced the pending interval timer rather than adding a second one
  assert.deepEqual(clock.pending(), [10_000]);
  await loop.stop();
});

test('retryable failures back off 1s, 2s, 4s … up to the cap; success goes back to the interval', async () => {
  const clock = createManualClock();
  let failing = true;
  const at: number[] = [];
  const start = clock.now();
  const loop = createReconcileLoop({
    clock, intervalMs: 10_000, backoff: { initialMs: 1000, maxMs: 8000 },
    pass: async () => { at.push(clock.now() - start); return { retry: failing }; },
  });
  loop.start();
  await loop.idle();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const next = clock.pending()[0]!;
    delays.push(next);
    clock.advance(next - 1);
    await loop.idle();
    assert.equal(at.length, i + 1, 'no pass before the backoff delay: never a busy loop');
    clock.advance(1);
    await loop.idle();
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000, 8000]);
  assert.equal(loop.state.consecutiveFailures, 7);
  failing = false;
  clock.advance(clock.pending()[0]!);
  await loop.idle();
  assert.equal(loop.state.consecutiveFailures, 0);
  assert.deepEqual(clock.pending(), [10_000]);
  await loop.stop();
});

test('while backing off, file events wait for the retry timer; SIGHUP forces a pass now', async () => {
  const clock = createManualClock();
  const reasons: TriggerReason[][] = [];
  const loop = createReconcileLoop({ clock, intervalMs: 10_000, pass: async (r) => { reasons.push([...r]); return { retry: true }; } });
  loop.start();
  await loop.idle();
  loop.request('config-changed');
  loop.request('config-changed');
  await loop.idle();
  assert.equal(reasons.length, 1, 'a noisy directory does not bypass the backoff');
  clock.advance(1000);
  await loop.idle();
  assert.deepEqual(reasons[1], ['config-changed', 'retry']);
  loop.request('sighup');
  await loop.idle();
  assert.deepEqual(reasons[2], ['sighup']);
  await loop.stop();
});

test('a pass that throws is treated as a retryable failure and reported', async () => {
  const clock = createManualClock();
  const errors: unknown[] = [];
  const loop = createReconcileLoop({ clock, intervalMs: 10_000, pass: async () => { throw new Error('boom'); }, onPassError: (e) => errors.push(e) });
  loop.start();
  await loop.idle();
  assert.equal(errors.length, 1);
  assert.deepEqual(clock.pending(), [1000]);
  await loop.stop();
});

test('stop waits for the running pass, then no timer and no request starts another', async () => {
  const clock = createManualClock();
  const p = controlledPass();
  const loop = createReconcileLoop({ clock, intervalMs: 10_000, pass: p.pass });
  loop.start();
  await tick();
  let stopped = false;
  const stopping = loop.stop().then(() => { stopped = true; });
  await tick();
  assert.equal(stopped, false, 'stop waits for the current pass');
  p.finish();
  await stopping;
  loop.request('config-changed');
  clock.advance(60_000);
  await tick();
  assert.equal(p.calls.length, 1);
  assert.deepEqual(clock.pending(), []);
});

test('debounce: holdUntil makes a due call wait until then, never sooner, and schedules none', () => {
  const clock = createManualClock();
  let calls = 0;
  const d = createDebouncer(clock, 100, () => { calls++; }, 1000);
  d.holdUntil(clock.now() + 500);
  assert.deepEqual(clock.pending(), [], 'nothing due: nothing scheduled');
  d.trigger();
  d.holdUntil(clock.now() + 50);
  clock.advance(99);
  assert.equal(calls, 0, 'an earlier hold does not bring the call forward');
  d.holdUntil(clock.now() + 30);
  clock.advance(29);
  assert.equal(calls, 0, 'held past its quiet time');
  clock.advance(1);
  assert.equal(calls, 1);
  assert.deepEqual(clock.pending(), [], 'and nothing more');
});

test('backoffDelay doubles from the initial delay and is capped', () => {
  const b = { initialMs: 1000, maxMs: 300_000 };
  assert.deepEqual([0, 1, 2, 3, 4, 9, 10, 50].map((n) => backoffDelay(n, b)), [0, 1000, 2000, 4000, 8000, 256_000, 300_000, 300_000]);
});

test('debounce: a burst of file events is one call after the quiet time; a never-ending stream still fires by maxWait', () => {
  const clock = createManualClock();
  let calls = 0;
  const d = createDebouncer(clock, 300, () => { calls++; }, 1000);
  for (let i = 0; i < 10; i++) { d.trigger(); clock.advance(50); }
  assert.equal(calls, 0);
  clock.advance(300);
  assert.equal(calls, 1);
  for (let i = 0; i < 30; i++) { d.trigger(); clock.advance(100); }
  assert.ok(calls >= 3 && calls <= 5, `maxWait bounds the delay (got ${calls} calls)`);
  d.cancel();
  const before = calls;
  clock.advance(5000);
  assert.equal(calls, before, "cancel drops the pending call");
});
