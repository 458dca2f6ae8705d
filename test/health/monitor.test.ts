import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHealthMonitor } from '../../src/health/monitor.js';
import { initialHealth } from '../../src/health/state.js';
import type { HealthCheckSpec, HealthState, HealthTarget, HealthTransition, Probe, ProbeResult, ProbeTarget } from '../../src/health/types.js';
import { createManualClock } from '../watch/helpers.js';
import { FAIL, healthTarget, OK } from './helpers.js';

/** One probe call the test settles by hand. */
interface Call {
  readonly id: string;
  readonly check: HealthCheckSpec;
  readonly target: ProbeTarget;
  readonly signal: AbortSignal;
  readonly at: number;
  resolve(r: ProbeResult): void;
  settled: boolean;
}

/** A probe whose every call waits for the test; it tracks how many are in flight (max included). */
function fakeProbe(clock: { now(): number }, options: { honourAbort?: boolean } = {}) {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const probe: Probe = (check, target, signal) =>
    new Promise<ProbeResult>((resolve) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const call: Call = {
        id: target.id, check, target, signal, at: clock.now(), settled: false,
        resolve(r) {
          if (call.settled) return;
          call.settled = true;
          inFlight--;
          resolve(r);
        },
      };
      if (options.honourAbort !== false) signal.addEventListener('abort', () => call.resolve({ ok: false, detail: 'aborted', durationMs: 0 }), { once: true });
      calls.push(call);
    });
  return {
    probe,
    calls,
    of: (id: string) => calls.filter((c) => c.id === id),
    open: () => calls.filter((c) => !c.settled),
    get inFlight() { return inFlight; },
    get maxInFlight() { return maxInFlight; },
  };
}

/** Let promise callbacks run (the probe is called, results are applied). */
const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

const T = (id: string, check: Partial<HealthCheckSpec> = {}) => healthTarget(id, check);

test('a new target is checked right away; its result makes it up and calls onResult then onTransition', async () => {
  const clock = createManualClock();
  const fp = fakeProbe(clock);
  const events: string[] = [];
  const m = createHealthMonitor({
    clock, probe: fp.probe,
    onResult: (id, r) => events.push(`result ${id} ${r.detail}`),
    onTransition: (t) => events.push(`transition ${t.id} ${t.from}→${t.to}`),
  });
  m.update([T('a')]);
  assert.equal(m.state('a')?.status, 'unknown');
  await flush();
  assert.equal(fp.calls.length, 1);
  assert.equal(fp.calls[0]?.at, clock.now(), 'no waiting for the first interval');
  fp.calls[0]?.resolve(OK);
  await flush();
  assert.equal(m.state('a')?.status, 'up');
  assert.equal(m.state('a')?.since, clock.now());
  assert.deepEqual(events, ['result a connected', 'transition a unknown→up']);
  await m.stop();
});

test('the interval counts from the start of the previous check, not from its end', async () => {
  const clock = createManualClock();
  const t0 = clock.now();
  const fp = fakeProbe(clock);
  const m = createHealthMonitor({ clock, probe: fp.probe });
  m.update([T('a', { intervalMs: 1000, timeoutMs: 800 })]);
  await flush();
  clock.advance(300);
  fp.calls[0]?.resolve(OK);
  await flush();
  clock.advance(699);
  await flush();
  assert.equal(fp.calls.length, 1);
  clock.advance(1);
  await flush();
  assert.equal(fp.calls.length, 2);
  assert.equal(fp.calls[1]?.at, t0 + 1000);
  fp.calls[1]?.resolve(OK);
  clock.advance(1000);
  await flush();
  assert.deepEqual(fp.calls.map((c) => c.at - t0), [0, 1000, 2000]);
  await m.stop();
});

test('a check never overlaps itself: an interval ending during a slow check starts the next one when it ends', async () => {
  const clock = createManualClock();
  const t0 = clock.now();
  const fp = fakeProbe(clock);
  const m = createHealthMonitor({ clock, probe: fp.probe });
  m.update([T('a', { intervalMs: 100, timeoutMs: 500 })]);
  await flush();
  clock.advance(350);
  await flush();
  assert.equal(fp.calls.length, 1, 'three intervals passed, still one check');
  fp.calls[0]?.resolve(OK);
  await flush();
  assert.equal(fp.calls.length, 2);
  assert.equal(fp.calls[1]?.at, t0 + 350, 'the overdue check starts as soon as the slow one ends');
  assert.ok(fp.maxInFlight === 1);
  await m.stop();
});

