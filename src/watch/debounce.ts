import type { Clock } from './clock.js';

/**
 * Trailing-edge debounce on an injected clock: a burst of file events (an editor's write + rename,
 * a `git checkout` touching many files, a ConfigMap's symlink swap) becomes one call, quietMs after
 * the last event. maxWaitMs bounds the delay under a never-ending stream of events.
 */
export interface Debouncer {
  trigger(): void;
  cancel(): void;
}

export function createDebouncer(clock: Clock, quietMs: number, fn: () => void, maxWaitMs = quietMs * 10): Debouncer {
  let cancel: (() => void) | null = null;
  let firstAt: number | null = null;
  const fire = () => {
    cancel = null;
    firstAt = null;
    fn();
  };
  return {
    trigger() {
      const now = clock.now();
      firstAt ??= now;
      cancel?.();
      const wait = Math.max(0, Math.min(quietMs, firstAt + maxWaitMs - now));
      cancel = clock.setTimeout(fire, wait);
    },
    cancel() {
      cancel?.();
      cancel = null;
      firstAt = null;
    },
  };
}
