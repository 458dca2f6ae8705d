import type { Clock } from '../watch/clock.js';
import { EXEC_CHECKS_MAX } from './budget.js';
import { createSlots, type QueuedJob, type Slots } from './slots.js';
import { initialHealth, nextHealth } from './state.js';
import type { HealthCheckSpec, HealthState, HealthTarget, HealthTransition, Probe, ProbeResult, ProbeTarget } from './types.js';

/**
 * Runs the checks of every real server on a schedule and keeps their health states. All effects
 * come in through the injected probe and clock, so tests drive it with fake probes and a manual
 * clock. Two promises it keeps whatever the servers do: a target is never checked twice at once,
 * and a hanging server cannot hold a probe slot past its timeout, so it never delays the others.
 *
 * Each server is checked on its own interval, counted from when its previous check fell due. The
 * first checks of servers added together are spread evenly over their interval (the i-th of n
 * after i/n of it), so that 50k servers make a steady 10k checks a second at a 5 s interval, not
 * 50k at once every 5 s: a burst that size would delay the probes' own results past their
 * timeouts and the watch loop's pass behind them. Socket checks and exec checks have separate
 * slots (budget.ts sizes them from the open-file limit), so a slow exec check never holds up a
 * tcp one and thousands of sockets never mean thousands of processes.
 */

export interface HealthMonitorDeps {
  readonly clock: Clock;
  readonly probe: Probe;
  /** tcp/http/https probes in flight at most (default 64; the daemon sizes it from the open-file limit, budget.ts); the rest wait in the order they fell due */
  readonly concurrency?: number;
  /** exec probes in flight at most (default: concurrency, up to 64) */
  readonly execConcurrency?: number;
  /** probes started per turn of the event loop at most, and how to wait for the next turn (slots.ts) */
  readonly burst?: number;
  readonly defer?: (fn: () => void) => void;
  /** every status change, unknown → up included; must not throw */
  readonly onTransition?: (t: HealthTransition) => void;
  /** after every scheduled probe; must not throw */
  readonly onResult?: (id: string, result: ProbeResult) => void;
  /** saved states (parseHealth): a target with one of these ids starts from it instead of unknown */
  readonly initial?: Iterable<HealthState>;
}

export interface HealthMonitor {
  /** the targets to check from now on (after every config load) */
  update(targets: readonly HealthTarget[]): void;
  states(): ReadonlyMap<string, HealthState>;
  state(id: string): HealthState | undefined;
  /** every check once, each result decisive, leaving the scheduled states alone (`--health`) */
  runRound(targets: readonly HealthTarget[]): Promise<ReadonlyMap<string, HealthState>>;
  /** cancels the schedule and aborts the probes in flight; resolves when they have settled */
  stop(): Promise<void>;
}

