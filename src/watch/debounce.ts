import type { Clock } from './clock.js';

/**
 * Trailing-edge debounce on an injected clock: a burst of file events (an editor's write + rename,
 * a `git checkout` touching many files, a ConfigMap's symlink swap) becomes one call, quietMs after
 * the last event. maxWaitMs bounds the delay under a never-ending stream of events.
 */
export interface Debouncer {
  /** something changed now: call quietMs after the last change (at most maxWaitMs after the first) */
  trigger(): void;
  /**
   * A due call waits until at least `at`. For the daemon's read-ahead, which holds the event loop:
   * the file events that came while it read are handed over only after it, and must still count.
   */
  holdUntil(at: number): void;
  cancel(): void;
}

export function createDebouncer(clock: Clock, quietMs: number, fn: () => void, maxWaitMs = quietMs * 10): Debouncer {
  let cancel: (() => void) | null = null;
  let firstAt: number | null = null;
  let dueAt = 0;
  const fire = () => {
    cancel = null;
    firstAt = null;
    fn();
  };
  const schedule = (at: number) => {
    cancel?.();
    dueAt = at;
    cancel = clock.setTimeout(fire, Math.max(0, at - clock.now()));
  };
  return {
    trigger() {
      const now = clock.now();
      firstAt ??= now;
      schedule(Math.min(now + quietMs, firstAt + maxWaitMs));
    },
    holdUntil(at) {
      if (cancel && dueAt < at) schedule(at);
    },
    cancel() {
      cancel?.();
      cancel = null;
      firstAt = null;
    },
  };
}
