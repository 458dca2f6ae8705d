import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHealthMonitor, nextDueAt } from '../../src/health/monitor.js';
import { createSlots } from '../../src/health/slots.js';
import type { Probe, ProbeResult } from '../../src/health/types.js';
import { createReconcileLoop } from '../../src/watch/loop.js';
import { createManualClock } from '../watch/helpers.js';
import { healthTarget, OK } from './helpers.js';

/**
 * The monitor at scale (issue 13), with a manual clock and fake probes: how checks are spread,
 * anchored and started, so that tens of thousands of them never starve the watch loop's pass.
 */

const flush = async (turns = 10) => {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
};

/** A probe that records when each call came and answers on a later turn of the event loop, as a socket would. */
function answeringProbe(clock: { now(): number }, answer: (id: string) => ProbeResult | null = () => OK) {
  const calls: { id: string; at: number }[] = [];
  const probe: Probe = (_check, target, signal) => {
    calls.push({ id: target.id, at: clock.now() });
    const r = answer(target.id);
    // null: a server that never answers; the probe gives up when told to
    if (r === null) return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ ok: false, detail: 'aborted', durationMs: 0 }), { once: true }));
    return new Promise((resolve) => setImmediate(() => resolve(r)));
  };
  return { probe, calls };
}

/** A defer the test runs by hand: one call of runTurn() = the next turn of the event loop. */
function manualTurns() {
  const pending: (() => void)[] = [];
  return {
    defer: (fn: () => void) => { pending.push(fn); },
    runTurn() {
      const fns = pending.splice(0);
      for (const fn of fns) fn();
    },
    get pending() { return pending.length; },
  };
}

test('probes start at most `burst` per turn of the event loop; the rest start on the turns after', async () => {
  const clock = createManualClock();
  const turns = manualTurns();
  const { probe, calls } = answeringProbe(clock, () => null);
  const m = createHealthMonitor({ clock, probe, concurrency: 10_000, burst: 100, defer: turns.defer });
  const round = m.runRound(Array.from({ length: 250 }, (_, i) => healthTarget(`s${i}`, { timeoutMs: 60_000 })));
  // (flush lets promise callbacks and real immediates run; only runTurn starts the next burst)
  await flush();
  assert.equal(calls.length, 100, 'one burst in the turn that asked for all 250');
  turns.runTurn();
  await flush();
  assert.equal(calls.length, 200);
  turns.runTurn();
  await flush();
  assert.equal(calls.length, 250);
  assert.deepEqual(calls.map((c) => c.id), Array.from({ length: 250 }, (_, i) => `s${i}`), 'in order');
  const stopping = m.stop();
  for (let i = 0; i < 5; i++) turns.runTurn();
  await stopping;
  assert.equal((await round).size, 250);
});

test('a pass is not starved: while a round of 20,000 checks starts, a pass that waits for I/O finishes long before the last check has started', async () => {
  const clock = createManualClock();
  const { probe, calls } = answeringProbe(clock);
  // no cap worth the name: only the per-turn start limit stands between the round and the pass
  const m = createHealthMonitor({ clock, probe, concurrency: 1_000_000 });
  let startedWhenPassEnded = -1;
  const loop = createReconcileLoop({
    clock,
    intervalMs: 60_000,
    // a pass that waits for I/O three times (ipvsadm -S -n, the apply, the verification)
    pass: async () => {
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      startedWhenPassEnded = calls.length;
      return { retry: false };
    },
  });
  const n = 20_000;
  const round = m.runRound(Array.from({ length: n }, (_, i) => healthTarget(`s${i}`)));
  loop.start();
  await loop.idle();
  assert.ok(startedWhenPassEnded > 0 && startedWhenPassEnded <= n / 20, `${startedWhenPassEnded} of ${n} checks had started when the pass ended`);
  const states = await round;
  assert.equal(calls.length, n, 'then every check ran, each once');
  assert.ok([...states.values()].every((s) => s.status === 'up'));
  await loop.stop();
  await m.stop();
});

test('the first checks of 1,000 servers are spread evenly over the interval, and the next ones keep the spread', async () => {
  const clock = createManualClock();
  const t0 = clock.now();
  const { probe, calls } = answeringProbe(clock);
  const m = createHealthMonitor({ clock, probe, concurrency: 10_000 });
  m.update(Array.from({ length: 1000 }, (_, i) => healthTarget(`s${i}`, { intervalMs: 5000, timeoutMs: 2000 })));
  const perStep: number[] = [];
  for (let t = 0; t < 10_000; t += 100) {
    await flush(3);
    const before = calls.length;
    clock.advance(100);
    await flush(3);
    perStep.push(calls.length - before);
  }
  // 1000 checks per 5 s: 20 in every 100 ms, in the first interval and the second
  assert.deepEqual([...new Set(perStep.slice(0, 99))], [20], perStep.join(','));
  // each call is seen at the end of its 100 ms step: s500 is due at 2500 and 7500, s999 at 4995 and 9995
  const seen = (id: string) => calls.filter((c) => c.id === id).map((c) => c.at - t0);
  assert.deepEqual([seen('s0'), seen('s500'), seen('s999')], [[0, 5000, 10_000], [2500, 7500], [5000, 10_000]]);
  await m.stop();
});

