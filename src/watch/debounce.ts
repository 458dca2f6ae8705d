import type { Clock } from './clock.js';

/**
 * Trailing-edge debounce on an injected clock: a burst of file events (an editor's write + rename,
 * a `git checkout` touching many files, a ConfigMap's symlink swap) becomes one call, quietMs after
 * the last event. maxWaitMs bounds the delay under a never-ending stream of events.
 */
export interface Debouncer {
  /** something changed at `at` (default: now): call quietMs after it, unless something changes later */
  trigger(at?: number): void;
  /** open a window at now if none is open; an open one is left as it is */
  open(): void;
  cancel(): void;
  /** a call is due */
  readonly pending: boolean;
}

export function createDebouncer(clock: Clock, quietMs: number, fn: () => void, maxWaitMs = quietMs * 10): Debouncer {
  let cancel: (() => void) | null = null;
  let firstAt: number | null = null;
  let lastAt = -Infinity;
  const fire = () => {
    cancel = null;
    firstAt = null;
    lastAt = -Infinity;
    fn();
  };
  const trigger = (at = clock.now()) => {
    const now = clock.now();
    firstAt ??= Math.min(at, now);
    // a change seen late (a read that started before the last one ended) never shortens the window
    lastAt = Math.max(lastAt, Math.min(at, now));
    cancel?.();
    const wait = Math.max(0, Math.min(lastAt + quietMs, firstAt + maxWaitMs) - now);
    cancel = clock.setTimeout(fire, wait);
  };
  return {
    trigger,
    open() {
      if (!cancel) trigger();
    },
    cancel() {
      cancel?.();
      cancel = null;
      firstAt = null;
      lastAt = -Infinity;
    },
    get pending() {
      return cancel !== null;
    },
  };
}
