import { closeSync, fstatSync, lstatSync, openSync, readFileSync, renameSync, type Stats } from 'node:fs';
import type { Diagnostic } from '../diagnostics.js';

/** The files of the state directory, as metrics and reports name them. */
export const STATE_FILE_NAMES = ['inventory.json', 'drains.json', 'health.json', 'apply.lock'] as const;

/**
 * Issue 13: a state file lvsync cannot use must never stop it. Whatever is wrong with the file (not
 * JSON, JSON of another shape or version, a directory in its place, unreadable), it is moved aside
 * as `<name>.corrupt-<UTC time>` (kept for a post-mortem, and so it is reported once rather than at
 * every run), reported as a STATE_FILE warning that names the file and says what lvsync does instead,
 * and the caller carries on with that file's safe default. Commands that never write the state
 * directory (plan, status, watch --detect-only) only report it and leave it where it is.
 */

/** What a state file's parser says about its text: the value, or why it is not one. */
export type Parsed<T> = { readonly ok: T } | { readonly invalid: string };

export interface StateFileProblem {
  readonly path: string;
  /** why the file cannot be used: "is not valid JSON (…)", "is a directory", … */
  readonly reason: string;
  /** where it now is; null when it was left in place (see moveError, or a command that only reads) */
  readonly movedTo: string | null;
  /** why moving it aside failed */
  readonly moveError?: string;
}

export interface RecoverOptions {
  /** move a bad file aside (commands that write the state directory); false: only report it */
  readonly repair: boolean;
  /** the time in the `.corrupt-` name; defaults to Date.now */
  readonly now?: () => number;
}

/** `value` is null when the file is missing (a first run) or unusable (`problem` says why). */
export interface StateRead<T> {
  readonly value: T | null;
  readonly problem: StateFileProblem | null;
}

/** 20261206T043800Z: sortable, and no character a shell or a file name minds. */
export function corruptStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function unreadableReason(err: unknown): string {
  const code = errnoOf(err);
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read: permission denied';
  return `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`;
}

interface Identity { readonly dev: number; readonly ino: number }

/**
 * Read and parse one state file. Read through one descriptor, so the identity used to move it aside
 * is that of the text that was judged: a file another process replaced meanwhile (the daemon
 * rewriting health.json) is left alone.
 */
export async function readStateFile<T>(path: string, parse: (text: string) => Parsed<T>, options: RecoverOptions): Promise<StateRead<T>> {
  let text: string;
  let identity: Identity | null = null;
  try {
    // synchronous, like every state file's I/O (atomic.ts says why)
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      identity = { dev: st.dev, ino: st.ino };
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return { value: null, problem: null };
    return { value: null, problem: await setAside(path, unreadableReason(err), identity, options) };
  }
  const parsed = parse(text);
  if ('ok' in parsed) return { value: parsed.ok, problem: null };
  return { value: null, problem: await setAside(path, parsed.invalid, identity, options) };
}

/** JSON.parse with the reason a person can act on, for parsers of state files. */
export function parseJson(text: string): Parsed<unknown> {
  if (text.trim() === '') return { invalid: 'is empty' };
  try {
    return { ok: JSON.parse(text) as unknown };
  } catch (err) {
    return { invalid: `is not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The usual first check: JSON, an object, our version. `what` names the file's kind for the message. */
export function parseVersioned(text: string, version: number, what: string): Parsed<Record<string, unknown>> {
  const json = parseJson(text);
  if (!('ok' in json)) return json;
  const data = json.ok;
  if (!isObject(data)) return { invalid: `is not ${what} (a JSON object with "version": ${version})` };
  if (data.version !== version) {
    return { invalid: data.version === undefined ? `is not ${what} (no "version")` : `has version ${JSON.stringify(data.version)}; this lvsync reads ${what} version ${version}` };
  }
  return { ok: data };
}

/** lstat, or null when there is nothing to look at (or it cannot be looked at) */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/** Move a bad file (or directory) aside under a name no other file has; never throws. */
export async function setAside(path: string, reason: string, identity: Identity | null, options: RecoverOptions): Promise<StateFileProblem> {
  if (!options.repair) return { path, reason, movedTo: null };
  try {
    if (identity) {
      const now = lstatOrNull(path);
      // replaced since it was read (or already moved by another lvsync): that is not the bad file
      if (!now || now.dev !== identity.dev || now.ino !== identity.ino) return { path, reason, movedTo: null, moveError: 'it was replaced or moved while lvsync read it' };
    }
    const base = `${path}.corrupt-${corruptStamp((options.now ?? Date.now)())}`;
    for (let n = 1; ; n++) {
      const target = n === 1 ? base : `${base}-${n}`;
      if (lstatOrNull(target)) continue;
      renameSync(path, target);
      return { path, reason, movedTo: target };
    }
  } catch (err) {
    return { path, reason, movedTo: null, moveError: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The STATE_FILE warning: the file (as `file`, so it prints as `PATH: warning[STATE_FILE]: …`), what
 * is wrong with it, where it went, and what lvsync does instead.
 */
export function stateFileWarning(problem: StateFileProblem, instead: string): Diagnostic {
  const where = problem.movedTo !== null
    ? `moved aside to ${problem.movedTo}`
    : problem.moveError !== undefined
      ? `could not be moved aside (${problem.moveError}), left in place`
      : 'left in place (this command only reads the state directory; lvsync apply or watch moves it aside)';
  return { severity: 'warning', code: 'STATE_FILE', file: problem.path, message: `${problem.reason}; ${where}; ${instead}` };
}