export function createHealthMonitor(deps: HealthMonitorDeps): HealthMonitor {
  const { clock, probe, onTransition, onResult } = deps;
  // a NaN limit would never start anything: fall back to a small one rather than hang
  const whole = (n: number | undefined, fallback: number) => Math.max(1, Math.floor(n !== undefined && Number.isFinite(n) ? n : fallback));
  const concurrency = whole(deps.concurrency, 64);
  const slotOptions = { ...(deps.burst !== undefined ? { burst: deps.burst } : {}), ...(deps.defer ? { defer: deps.defer } : {}) };
  const socketSlots = createSlots(concurrency, slotOptions);
  const execSlots = createSlots(whole(deps.execConcurrency, Math.min(concurrency, EXEC_CHECKS_MAX)), slotOptions);
  const slotsFor = (check: HealthCheckSpec): Slots => (check.type === 'exec' ? execSlots : socketSlots);
  const allSlots = [socketSlots, execSlots];
  const defer = deps.defer ?? ((fn: () => void) => { setImmediate(fn); });
  const saved = new Map<string, HealthState>();
  for (const s of deps.initial ?? []) saved.set(s.id, s);
  const entries = new Map<string, Entry>();
  const inFlight = new Set<AbortController>();
  /** the scheduled probe in flight per id, whichever entry started it */
  const settling = new Map<string, Promise<void>>();
  let stopped = false;

  /**
   * One probe raced against the clock: a probe that ignores its signal still ends at timeoutMs.
   * The verdict waits for the rest of the event loop's turn (defer): timers run before I/O in a
   * turn, so after a busy stretch (a big pass) an answer already in the socket would otherwise
   * lose to its deadline and a healthy server would count a failure.
   */
  const checkOnce = (ht: HealthTarget, abort: AbortController): Promise<ProbeResult> =>
    new Promise<ProbeResult>((resolve) => {
      const startedAt = clock.now();
      let done = false;
      const finish = (r: ProbeResult) => {
        if (done) return;
        done = true;
        cancelTimeout();
        inFlight.delete(abort);
        resolve(r);
      };
      const cancelTimeout = clock.setTimeout(() => defer(() => {
        if (done) return;
        abort.abort(new Error('timeout'));
        finish({ ok: false, detail: `timed out after ${ht.check.timeoutMs} ms`, durationMs: clock.now() - startedAt });
      }), ht.check.timeoutMs);
      inFlight.add(abort);
      Promise.resolve()
        // aborted before it began (stop or update in the same tick): do not start it at all
        .then(() => (abort.signal.aborted ? { ok: false, detail: 'aborted', durationMs: 0 } : probe(ht.check, ht.target, abort.signal)))
        .then((r) => finish(sanitize(r)), (err: unknown) => finish({ ok: false, detail: `probe failed: ${err instanceof Error ? err.message : String(err)}`, durationMs: clock.now() - startedAt }));
    });

  /** queue a check that falls due now (e.dueAt set by the caller) */
  const enqueue = (e: Entry) => {
    e.phase = 'queued';
    const gen = e.gen;
    e.job = slotsFor(e.check).push(() => runScheduled(e, gen));
  };
  const enqueueNow = (e: Entry) => {
    e.dueAt = clock.now();
    enqueue(e);
  };
  /** the next check falls due at `at`; a timer that fires while one still runs only marks it due */
  const scheduleAt = (e: Entry, at: number) => {
    e.dueAt = at;
    e.cancelTimer = clock.setTimeout(() => {
      e.cancelTimer = null;
      if (e.phase === 'running') e.dueAgain = true;
      else if (e.phase === 'waiting') enqueue(e);
    }, at - clock.now());
  };

  const runScheduled = async (e: Entry, gen: number): Promise<void> => {
    e.phase = 'running';
    e.job = null;
    const abort = new AbortController();
    e.abort = abort;
    // a target removed and added again may still have its old, aborted probe settling (at most
    // until its timeout): wait for it, so one server never sees two checks at once
    const prior = settling.get(e.id);
    if (prior !== undefined) {
      await prior;
      if (stopped || entries.get(e.id) !== e) return;
    }
    // the next check is due an interval after this one was due, so a late start (a busy event
    // loop, a full queue) does not push the rest of the schedule back; if it is due while this
    // one still runs, it starts as soon as this one ends, never beside it
    scheduleAt(e, nextDueAt(e.dueAt, e.check.intervalMs, clock.now()));
    const checking = checkOnce({ target: e.target, check: e.check }, abort);
    const done = checking.then(() => undefined);
    settling.set(e.id, done);
    const result = await checking;
    if (settling.get(e.id) === done) settling.delete(e.id);
    e.abort = null;
    if (stopped || entries.get(e.id) !== e) return;
    e.phase = 'waiting';
    if (gen !== e.gen) {
      // the check changed under this probe: its result is about the old check; start afresh
      // (dropping the old schedule's timer, in case it was set after the change)
      e.cancelTimer?.();
      e.cancelTimer = null;
      e.dueAgain = false;
      enqueueNow(e);
      return;
    }
    const before = e.state;
    e.state = nextHealth(before, result, e.check, clock.now());
    if (e.dueAgain) {
      e.dueAgain = false;
      enqueue(e);
    }
    notify(() => onResult?.(e.id, result));
    if (e.state.status !== before.status) {
      const t: HealthTransition = { id: e.id, from: before.status, to: e.state.status, state: e.state, target: e.target };
      notify(() => onTransition?.(t));
    }
  };

  /** Forget a target: no timer, no queued check, its probe aborted and its result ignored. */
  const drop = (e: Entry) => {
    e.cancelTimer?.();
    e.cancelTimer = null;
    if (e.job) e.job.cancel();
    e.job = null;
    e.abort?.abort(new Error('removed'));
  };

  return {
    update(targets) {
      if (stopped) return;
      const next = new Map<string, HealthTarget>();
      for (const t of targets) if (!next.has(t.target.id)) next.set(t.target.id, t);
      for (const [id, e] of entries) {
        if (next.has(id)) continue;
        drop(e);
        entries.delete(id);
      }
      const added: Entry[] = [];
      for (const [id, ht] of next) {
        const key = checkKey(ht.check);
        const e = entries.get(id);
        if (e === undefined) {
          const state = saved.get(id) ?? initialHealth(id);
          // a saved state serves the first appearance only: after a removal it is stale
          saved.delete(id);
          const fresh: Entry = { id, target: ht.target, check: ht.check, key, state, phase: 'waiting', dueAt: 0, cancelTimer: null, job: null, abort: null, dueAgain: false, gen: 0 };
          entries.set(id, fresh);
          added.push(fresh);
          continue;
        }
        e.target = ht.target;
        if (e.key === key) continue;
        // same server, new check: keep what we know of it, check it now with the new spec
        const oldSlots = slotsFor(e.check);
        e.check = ht.check;
        e.key = key;
        e.gen++;
        e.cancelTimer?.();
        e.cancelTimer = null;
        e.dueAgain = false;
        if (e.phase === 'running') e.abort?.abort(new Error('check changed'));
        else if (e.phase === 'waiting') enqueueNow(e);
        else if (slotsFor(e.check) !== oldSlots) {
          // queued for the other kind's slots (tcp became exec, or back): queue it where it now belongs
          e.job?.cancel();
          enqueue(e);
        }
        // queued for the same slots: it runs with the new spec when its turn comes
      }
      // the i-th of n new targets is first checked after i/n of its interval: the first one now
      const now = clock.now();
      added.forEach((e, i) => {
        const delay = Math.floor((i * e.check.intervalMs) / added.length);
        if (delay === 0) enqueueNow(e);
        else scheduleAt(e, now + delay);
      });
    },

    states: () => new Map([...entries].map(([id, e]) => [id, e.state])),
    state: (id) => entries.get(id)?.state,

    async runRound(targets) {
      if (stopped) throw new Error('the health monitor is stopped');
      const results = new Map<string, HealthState>();
      const unique = new Map<string, HealthTarget>();
      for (const t of targets) if (!unique.has(t.target.id)) unique.set(t.target.id, t);
      await Promise.all(
        [...unique.values()].map(
          (ht) =>
            new Promise<void>((resolve) => {
              const id = ht.target.id;
              const base = entries.get(id)?.state ?? saved.get(id) ?? initialHealth(id);
              const record = (r: ProbeResult) => {
                const decisive: HealthCheckSpec = { ...ht.check, rise: 1, fall: 1 };
                results.set(id, nextHealth(base, r, decisive, clock.now()));
                resolve();
              };
              // made when the check starts: 50k waiting checks need no 50k AbortControllers
              slotsFor(ht.check).push(
                () => checkOnce(ht, new AbortController()).then(record),
                () => record({ ok: false, detail: 'aborted', durationMs: 0 }),
              );
            }),
        ),
      );
      return new Map([...unique.keys()].map((id) => [id, results.get(id)!]));
    },

    async stop() {
      if (!stopped) {
        stopped = true;
        for (const e of entries.values()) drop(e);
        for (const s of allSlots) s.cancelQueued();
        for (const abort of inFlight) abort.abort(new Error('stopped'));
      }
      await Promise.all(allSlots.map((s) => s.idle()));
    },
  };
}

