import type { Clock } from './clock.js';

/**
 * The level-based reconcile loop (STYLE habit 10, after controller-runtime's reconcileHandler).
 * Triggers (file events, SIGHUP, the interval timer) only *request* a pass; each pass does all the
 * work from scratch. Passes never overlap: requests that arrive during a pass are coalesced into one
 * more pass. A pass that reports a retryable failure is retried with capped exponential backoff.
 */

export type TriggerReason = 'startup' | 'config-changed' | 'interval' | 'retry' | 'sighup' | 'health' | 'drain';

export interface PassVerdict {
  /** a retryable failure (ipvsadm, lock, live table): the next pass waits for the backoff */
  readonly retry: boolean;
  /** come back sooner than the interval (drains in progress: their connection counts are polled) */
  readonly soonMs?: number;
}

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 300_000 };

export interface LoopOptions {
  readonly clock: Clock;
  /** drift check: a pass this long after the last one ended */
  readonly intervalMs: number;
  readonly backoff?: Backoff;
  readonly pass: (reasons: readonly TriggerReason[]) => Promise<PassVerdict>;
  /** told when the next timer-driven pass is due (for logging the backoff) */
  readonly onSchedule?: (reason: 'interval' | 'retry', delayMs: number, consecutiveFailures: number) => void;
  /** the pass threw (a bug: passes classify their own errors); the loop carries on as after a retryable failure */
  readonly onPassError?: (err: unknown) => void;
}

export interface ReconcileLoop {
  /** the first pass, now */
  start(): void;
  request(reason: TriggerReason): void;
  /** no new passes; resolves when the current one (if any) has finished */
  stop(): Promise<void>;
  /** resolves when no pass is running or queued (for tests) */
  idle(): Promise<void>;
  readonly state: { readonly passes: number; readonly consecutiveFailures: number; readonly nextPassAt: number | null; readonly running: boolean };
}

/** 1 s, 2 s, 4 s … capped: never a busy loop, and a recovered ipvsadm is noticed within maxMs. */
export function backoffDelay(failures: number, backoff: Backoff): number {
  if (failures <= 0) return 0;
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures - 1, 30));
}

export function createReconcileLoop(options: LoopOptions): ReconcileLoop {
  const { clock, intervalMs } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const pending = new Set<TriggerReason>();
  let running: Promise<void> | null = null;
  let queued = false;
  let stopped = false;
  let cancelTimer: (() => void) | null = null;
  let nextPassAt: number | null = null;
  let passes = 0;
  let failures = 0;
  let soonMs: number | null = null;
  let idleWaiters: (() => void)[] = [];

  // a request parked behind a backoff timer is not "busy": it waits for the clock
  const isIdle = () => !running && !queued;
  const notifyIdle = () => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };
  const clearTimer = () => {
    cancelTimer?.();
    cancelTimer = null;
    nextPassAt = null;
  };

  function schedule(): void {
    clearTimer();
    const retrying = failures > 0;
    const soon = !retrying && soonMs !== null && soonMs < intervalMs;
    const delay = retrying ? backoffDelay(failures, backoff) : soon ? soonMs! : intervalMs;
    nextPassAt = clock.now() + delay;
    options.onSchedule?.(retrying ? 'retry' : 'interval', delay, failures);
    cancelTimer = clock.setTimeout(() => {
      cancelTimer = null;
      nextPassAt = null;
      request(retrying ? 'retry' : soon ? 'drain' : 'interval', true);
    }, delay);
  }

  async function drain(): Promise<void> {
    while (pending.size > 0 && !stopped) {
      const reasons = [...pending];
      pending.clear();
      passes++;
      let verdict: PassVerdict;
      try {
        verdict = await options.pass(reasons);
      } catch (err) {
        options.onPassError?.(err);
        verdict = { retry: true };
      }
      failures = verdict.retry ? failures + 1 : 0;
      soonMs = verdict.soonMs ?? null;
    }
  }

  function request(reason: TriggerReason, fromTimer = false): void {
    if (stopped) return;
    pending.add(reason);
    if (running || queued) return; // coalesced into the running or queued pass
    // while backing off, only the timer and an explicit SIGHUP start a pass: a noisy config
    // directory must not turn a broken ipvsadm into a busy loop
    if (!fromTimer && failures > 0 && cancelTimer && reason !== 'sighup') return;
    clearTimer();
    queued = true;
    // a microtask, so that a synchronous burst of requests becomes one pass
    queueMicrotask(() => {
      queued = false;
      if (stopped) { pending.clear(); notifyIdle(); return; }
      running = drain().finally(() => {
        running = null;
        if (!stopped) schedule();
        notifyIdle();
      });
    });
  }

  return {
    start: () => request('startup'),
    request: (reason) => request(reason),
    async stop() {
      stopped = true;
      clearTimer();
      pending.clear();
      await running;
      notifyIdle();
    },
    idle() {
      return isIdle() ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
    get state() {
      return { passes, consecutiveFailures: failures, nextPassAt, running: running !== null };
    },
  };
}
