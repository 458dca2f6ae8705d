import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { compareDiagnostics } from '../diagnostics.js';
import type { Diagnostic } from '../diagnostics.js';
import { declareAgain, type Declared } from './declare-reuse.js';
import { parseDesiredSources } from './parse.js';
import type { DesiredOptions, DesiredResult, DesiredSource } from './parse.js';
import type { DesiredState } from '../model/types.js';

/**
 * Reads the desired state from files and directories, then hands the text to the pure pipeline.
 * Directories are read the way Kubernetes mounts ConfigMaps: hidden entries (including the
 * `..data` / `..2024_…` machinery) are skipped, while the top-level symlinks into them are followed.
 *
 * The file system is read synchronously: a config is a few files on a local disk, read in
 * milliseconds, and each asynchronous call is a round trip through libuv's thread pool. In the
 * emulated VM of the benchmark the asynchronous stat, realpath and readFile of one 400 KB file took
 * 20-40 ms of a daemon's pass for a config change (issue 13); the reads themselves take under one.
 */

const YAML_FILE = /\.ya?ml$/;

type Found = { files: string[]; diagnostics: Diagnostic[] };

function readError(file: string, err: unknown): Diagnostic {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
  return { severity: 'error', code: 'FILE_READ', message: `cannot read ${file}: ${why}; check the path and its permissions`, file };
}

// keeps the user's spelling of the directory ("./conf/" stays "./conf/a.yaml")
function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

function walk(dir: string, seen: Set<string>, found: Found): void {
  let names: string[];
  try {
    const real = realpathSync(dir);
    if (seen.has(real)) return; // a symlink loop, or a directory reached twice
    seen.add(real);
    names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  } catch (err) {
    found.diagnostics.push(readError(dir, err));
    return;
  }
  for (const name of names) {
    const path = joinPath(dir, name);
    let info;
    try {
      info = statSync(path); // follows symlinks: ConfigMap entries are links into ..data
    } catch (err) {
      if (YAML_FILE.test(name)) found.diagnostics.push(readError(path, err));
      continue;
    }
    if (info.isDirectory()) walk(path, seen, found);
    else if (info.isFile() && YAML_FILE.test(name)) found.files.push(path);
  }
}

function collect(paths: readonly string[]): Found {
  const found: Found = { files: [], diagnostics: [] };
  for (const path of paths) {
    let info;
    try {
      info = statSync(path);
    } catch (err) {
      found.diagnostics.push(readError(path, err));
      continue;
    }
    if (!info.isDirectory()) { found.files.push(path); continue; }
    const inner: Found = { files: [], diagnostics: found.diagnostics };
    walk(path, new Set(), inner);
    if (inner.files.length === 0 && !found.diagnostics.some((d) => d.file === path)) {
      found.diagnostics.push({ severity: 'error', code: 'NO_FILES', message: `${path} contains no *.yaml or *.yml files; point lvsync at the directory that holds the desired state`, file: path });
    }
    found.files.push(...inner.files.sort(byPath));
  }
  return found;
}

function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Each file's bytes and text as last read. Bytes that are the same as last time (a memcmp) give the
 * same string back without decoding them again: the daemon reads every file at every pass, and the
 * UTF-8 decoding of an unchanged 400 KB file was 10-20 ms of a pass in the emulated VM (issue 13).
 * The same string object also makes the comparison with the last parse's texts an identity check.
 */
let lastRead = new Map<string, { readonly bytes: Buffer; readonly text: string }>();

function readText(file: string, next: Map<string, { readonly bytes: Buffer; readonly text: string }>): string {
  const bytes = readFileSync(file);
  const known = lastRead.get(file);
  const read = known && known.bytes.equals(bytes) ? known : { bytes, text: bytes.toString('utf8') };
  next.set(file, read);
  return read.text;
}

function readSources(files: readonly string[], diagnostics: Diagnostic[]): DesiredSource[] {
  const sources: DesiredSource[] = [];
  const seen = new Set<string>();
  const next = new Map<string, { readonly bytes: Buffer; readonly text: string }>();
  for (const file of files) {
    try {
      const real = realpathSync(file);
      if (seen.has(real)) continue; // the same file named twice (a directory and a file in it)
      seen.add(real);
      sources.push({ file, text: readText(file, next) });
    } catch (err) {
      diagnostics.push(readError(file, err));
    }
  }
  lastRead = next;
  return sources;
}

/**
 * The last parse, reused while every file has the same name and text. The daemon loads the config
 * on every pass and it rarely changes; parsing it (mostly the YAML library) was most of a no-change
 * pass at 10k services (bench/, issue 6), while comparing the texts costs a memcmp. The pipeline is
 * pure and its results are read-only, so reusing one is the same as recomputing it.
 */