test('20 targets with concurrency 4: never more than 4 in flight, the rest wait in due order, all get checked', async () => {
  const clock = createManualClock();
  const fp = fakeProbe(clock);
  const m = createHealthMonitor({ clock, probe: fp.probe, concurrency: 4 });
  const ids = Array.from({ length: 20 }, (_, i) => `s${String(i).padStart(2, '0')}`);
  // probes that outlast the spread of the first checks (one every 500 ms): all 20 are due at 9500
  m.update(ids.map((id) => T(id, { intervalMs: 10_000, timeoutMs: 60_000 })));
  clock.advance(9_500);
  await flush();
  assert.equal(fp.inFlight, 4);
  while (fp.open().length > 0) {
    for (const c of fp.open().slice(0, 3)) c.resolve(OK);
    await flush();
    assert.ok(fp.inFlight <= 4, `${fp.inFlight} in flight`);
  }
  assert.equal(fp.maxInFlight, 4);
  assert.deepEqual(fp.calls.map((c) => c.id), ids, 'each once, in the order they became due');
  assert.ok([...m.states().values()].every((s) => s.status === 'up'));
  await m.stop();
});

test('the first checks of targets added together are spread over the interval; one added alone is checked at once', async () => {
  const clock = createManualClock();
  const t0 = clock.now();
  const fp = fakeProbe(clock);
  const m = createHealthMonitor({ clock, probe: fp.probe });
  m.update(['a', 'b', 'c', 'd'].map((id) => T(id, { intervalMs: 1000 })).concat(T('slow', { intervalMs: 4000 })));
  // step by step: a probe records the clock when it is called, a few promise turns after its timer
  for (let t = 0; t < 4000; t += 100) {
    await flush();
    for (const c of fp.open()) c.resolve(OK);
    clock.advance(100);
  }
  await flush();
  const firsts = new Map<string, number>();
  for (const c of fp.calls) if (!firsts.has(c.id)) firsts.set(c.id, c.at - t0);
  // the i-th of 5 after i/5 of its own interval
  assert.deepEqual([...firsts], [['a', 0], ['b', 200], ['c', 400], ['d', 600], ['slow', 3200]]);
  m.update([...['a', 'b', 'c', 'd'].map((id) => T(id, { intervalMs: 1000 })), T('slow', { intervalMs: 4000 }), T('e', { intervalMs: 1000 })]);
  await flush();
  assert.deepEqual(fp.calls.at(-1)?.id, 'e');
  assert.equal(fp.calls.at(-1)?.at, clock.now());
  await m.stop();
});

test('a hanging probe fails at timeoutMs on the clock, frees its slot, and the others keep their schedule', async () => {
  const clock = createManualClock();
  const t0 = clock.now();
  // this probe ignores its signal: only the monitor's own timer can end it
  const fp = fakeProbe(clock, { honourAbort: false });
  const results: [string, ProbeResult][] = [];
  const m = createHealthMonitor({ clock, probe: fp.probe, concurrency: 1, onResult: (id, r) => results.push([id, r]) });
  m.update([T('hang', { intervalMs: 1000, timeoutMs: 500, fall: 1 }), T('fine', { intervalMs: 1000, timeoutMs: 500 })]);
  await flush();
  assert.deepEqual(fp.calls.map((c) => c.id), ['hang'], 'fine waits for the only slot');
  clock.advance(499);
  await flush();
  assert.equal(fp.calls.length, 1);
  clock.advance(1);
  await flush();
  assert.equal(fp.calls[0]?.signal.aborted, true, 'the probe was told to give up');
  assert.deepEqual(results, [['hang', { ok: false, detail: 'timed out after 500 ms', durationMs: 500 }]]);
  assert.equal(m.state('hang')?.status, 'down');
  assert.deepEqual(fp.calls.map((c) => [c.id, c.at - t0]), [['hang', 0], ['fine', 500]]);
  fp.of('fine')[0]?.resolve(OK);
  await flush();
  // hang is due at 1000 (from its start), fine at 1500 (from its start): both on time
  clock.advance(500);
  await flush();
  assert.deepEqual(fp.calls.map((c) => [c.id, c.at - t0]), [['hang', 0], ['fine', 500], ['hang', 1000]]);
  clock.advance(500);
  await flush();
  assert.deepEqual(fp.calls.slice(3).map((c) => [c.id, c.at - t0]), [['fine', 1500]], 'the second hang freed the slot at 1500');
  assert.equal(m.state('fine')?.status, 'up');
  // fine's probe ignores its signal too: stop ends with its timeout
  const stopping = m.stop();
  clock.advance(500);
  await stopping;
});

