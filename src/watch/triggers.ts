import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/**
 * The file-system trigger: chokidar watches the config paths and reports "something changed".
 * It never says what: the loop is level-based, so a spurious event costs one pass that finds
 * nothing to do, while a missed event would cost up to one --interval. That is why it casts a
 * wide net:
 *  - the paths themselves, recursively, following symlinks (ConfigMap entries link into ..data,
 *    and the ..data symlink swap shows up as events inside the directory);
 *  - each path's parent directory, filtered to the path's own name, so editors' atomic saves
 *    (write a temporary file, rename over), a file that appears or disappears, and a symlink
 *    replaced by `ln -sfn` or `git checkout` are all seen;
 *  - the parent of every symlink on the way to each path, for a swapped `current -> release-N`.
 * refresh() re-resolves the real paths and restarts the watchers when a swap moved them, which the
 * daemon does before every pass and on SIGHUP, so even a change that produced no event is picked
 * up at the next interval.
 */

export interface DesiredWatcher {
  /** resolves once the initial scan is done: events from then on are reported */
  readonly ready: Promise<void>;
  /** re-resolve symlinks; restarts the watchers and returns true when a real path moved */
  refresh(): Promise<boolean>;
  close(): Promise<void>;
}

export interface WatchOptions {
  readonly onChange: (path: string) => void;
  readonly onError?: (err: unknown) => void;
}

interface Entry {
  readonly dir: string;
  readonly name: string;
}

// synchronous: refresh() runs before every pass, and an asynchronous realpath is a thread-pool round
// trip, 10-20 ms of a config change's pass in the emulated VM of the benchmark (issue 13)
function realOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** (dir, name) for the path itself and for every symlink among its ancestors. */
function entriesFor(path: string): Entry[] {
  const abs = resolve(path);
  const entries: Entry[] = [{ dir: dirname(abs), name: basename(abs) }];
  for (let p = dirname(abs); p !== dirname(p); p = dirname(p)) {
    let info;
    try {
      info = lstatSync(p);
    } catch {
      info = null;
    }
    if (info?.isSymbolicLink()) entries.push({ dir: dirname(p), name: basename(p) });
  }
  return entries;
}

function onceReady(w: FSWatcher): Promise<void> {
  return new Promise((res) => w.once('ready', () => res()));
}

export function watchDesired(paths: readonly string[], options: WatchOptions): DesiredWatcher {
  let watchers: FSWatcher[] = [];
  let resolved: (string | null)[] = [];
  let closed = false;

  async function start(): Promise<void> {
    resolved = paths.map(realOrNull);
    const entries = paths.flatMap(entriesFor);
    const names = new Map<string, Set<string>>();
    for (const e of entries) names.set(e.dir, (names.get(e.dir) ?? new Set()).add(e.name));
    if (closed) return;
    const report = (path: string) => { if (!closed) options.onChange(path); };
    const targets = watch(paths.map((p) => resolve(p)), { ignoreInitial: true, followSymlinks: true, atomic: true });
    targets.on('all', (_event, path) => report(path));
    const parents = watch([...names.keys()], {
      ignoreInitial: true,
      depth: 0,
      followSymlinks: false,
      // only the watched names in each parent, never its other files
      ignored: (path) => {
        const dir = dirname(path);
        return names.has(dir) ? !names.get(dir)!.has(basename(path)) : !names.has(path);
      },
    });
    parents.on('all', (_event, path) => report(path));
    for (const w of [targets, parents]) w.on('error', (err) => options.onError?.(err));
    watchers = [targets, parents];
    await Promise.all(watchers.map(onceReady));
  }

  async function stop(): Promise<void> {
    const old = watchers;
    watchers = [];
    await Promise.all(old.map((w) => w.close()));
  }

  const ready = start();
  // refreshes run one at a time (a pass and a SIGHUP may ask together)
  let chain: Promise<unknown> = ready;
  async function refreshNow(): Promise<boolean> {
    const now = paths.map(realOrNull);
    if (closed || now.every((r, i) => r === resolved[i])) return false;
    await stop();
    await start();
    return true;
  }
  return {
    ready,
    refresh() {
      const next = chain.catch(() => undefined).then(refreshNow);
      chain = next;
      return next;
    },
    async close() {
      closed = true;
      await chain.catch(() => undefined);
      await stop();
    },
  };
}
