import type { Clock } from './clock.js';

/**
 * Loads the config soon after a file event, while the debouncer waits for the burst to end.
 *
 * Why: the debouncer holds a config change for DEFAULT_DEBOUNCE_MS after the last event (an editor's
 * write + rename, a `git checkout` of several files must become one pass), and the pass then spent
 * about as long again loading the changed file: at 1,000 × 4 in the emulated VM of the benchmark,
 * 105 ms of debounce and then 115 ms of load for a 1% weight change, before the plan (issue 13). The
 * loader keeps its last parse and each file's declarations (desired/load.ts), so a load done here
 * leaves the pass's own load only the reading of the files and a comparison of their texts.
 *
 * The load starts once the events have paused for settleMs, so the events of one save or one rename
 * (a few milliseconds apart) share one load, and a `git checkout` of N files does not load N times.
 * Events during a load are coalesced into one more load after it. Nothing here decides anything: the
 * result is dropped, diagnostics included, and the pass loads again and reports what it finds. A
 * file still being written when it is read ahead costs a parse, never a wrong table.
 */
export interface ReadAhead {
  /** a config file changed: load once the events pause, or once more after the load in flight */
  trigger(): void;
  /** drop a load that has not started; resolves when none is in flight */
  stop(): Promise<void>;
}

export function createReadAhead(clock: Clock, settleMs: number, load: () => Promise<unknown>, onError: (err: unknown) => void): ReadAhead {
  let inFlight: Promise<void> | null = null;
  let again = false;
  let cancelTimer: (() => void) | null = null;
  let stopped = false;
  const run = async (): Promise<void> => {
    do {
      again = false;
      try {
        await load();
      } catch (err) {
        onError(err);
      }
    } while (again && !stopped);
  };
  const start = () => {
    cancelTimer = null;
    if (stopped) return;
    if (inFlight) { again = true; return; }
    inFlight = run().finally(() => { inFlight = null; });
  };
  return {
    trigger() {
      if (stopped) return;
      cancelTimer?.();
      cancelTimer = clock.setTimeout(start, settleMs);
    },
    async stop() {
      stopped = true;
      cancelTimer?.();
      cancelTimer = null;
      await inFlight;
    },
  };
}