test('update keeps unchanged targets as they are, drops removed ones and checks new ones at once', async () => {
  const clock = createManualClock();
  const t0 = clock.now();
  const fp = fakeProbe(clock);
  const m = createHealthMonitor({ clock, probe: fp.probe });
  m.update([T('a'), T('b')]);
  await flush();
  clock.advance(500);
  await flush();
  for (const c of fp.open()) c.resolve(OK);
  await flush();
  const aBefore = m.state('a');
  clock.advance(400);
  m.update([T('a'), T('c')]);
  await flush();
  assert.deepEqual([...m.states().keys()], ['a', 'c']);
  assert.equal(m.state('a'), aBefore, 'the very same state object');
  assert.equal(m.state('c')?.status, 'unknown');
  assert.deepEqual(fp.calls.map((c) => [c.id, c.at - t0]), [['a', 0], ['b', 500], ['c', 900]], 'a not re-checked, c checked now');
  fp.of('c')[0]?.resolve(FAIL);
  clock.advance(100);
  await flush();
  clock.advance(600);
  await flush();
  assert.deepEqual(fp.calls.slice(3).map((c) => [c.id, c.at - t0]), [['a', 1000]], 'b is no longer checked (it was due at 1500); a keeps its schedule');
  assert.equal(m.state('b'), undefined);
  await m.stop();
});

test('removing a target while it is checked aborts the probe and ignores its result', async () => {
  const clock = createManualClock();
  const fp = fakeProbe(clock, { honourAbort: false });
  const results: string[] = [];
  const m = createHealthMonitor({ clock, probe: fp.probe, onResult: (id) => results.push(id) });
  m.update([T('a')]);
  await flush();
  m.update([]);
  assert.equal(fp.calls[0]?.signal.aborted, true);
  fp.calls[0]?.resolve(FAIL);
  await flush();
  assert.deepEqual(results, []);
  assert.equal(m.states().size, 0);
  await m.stop();
  assert.deepEqual(clock.pending(), []);
});

test('a target removed and added back while its old probe hangs is not checked twice at once', async () => {
  const clock = createManualClock();
  const t0 = clock.now();
  const fp = fakeProbe(clock, { honourAbort: false });
  const m = createHealthMonitor({ clock, probe: fp.probe });
  m.update([T('a', { timeoutMs: 500 })]);
  await flush();
  m.update([]);
  m.update([T('a', { timeoutMs: 500 })]);
  await flush();
  assert.equal(fp.calls.length, 1, 'the new check waits for the old probe');
  clock.advance(500);
  await flush();
  assert.deepEqual(fp.calls.map((c) => c.at - t0), [0, 500]);
  fp.calls[1]?.resolve(OK);
  await flush();
  assert.equal(m.state('a')?.status, 'up');
  await m.stop();
});

test('a changed check for the same id keeps the status and restarts the schedule from now', async () => {
  const clock = createManualClock();
  const t0 = clock.now();
  const fp = fakeProbe(clock);
  const m = createHealthMonitor({ clock, probe: fp.probe });
  m.update([T('a', { intervalMs: 1000 })]);
  await flush();
  fp.calls[0]?.resolve(OK);
  await flush();
  const since = m.state('a')?.since;
  clock.advance(400);
  m.update([T('a', { intervalMs: 5000, path: '/healthz' })]);
  await flush();
  assert.equal(m.state('a')?.status, 'up');
  assert.equal(m.state('a')?.since, since);
  assert.deepEqual(fp.calls.map((c) => c.at - t0), [0, 400], 'checked at once with the new spec');
  assert.equal(fp.calls[1]?.check.path, '/healthz');
  fp.calls[1]?.resolve(OK);
  clock.advance(4999);
  await flush();
  assert.equal(fp.calls.length, 2, 'the old 1000 ms schedule is gone');
  clock.advance(1);
  await flush();
  assert.deepEqual(fp.calls.map((c) => c.at - t0), [0, 400, 5400]);
  await m.stop();
});

test('a check changed while its probe runs: the old probe is aborted, its result ignored, the new check runs next', async () => {
  const clock = createManualClock();
  const fp = fakeProbe(clock);
  const results: string[] = [];
  const m = createHealthMonitor({ clock, probe: fp.probe, onResult: (_id, r) => results.push(r.detail) });
  m.update([T('a', { port: 80 })]);
  await flush();
  m.update([T('a', { port: 8080 })]);
  await flush();
  assert.equal(fp.calls[0]?.signal.aborted, true);
  assert.deepEqual(fp.calls.map((c) => c.check.port), [80, 8080]);
  assert.equal(fp.maxInFlight, 1, 'never two checks of one target at once');
  assert.deepEqual(results, [], 'the aborted old check did not count');
  assert.equal(m.state('a')?.consecutiveFail, 0);
  fp.calls[1]?.resolve(OK);
  await flush();
  assert.deepEqual(results, ['connected']);
  await m.stop();
});

