/**
 * Loads the config as soon as a file event arrives, while the debouncer waits for the burst to end.
 *
 * Why: the debouncer holds a config change for DEFAULT_DEBOUNCE_MS after the last event (an editor's
 * write + rename, a `git checkout` of several files must become one pass), and the pass then spent
 * about as long again loading the changed file: at 1,000 × 4 in the emulated VM of the benchmark,
 * 105 ms of debounce and then 115 ms of load for a 1% weight change, before the plan (issue 13). The
 * loader keeps its last parse and each file's declarations (desired/load.ts), so a load done here
 * leaves the pass's own load only the reading of the files and a comparison of their texts.
 *
 * Nothing here decides anything: the result is dropped, diagnostics included, and the pass loads
 * again and reports what it finds. A file still being written when it is read ahead costs a parse,
 * never a wrong table: the pass reads the final text. Events during a load are coalesced into one
 * more load after it, so the last text of a burst is the one read ahead.
 */
export interface ReadAhead {
  /** a config file changed: load now, or once more after the load in flight */
  trigger(): void;
  /** resolves when no load is in flight or due (tests, shutdown) */
  idle(): Promise<void>;
  /** loads done so far */
  readonly loads: number;
}

export function createReadAhead(load: () => Promise<unknown>, onError: (err: unknown) => void): ReadAhead {
  let inFlight: Promise<void> | null = null;
  let again = false;
  let loads = 0;
  const run = async (): Promise<void> => {
    do {
      again = false;
      loads++;
      try {
        await load();
      } catch (err) {
        onError(err);
      }
    } while (again);
  };
  return {
    trigger() {
      if (inFlight) { again = true; return; }
      inFlight = run().finally(() => { inFlight = null; });
    },
    idle: () => inFlight ?? Promise.resolve(),
    get loads() { return loads; },
  };
}