let lastParse: { readonly sources: readonly DesiredSource[]; readonly director: string | undefined; readonly result: DesiredResult } | null = null;

function sameSources(a: readonly DesiredSource[], b: readonly DesiredSource[]): boolean {
  return a.length === b.length && a.every((s, i) => s.file === b[i]!.file && s.text === b[i]!.text);
}

/**
 * Each file's declarations (YAML + schema: about half of a parse), kept for the files of the last
 * load only. An unchanged file is not read again, and a changed one is declared from its services
 * that did not change where it can (declare-reuse.ts): a change to one service of many reads that
 * service again (issue 13). The rules and the normalisation still see every service, since a rule
 * may span services and files.
 */
let declared = new Map<string, Declared>();

// the director is part of the key: one text is a different desired state on another director
function parseUnlessUnchanged(sources: readonly DesiredSource[], options: DesiredOptions): DesiredResult {
  if (lastParse && lastParse.director === options.director && sameSources(lastParse.sources, sources)) return lastParse.result;
  const next = new Map<string, Declared>();
  const result = parseDesiredSources(sources, options, (file, text) => {
    const d = declareAgain(file, text, declared.get(file));
    next.set(file, d);
    return d.decls;
  });
  // the diagnostics have their lines and columns now: no Document is kept with the cache
  for (const d of next.values()) d.locator?.release();
  declared = next;
  lastParse = { sources, director: options.director, result };
  return result;
}

/** What rehearseChange appends to a line of one service: a comment, so the same services. */
export const REHEARSAL_COMMENT = ' # lvsync: rehearsal';

/**
 * The share of a file's service items a rehearsal touches: one in this many, the first included. Why
 * not one item: V8 optimises a function once it has run often enough, and the code that reads a
 * changed item runs once per item. Eight rehearsals of one item left it half-compiled, and the first
 * 10% real-server churn at 1,000 × 4 in the emulated VM of the benchmark spent 0.19 s reading its
 * 400 changed services where a warm load takes 0.11 s (issue 13: bench/load-change.ts in the VM).
 * One in ten is what such a churn changes, and stays far below the half above which the whole file is
 * declared again (declare-reuse.ts).
 */
export const REHEARSAL_SPREAD = 10;

/**
 * The work a config change does, done once on the last load's texts with one service item in
 * REHEARSAL_SPREAD touched (a comment appended to its last line), the result returned for a plan and the caches
 * left as they were. Why: the first change after start-up runs code V8 has not compiled yet. On the
 * host that is 37–49 ms against 10–20 ms for later changes at 1,000 × 4; in the emulated VM of the
 * benchmark, where V8's compilers run 20× slower, the first 1% weight change spent 0.5 s reading
 * 40 changed services of 1,000 (issue 13). A daemon rehearses once, idle after its first pass, so
 * the first real change finds that code compiled. Null when there is nothing to rehearse (no load
 * yet, or no file the per-service reuse can read).
 */
export function rehearseChange(): DesiredState | null {
  if (!lastParse) return null;
  const { sources, director } = lastParse;
  const target = sources.find((s) => declared.get(s.file)?.reuse);
  const split = target ? declared.get(target.file)!.reuse!.split : null;
  if (!target || !split) return null;
  // every REHEARSAL_SPREAD-th item, the first included
  let text = '';
  let from = 0;
  for (let i = 0; i < split.items.length; i += REHEARSAL_SPREAD) {
    const end = split.items[i]!.end;
    text += target.text.slice(from, end) + REHEARSAL_COMMENT;
    from = end;
  }
  text += target.text.slice(from);
  const touched = sources.map((s) => (s === target ? { file: s.file, text } : s));
  const made: [string, Declared][] = [];
  const result = parseDesiredSources(touched, director === undefined ? {} : { director }, (file, t) => {
    const d = declareAgain(file, t, declared.get(file));
    made.push([file, d]);
    return d.decls;
  });
  for (const [file, d] of made) if (d !== declared.get(file)) d.locator?.release();
  return result.state;
}

// the desired state from the paths on the command line; I/O problems become FILE_READ / NO_FILES
export async function loadDesired(paths: readonly string[], options: DesiredOptions = {}): Promise<DesiredResult> {
  const found = collect(paths);
  if (paths.length === 0) {
    found.diagnostics.push({ severity: 'error', code: 'NO_FILES', message: 'no desired-state files or directories were given; pass at least one path' });
  }
  const sources = readSources(found.files, found.diagnostics);
  const result = parseUnlessUnchanged(sources, options);
  const diagnostics = [...found.diagnostics, ...result.diagnostics].sort(compareDiagnostics);
  const ioFailed = found.diagnostics.some((d) => d.severity === 'error');
  return { state: ioFailed || sources.length === 0 ? null : result.state, diagnostics, ...(result.fleet ? { fleet: result.fleet } : {}) };
}