test('a target whose key order differs but whose check is the same is unchanged', async () => {
  const clock = createManualClock();
  const fp = fakeProbe(clock);
  const m = createHealthMonitor({ clock, probe: fp.probe });
  const first = T('a');
  m.update([first]);
  await flush();
  fp.calls[0]?.resolve(OK);
  await flush();
  const reordered = Object.fromEntries(Object.entries(first.check).reverse()) as unknown as HealthCheckSpec;
  m.update([{ target: first.target, check: { ...reordered, expectStatus: [...first.check.expectStatus] } }]);
  await flush();
  assert.equal(fp.calls.length, 1);
  await m.stop();
});

test('transitions arrive in order with from, to, state and target: unknown→up→down→up', async () => {
  const clock = createManualClock();
  const t0 = clock.now();
  const fp = fakeProbe(clock);
  const transitions: HealthTransition[] = [];
  const m = createHealthMonitor({ clock, probe: fp.probe, onTransition: (t) => transitions.push(t) });
  const ht = T('a', { intervalMs: 1000, fall: 2, rise: 2 });
  m.update([ht]);
  const sequence = [OK, FAIL, FAIL, OK, OK, OK];
  for (const r of sequence) {
    await flush();
    fp.open()[0]?.resolve(r);
    await flush();
    clock.advance(1000);
  }
  await flush();
  assert.equal(fp.calls.length, sequence.length + 1);
  assert.deepEqual(transitions.map((t) => [t.from, t.to, t.state.since! - t0]), [['unknown', 'up', 0], ['up', 'down', 2000], ['down', 'up', 4000]]);
  assert.ok(transitions.every((t) => t.id === 'a' && t.target === ht.target));
  assert.deepEqual([transitions[1]?.state.status, transitions[1]?.state.consecutiveFail, transitions[1]?.state.lastResult], ['down', 2, FAIL], 'the state as of the transition');
  assert.equal(m.state('a')?.consecutiveOk, 3);
  await m.stop();
});

test('saved states: a server that was down stays down after a restart until it rises', async () => {
  const clock = createManualClock();
  const fp = fakeProbe(clock);
  const saved: HealthState = { ...initialHealth('a'), status: 'down', since: 1, consecutiveFail: 7 };
  const transitions: string[] = [];
  const m = createHealthMonitor({ clock, probe: fp.probe, initial: [saved], onTransition: (t) => transitions.push(`${t.from}→${t.to}`) });
  m.update([T('a', { rise: 2 }), T('b')]);
  assert.equal(m.state('a'), saved);
  assert.equal(m.state('b')?.status, 'unknown');
  await flush();
  fp.of('a')[0]?.resolve(OK);
  await flush();
  assert.equal(m.state('a')?.status, 'down', 'one success is not rise 2');
  clock.advance(500);
  await flush();
  fp.of('b')[0]?.resolve(OK);
  await flush();
  assert.deepEqual(transitions, ['unknown→up']);
  clock.advance(500);
  await flush();
  fp.of('a')[1]?.resolve(OK);
  await flush();
  assert.equal(m.state('a')?.status, 'up');
  // removed and added again: the saved state is stale by then, it starts unknown
  m.update([T('b')]);
  m.update([T('a'), T('b')]);
  assert.equal(m.state('a')?.status, 'unknown');
  await m.stop();
});