test('a check that starts late keeps its place: the next one is due an interval after the late one was due', async () => {
  const clock = createManualClock();
  const t0 = clock.now();
  const held: ((r: ProbeResult) => void)[] = [];
  const calls: [string, number][] = [];
  const probe: Probe = (_c, target) => {
    calls.push([target.id, clock.now() - t0]);
    return new Promise((resolve) => held.push(resolve));
  };
  // one slot: b falls due at 500 while a still holds it, and starts only when a ends at 700
  const m = createHealthMonitor({ clock, probe, concurrency: 1 });
  m.update([healthTarget('a', { intervalMs: 1000, timeoutMs: 900 }), healthTarget('b', { intervalMs: 1000, timeoutMs: 900 })]);
  await flush();
  for (const step of [500, 200]) {
    clock.advance(step);
    await flush();
  }
  held.shift()?.(OK);
  await flush();
  assert.deepEqual(calls, [['a', 0], ['b', 700]]);
  held.shift()?.(OK);
  await flush();
  for (const step of [300, 500]) {
    clock.advance(step);
    await flush();
    held.shift()?.(OK);
    await flush();
  }
  assert.deepEqual(calls, [['a', 0], ['b', 700], ['a', 1000], ['b', 1500]], 'b is back on its 500 + k × 1000 grid');
  await m.stop();
});

test('nextDueAt: an interval after the last due time, skipping the ones already missed', () => {
  assert.equal(nextDueAt(1000, 5000, 1200), 6000);
  assert.equal(nextDueAt(1000, 5000, 6000), 6000);
  assert.equal(nextDueAt(1000, 5000, 6001), 11_000);
  assert.equal(nextDueAt(1000, 5000, 23_000), 26_000);
});

test('an answer that arrives in the same turn as its deadline counts: the verdict waits for that turn\'s I/O', async () => {
  const clock = createManualClock();
  const turns = manualTurns();
  let answer: ((r: ProbeResult) => void) | null = null;
  const results: ProbeResult[] = [];
  const probe: Probe = () => new Promise((resolve) => { answer = resolve; });
  const m = createHealthMonitor({ clock, probe, defer: turns.defer, onResult: (_id, r) => results.push(r) });
  m.update([healthTarget('a', { timeoutMs: 500 })]);
  await flush();
  assert.notEqual(answer, null);
  // the deadline's timer fires (a busy loop ran late), then the socket's answer is read in the same turn
  clock.advance(500);
  answer!(OK);
  await flush();
  turns.runTurn();
  await flush();
  assert.deepEqual(results.map((r) => r.detail), ['connected']);
  // the next check at 1000; a server that has not answered by the end of its deadline's turn has timed out
  clock.advance(500);
  await flush();
  turns.runTurn();
  await flush();
  clock.advance(500);
  await flush();
  turns.runTurn();
  await flush();
  assert.deepEqual(results.map((r) => r.detail), ['connected', 'timed out after 500 ms']);
  await m.stop();
});

test('slots: cancelling queued jobs anywhere in the queue keeps the order of the rest', async () => {
  const slots = createSlots(1);
  const order: string[] = [];
  const cancelled: string[] = [];
  let release: () => void = () => undefined;
  const job = (name: string) => () => { order.push(name); return new Promise<void>((r) => { release = r; }); };
  slots.push(job('running'));
  const queued = ['a', 'b', 'c', 'd', 'e'].map((name) => slots.push(job(name), () => cancelled.push(name)));
  // the middle first, then its neighbour, the head and the tail (twice: a no-op)
  queued[2]!.cancel();
  queued[3]!.cancel();
  queued[0]!.cancel();
  queued[4]!.cancel();
  queued[4]!.cancel();
  slots.push(job('f'), () => cancelled.push('f'));
  release();
  await flush();
  assert.deepEqual(order, ['running', 'b'], 'b runs, f waits');
  assert.deepEqual(cancelled, ['c', 'd', 'a', 'e']);
  const later = ['x', 'y'].map((name) => slots.push(job(name), () => cancelled.push(name)));
  slots.push(job('z'), () => cancelled.push('z'));
  later[1]!.cancel();
  release();
  await flush();
  slots.cancelQueued();
  assert.deepEqual(cancelled, ['c', 'd', 'a', 'e', 'y', 'x', 'z']);
  release();
  await slots.idle();
  assert.deepEqual(order, ['running', 'b', 'f']);
});