// --- internal ---

interface Entry {
  readonly id: string;
  target: ProbeTarget;
  check: HealthCheckSpec;
  /** checkKey(check): what "the spec is unchanged" means */
  key: string;
  state: HealthState;
  /** waiting: its next check is on a timer; queued: due, waiting for a slot; running: in flight */
  phase: 'waiting' | 'queued' | 'running';
  /** when the next (or the queued, or the running) check fell due: the schedule's anchor */
  dueAt: number;
  cancelTimer: (() => void) | null;
  job: QueuedJob | null;
  abort: AbortController | null;
  /** the interval ended while a check ran */
  dueAgain: boolean;
  /** bumped when the check changes, so a result of the old check is recognised and ignored */
  gen: number;
}

/**
 * The first due time after `now` on the grid due + k × interval: a check that started late keeps
 * its place in the spread of all checks, and one that ran more than an interval late skips the
 * checks it missed rather than running them back to back.
 */
export function nextDueAt(due: number, intervalMs: number, now: number): number {
  const interval = Math.max(1, intervalMs);
  const next = due + interval;
  return next >= now ? next : next + (Math.floor((now - next) / interval) + 1) * interval;
}

/** Every field in a fixed order: the normalizer's key order must not count as a change. */
function checkKey(c: HealthCheckSpec): string {
  return JSON.stringify([c.type, c.port, c.path, c.expectStatus, c.expectBody, c.host, c.command, c.intervalMs, c.timeoutMs, c.rise, c.fall, c.onFailure]);
}

/** A probe is foreign code: keep only the fields of a ProbeResult, and keep them typed. */
function sanitize(r: ProbeResult): ProbeResult {
  const ok = r?.ok === true;
  const detail = typeof r?.detail === 'string' ? r.detail : ok ? 'ok' : 'failed';
  const durationMs = typeof r?.durationMs === 'number' && Number.isFinite(r.durationMs) ? r.durationMs : 0;
  return { ok, detail, durationMs };
}

/** A throwing callback is a bug of the caller's: surface it loudly, but not inside our bookkeeping. */
function notify(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}