test('runRound: every check once, a single result decides, the scheduled states are untouched', async () => {
  const clock = createManualClock();
  const fp = fakeProbe(clock);
  const transitions: string[] = [];
  const results: string[] = [];
  const m = createHealthMonitor({ clock, probe: fp.probe, concurrency: 2, onTransition: (t) => transitions.push(t.id), onResult: (id) => results.push(id) });
  m.update([T('a', { fall: 3 })]);
  await flush();
  fp.calls[0]?.resolve(OK);
  await flush();
  assert.equal(m.state('a')?.status, 'up');
  transitions.length = 0;
  results.length = 0;
  const round = m.runRound([T('a', { fall: 3 }), T('b', { rise: 5 }), T('c'), T('hang', { timeoutMs: 700 })]);
  await flush();
  assert.equal(fp.open().length, 2, 'the round shares the concurrency bound');
  fp.of('a')[1]?.resolve(FAIL);
  fp.of('b')[0]?.resolve(OK);
  await flush();
  fp.of('c')[0]?.resolve(FAIL);
  clock.advance(700);
  const states = await round;
  assert.deepEqual([...states.keys()], ['a', 'b', 'c', 'hang']);
  assert.deepEqual([...states.values()].map((s) => s.status), ['down', 'up', 'down', 'down']);
  assert.equal(states.get('hang')?.lastResult?.detail, 'timed out after 700 ms');
  assert.equal(m.state('a')?.status, 'up', 'the scheduled state did not see the round');
  assert.equal(m.state('a')?.consecutiveFail, 0);
  assert.equal(m.state('b'), undefined);
  assert.deepEqual(transitions, []);
  assert.deepEqual(results, []);
  assert.equal(fp.maxInFlight, 2);
  await m.stop();
});

test('runRound on a fresh monitor with no schedule leaves no timers behind', async () => {
  const clock = createManualClock();
  const fp = fakeProbe(clock);
  const m = createHealthMonitor({ clock, probe: fp.probe });
  const round = m.runRound([T('a'), T('b')]);
  await flush();
  fp.of('a')[0]?.resolve(OK);
  fp.of('b')[0]?.resolve({ ok: false, detail: 'HTTP 503 (expected 200)', durationMs: 3 });
  const states = await round;
  assert.deepEqual([...states].map(([id, s]) => [id, s.status, s.lastResult?.detail]), [['a', 'up', 'connected'], ['b', 'down', 'HTTP 503 (expected 200)']]);
  assert.deepEqual(clock.pending(), []);
  assert.equal(m.states().size, 0);
  await m.stop();
});

test('a probe that throws or rejects is a failed check, not a crashed monitor', async () => {
  const clock = createManualClock();
  const probe: Probe = (_c, target) => {
    if (target.id === 'sync') throw new Error('boom');
    return Promise.reject(new Error('rejected'));
  };
  const m = createHealthMonitor({ clock, probe });
  const states = await m.runRound([T('sync'), T('async')]);
  assert.deepEqual([...states.values()].map((s) => [s.status, s.lastResult?.ok, s.lastResult?.detail]), [['down', false, 'probe failed: boom'], ['down', false, 'probe failed: rejected']]);
  await m.stop();
});

test('stop aborts the probes in flight, waits for them, cancels the schedule and ignores the aborted results', async () => {
  const clock = createManualClock();
  const fp = fakeProbe(clock);
  const m = createHealthMonitor({ clock, probe: fp.probe, concurrency: 2 });
  m.update([T('a'), T('b'), T('c')].map((t) => ({ ...t, check: { ...t.check, timeoutMs: 5000 } })));
  await flush();
  fp.of('a')[0]?.resolve(OK);
  clock.advance(666);
  await flush();
  const round = m.runRound([T('x')]);
  await flush();
  const running = fp.open();
  assert.deepEqual(running.map((c) => c.id), ['b', 'c']);
  let stopped = false;
  const stopping = m.stop().then(() => { stopped = true; });
  assert.ok(running.every((c) => c.signal.aborted));
  await stopping;
  assert.equal(stopped, true);
  const roundStates = await round;
  assert.equal(roundStates.get('x')?.status, 'down', 'a round cut short reports what it could not check');
  assert.equal(fp.calls.some((c) => c.id === 'x'), false, 'the queued round check never started');
  assert.deepEqual(clock.pending(), []);
  assert.deepEqual([...m.states().values()].map((s) => [s.id, s.status, s.consecutiveFail]), [['a', 'up', 0], ['b', 'unknown', 0], ['c', 'unknown', 0]]);
  const count = fp.calls.length;
  clock.advance(10_000);
  m.update([T('d')]);
  await flush();
  assert.equal(fp.calls.length, count, 'nothing runs after stop');
  await assert.rejects(m.runRound([T('a')]));
});

test('stop waits for a probe that ignores its signal only until its timeout on the clock', async () => {
  const clock = createManualClock();
  const fp = fakeProbe(clock, { honourAbort: false });
  const m = createHealthMonitor({ clock, probe: fp.probe });
  m.update([T('a', { timeoutMs: 500 })]);
  await flush();
  let stopped = false;
  const stopping = m.stop().then(() => { stopped = true; });
  await flush();
  assert.equal(stopped, false);
  clock.advance(500);
  await stopping;
  assert.equal(m.state('a')?.status, 'unknown');
});
