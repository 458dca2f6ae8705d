/**
 * ldirectord.cf line by line, the way ldirectord's `read_config` sees it (ldirectord/ldirectord.in
 * of ClusterLabs/resource-agents, commit bf01ad08, lines 1316-1830), with the 1-based line and
 * column every note points at.
 *
 * Two kinds of line, read by two different rules:
 * - top level (line 1335, 1682-1797): `virtual=`/`virtual6=` and the global directives, matched from
 *   the first column; a line of only blanks, or whose first non-blank is `#`, is skipped. A `#` later
 *   in the line is NOT a comment there: it stays part of the value.
 * - inside a virtual block (lines 1401-1411): a line whose first non-blank is `#` is skipped without
 *   ending the block; otherwise everything from the first `#` is cut, every tab becomes 4 spaces,
 *   and the line belongs to the block only when it then starts with at least 4 spaces followed by
 *   something (`/^ {4,}(.+)/`). Any other line ends the block and is read again at the top level.
 */

export interface SourceLine {
  /** 1-based */
  readonly line: number;
  /** the line without its `\n` (a `\r` of CRLF files stays, as ldirectord keeps it) */
  readonly text: string;
}

export function splitLines(text: string): SourceLine[] {
  const parts = text.split('\n');
  // a final newline does not start another line
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((t, i) => ({ line: i + 1, text: t }));
}

/** `key = value` as ldirectord's `/^key\s*=\s*(.*)/` sees it; `col`/`valueCol` are 1-based in the original line. */
export interface Directive {
  readonly key: string;
  /** what ldirectord's `(.*)` captures: the rest of the line after `=` and the blanks after it */
  readonly value: string;
  readonly line: number;
  readonly col: number;
  readonly valueCol: number;
  /** a virtual-block line from which ldirectord cut a `#` and what followed */
  readonly cutAtHash: boolean;
}

const DIRECTIVE = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/s;

/** A top-level line: a directive from column 1, or null when the line is not `key=value` there. */
export function topLevelDirective(src: SourceLine): Directive | null {
  const m = DIRECTIVE.exec(src.text);
  if (!m) return null;
  const value = m[2]!;
  return { key: m[1]!, value, line: src.line, col: 1, valueCol: src.text.length - value.length + 1, cutAtHash: false };
}

/** blank or `#` comment at the top level (line 1680: `/^\s*$/ || /^\s*#/`) */
export function isTopLevelSkip(text: string): boolean {
  return /^\s*$/.test(text) || /^\s*#/.test(text);
}

export type BlockLine =
  | { readonly kind: 'comment' }
  | { readonly kind: 'end' }
  /** a line of blanks wider than 4 columns: ldirectord reads it as a command made of spaces, and refuses it */
  | { readonly kind: 'blank-command' }
  /** in the block, but not `key=value` (ldirectord: "Unknown command") */
  | { readonly kind: 'other'; readonly text: string; readonly col: number }
  | { readonly kind: 'directive'; readonly directive: Directive };

/** One line after a `virtual=` line, by the rule of lines 1404-1411. */
export function blockLine(src: SourceLine): BlockLine {
  if (/^\s*#/.test(src.text)) return { kind: 'comment' };
  const hash = src.text.indexOf('#');
  const uncut = hash < 0 ? src.text : src.text.slice(0, hash);
  const expanded = uncut.replace(/\t/g, '    ');
  // `s`: Perl's `.` takes a `\r` too (only `\n` is excluded, and the line has none)
  const m = /^ {4,}(.+)/s.exec(expanded);
  if (!m) return { kind: 'end' };
  const command = m[1]!;
  if (/^\s*$/.test(command)) return { kind: 'blank-command' };
  // the command starts at the first non-blank of the original line: tabs and spaces are both blanks
  const col = uncut.length - uncut.replace(/^[ \t]+/, '').length + 1;
  const d = DIRECTIVE.exec(command);
  if (!d) return { kind: 'other', text: command, col };
  const original = uncut.slice(col - 1);
  const valueStart = /^[A-Za-z0-9_]+\s*=\s*/.exec(original)?.[0].length ?? 0;
  return {
    kind: 'directive',
    directive: { key: d[1]!, value: d[2]!, line: src.line, col, valueCol: col + valueStart, cutAtHash: hash >= 0 },
  };
}

/** How wide the indentation of a line is once tabs count 4 (ldirectord's `s/\t/    /g`). */
export function indentWidth(text: string): number {
  const lead = /^[ \t]*/.exec(text)![0];
  return lead.replace(/\t/g, '    ').length;
}
