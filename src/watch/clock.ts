/**
 * Time, injected: the loop, the debouncer and the status cache take a Clock so tests drive them
 * with a manual clock and no real sleeps. Only systemClock touches real timers.
 */
export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  /** run fn once after ms; returns a function that cancels it */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
