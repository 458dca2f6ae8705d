/**
 * The `real=` and `fallback=` values, with ldirectord's own regular expressions (ldirectord.in at
 * commit bf01ad08). They are unanchored on purpose, as in Perl: a leftmost match anywhere in the
 * text, with the same backtracking, so odd input is read exactly as ldirectord reads it. The
 * character classes are spelled in an order TypeScript accepts (`[A-Za-z0-9_-]` for Perl's
 * `[A-Za-z0-9-_]`, the same set); `s` lets `.` take a `\r` as Perl's does.
 */

export type Forward = 'gate' | 'masq' | 'ipip';

export interface RealAddress {
  /** the first host of the line, brackets included for IPv6 */
  readonly first: string;
  /** the end of an `a->b` range */
  readonly last: string | null;
  /** the port or service name as written, "0" when there is none (line 2026-2031) */
  readonly port: string;
  readonly flags: string;
  /** what the unanchored match skipped at the start of the text (ldirectord ignores it) */
  readonly skipped: string;
}

// _ld_read_config_real_resolve, line 2024
const REAL = /(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-fa-f:]+\])(->(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-fa-f:]+\]))?(:(\d+|[A-Za-z0-9_-]+))?\s+(.*)/s;

/** `real=` text → its parts, or null for ldirectord's "invalid address for real server (wrong format)". */
export function parseRealAddress(text: string): RealAddress | null {
  const m = REAL.exec(text);
  if (!m) return null;
  return { first: m[1]!, last: m[3] ?? null, port: m[5] ?? '0', flags: m[6]!, skipped: text.slice(0, m.index) };
}

export interface RealFlags {
  readonly forward: Forward;
  readonly weight: number;
  /** the per-server request/receive pair (request with a leading `/` added, line 2159) */
  readonly request: string | null;
  readonly receive: string | null;
  readonly lowerThreshold: number | null;
  readonly upperThreshold: number | null;
  /** text ldirectord passes over without a word: each step matches anywhere in what is left */
  readonly ignored: readonly string[];
}

/** `add_real_server` (lines 2127-2205): method, weight, request/receive, thresholds, nothing else. */
export function parseRealFlags(flags: string): RealFlags | { readonly error: string } {
  const method = /(\w+)(.*)/s.exec(flags);
  if (!method || !isForward(method[1]!)) return { error: 'forward method must be gate, masq or ipip' };
  let rest = method[2]!;
  const ignored: string[] = [];
  // one optional step: an unanchored match in what is left; what it skipped is lost (line 2150-2179)
  const step = (re: RegExp): RegExpExecArray | null => {
    const m = re.exec(rest);
    if (!m) return null;
    const skipped = rest.slice(0, m.index).trim();
    if (skipped !== '') ignored.push(skipped);
    rest = m[m.length - 1]!;
    return m;
  };
  const w = step(/\s+(\d+)(.*)/s);
  const pair = step(/\s+"(.*)"[, ]\s*"(.*)"(.*)/s);
  const l = step(/\s+l:(\d+)(.*)/s);
  const u = step(/\s+u:(\d+)(.*)/s);
  if (/\S/.test(rest)) return { error: `Invalid real server line, around "${rest}"` };
  return {
    forward: method[1] as Forward,
    weight: w ? Number(w[1]) : 1,
    request: pair ? (pair[1]!.startsWith('/') ? pair[1]! : `/${pair[1]!}`) : null,
    receive: pair ? pair[2]! : null,
    lowerThreshold: l ? Number(l[1]) : null,
    upperThreshold: u ? Number(u[1]) : null,
    ignored,
  };
}

function isForward(word: string): word is Forward {
  return word === 'gate' || word === 'masq' || word === 'ipip';
}

export interface FallbackValue {
  /** host as written (brackets included) */
  readonly server: string;
  /** port or service name as written; null when none was written */
  readonly port: string | null;
  readonly forward: Forward;
}

/** `parse_fallback` (lines 2207-2249): `host[:port] [gate|masq|ipip]`, gate when no method is written. */
export function parseFallback(value: string): FallbackValue | { readonly error: string } {
  let parseLine = value;
  let fwd: string | undefined;
  const words = /(\S+)(\s+(\S+))?\s*$/s.exec(parseLine);
  if (words) { fwd = words[3]; parseLine = words[1]!; }
  const port = /(:(\d+|[A-Za-z0-9_-]+))?$/s.exec(parseLine)?.[2] ?? null;
  const server = parseLine.replace(/(:(\d+|[A-Za-z0-9_-]+))?$/s, '');
  // Perl's `if($fwd)`: an empty method, and "0", mean none
  const written = fwd !== undefined && fwd !== '' && fwd !== '0' ? fwd : null;
  if (written !== null && !isForward(written)) return { error: 'forward method must be gate, masq or ipip' };
  return { server, port, forward: written ?? 'gate' };
}
