import { closeSync, linkSync, mkdirSync, openSync, readlinkSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { lstatOrNull, readStateFile, setAside, stateFileWarning, type Parsed, type StateFileProblem } from './recover.js';

export class LockedError extends Error {
  constructor(readonly path: string, readonly holder: number) {
    super(`another lvsync (pid ${holder}) is applying to this director (lock ${path}); wait for it to finish`);
    this.name = 'LockedError';
  }
}

export const LOCK_FILE = 'apply.lock';

/** What lvsync does instead of honouring a bad lock file, for the STATE_FILE warning. */
export const LOST_LOCK_INSTEAD = 'lvsync takes the lock: a running lvsync writes its pid before its lock file appears, '
  + 'so a lock file without one is not a running lvsync\'s';

/** Is process `pid` still there? EPERM: it is, under another user. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A pid that is alive but runs another program than ours: the lvsync that wrote the lock died
 * (SIGKILL, a reboot: the state directory outlives both) and the pid was given to something else.
 * Unknown (no /proc, not allowed to look) counts as ours, as before.
 */
function reusedPid(pid: number): boolean {
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return false;
  }
  return basename(exe.replace(/ \(deleted\)$/, '')) !== basename(process.execPath);
}

export function parseLock(text: string): Parsed<number> {
  const m = /^\s*(\d+)\s*$/.exec(text);
  const pid = m ? Number(m[1]) : NaN;
  if (Number.isSafeInteger(pid) && pid > 0) return { ok: pid };
  const shown = text.trim().slice(0, 40);
  return { invalid: shown === '' ? 'is empty (no pid)' : `holds no pid (${JSON.stringify(shown)})` };
}

// the lock with our pid in it, all at once: written beside it, then linked into place (link never
// replaces an existing file), so no reader ever sees a lock file without its pid. Synchronous, like
// every state file's I/O (atomic.ts says why).
function createLock(path: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // a file system without hard links: create it exclusively and write the pid after, as lvsync did before
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createExclusively(path);
    throw err;
  } finally {
    unlinkQuietly(tmp);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function createExclusively(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

export interface LockOptions {
  /** told about a bad lock file that was moved aside (STATE_FILE) */
  readonly report?: (warning: Diagnostic) => void;
  /** the time in the `.corrupt-` name */
  readonly now?: () => number;
}

/**
 * Two applies interleaving their -R batches would each verify against the other's half-done table.
 * The lock is a file holding the pid of its holder. A lock whose process is gone, or whose pid now
 * runs another program, is stale and taken over; a lock file that holds no pid, is not a file or
 * cannot be read is moved aside (STATE_FILE) and taken, so no broken file blocks applies forever.
 */
export async function acquireLock(stateDir: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, LOCK_FILE);
  const recover = { repair: true, ...(options.now ? { now: options.now } : {}) };
  let stuck: string | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createLock(path)) return async () => { unlinkQuietly(path); };
    const read = await readStateFile(path, parseLock, recover);
    let problem: StateFileProblem | null = read.problem;
    // there, but nothing to open: a symbolic link to nowhere (or the holder just released it)
    if (!problem && read.value === null && lstatOrNull(path)?.isSymbolicLink()) {
      problem = await setAside(path, 'is a symbolic link to nothing', null, recover);
    }
    if (problem) {
      // not moved: replaced meanwhile (another lvsync dealt with it: try again), or not movable at all
      if (problem.movedTo === null) stuck = `the lock ${path} ${problem.reason} and could not be moved aside (${problem.moveError ?? 'unknown error'}); remove it, then run lvsync again`;
      else options.report?.(stateFileWarning(problem, LOST_LOCK_INSTEAD));
      continue;
    }
    if (read.value === null) continue; // released meanwhile
    if (processAlive(read.value) && !reusedPid(read.value)) throw new LockedError(path, read.value);
    unlinkQuietly(path);
  }
  throw new Error(stuck ?? `could not take the lock ${path}`);
}
