import type { Directive } from './lines.js';
import type { Sink, Spot } from './sink.js';

/**
 * The value checks ldirectord's `read_config` makes, shared by the top level and virtual blocks.
 * Each reports ldirectord's refusal as an IMPORT_SYNTAX error at the value and returns null, so the
 * caller goes on with the next line (ldirectord stops at the first; we show them all).
 */

export function valueAt(d: Directive): Spot {
  return { line: d.line, col: d.valueCol };
}

/** why an exact comparison failed although the word is there: ldirectord compares all that follows `=` */
function exactHint(d: Directive, topLevel: boolean): string {
  const v = d.value;
  if (topLevel && /\s#/.test(v)) return ' (a `#` is not a comment on a top-level line: ldirectord reads it as part of the value; move the comment to a line of its own)';
  if (v.endsWith('\r')) return ' (the line ends in a carriage return: convert the file to Unix line endings)';
  if (v !== v.trimEnd()) return ' (ldirectord compares everything after `=`, so the trailing blanks make it a different word: remove them)';
  return '';
}

/** `($1 eq "yes" || $1 eq "no")`: exactly yes or no, nothing after it */
export function yesNo(d: Directive, sink: Sink, topLevel: boolean): boolean | null {
  if (d.value === 'yes' || d.value === 'no') return d.value === 'yes';
  sink.error('IMPORT_SYNTAX', valueAt(d), `${d.key} must be 'yes' or 'no', not ${JSON.stringify(d.value)}${exactHint(d, topLevel)}`);
  return null;
}

/** `$1 =~ /(\d+)/ && $1`: the first run of digits, not 0 (timeouts, intervals, counts) */
export function positiveCount(d: Directive, sink: Sink, what: string): number | null {
  const m = /(\d+)/.exec(d.value);
  if (m && Number(m[1]) > 0) return Number(m[1]);
  sink.error('IMPORT_SYNTAX', valueAt(d), `invalid ${what} ${JSON.stringify(d.value)}: ldirectord needs a number of at least 1`);
  return null;
}

/** `key = "…"` with a non-empty text between the quotes (request, receive, login, ...); null otherwise */
export function quoted(d: Directive, sink: Sink, cutHint = true): string | null {
  const m = /^"(.*)"/s.exec(d.value);
  if (!m) {
    sink.error('IMPORT_SYNTAX', valueAt(d), `${d.key} must be quoted: ${d.key}="…" (ldirectord refuses the line as an unknown command)${cutHint && d.cutAtHash ? '; note that ldirectord cuts a virtual-block line at its first `#`, even inside quotes' : ''}`);
    return null;
  }
  if (m[1] === '') {
    sink.error('IMPORT_SYNTAX', valueAt(d), `${d.key} is empty: ldirectord needs a text between the quotes`);
    return null;
  }
  return m[1]!;
}

/** `"…"` or a bare word, not empty (checkcommand, fallbackcommand) */
export function quotedOrBare(d: Directive, sink: Sink): string | null {
  const m = /^"(.*)"/s.exec(d.value);
  const text = m ? m[1]! : d.value;
  if (text === '') {
    sink.error('IMPORT_SYNTAX', valueAt(d), `${d.key} is empty`);
    return null;
  }
  return text;
}

/** the line as it stands, for a comment, with secrets masked */
export function shown(d: Directive): string {
  const secret = d.key === 'passwd' || d.key === 'secret';
  return `${d.key}=${secret ? '"…" (not copied)' : d.value.trimEnd()}`;
}
