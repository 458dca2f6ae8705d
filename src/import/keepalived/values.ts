import type { WrittenDuration } from '../../desired/written.js';
import type { SourcePos } from '../types.js';
import type { Node } from './tree.js';

/** The words of a statement as text, the keyword first. */
export function textOf(node: Node): string[] {
  return node.words.map((w) => w.text);
}

/** Where a statement's word stands (the keyword when `index` is beyond the words). */
export function posOf(node: Node, index = 0): SourcePos {
  const word = node.words[index] ?? node.words[0]!;
  return { file: node.item.at.file, line: node.item.at.line, col: word.col };
}

/**
 * read_timer() of lib/parser.c: seconds with up to six decimals (TIMER_HZ_DIGITS), kept here in
 * milliseconds (lvsync's resolution); null when it is not such a number or outside [min, max] seconds.
 */
export function parseTimer(word: string | undefined, minSeconds: number, maxSeconds = Infinity): number | null {
  if (word === undefined || !/^[0-9]+(\.[0-9]{1,6})?$/.test(word)) return null;
  const seconds = Number(word);
  if (seconds < minSeconds || seconds > maxSeconds) return null;
  return Math.round(seconds * 1000);
}

/** check_true_false(): true/on/yes, false/off/no; absent means true (a bare `inhibit_on_failure`). */
export function parseBool(word: string | undefined): boolean | null {
  if (word === undefined) return true;
  if (word === 'true' || word === 'on' || word === 'yes') return true;
  if (word === 'false' || word === 'off' || word === 'no') return false;
  return null;
}

/** Milliseconds as an lvsync duration: "60s", "1500ms". */
export function duration(ms: number): WrittenDuration {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Milliseconds as keepalived would write them, for messages: "60s", "1.5s". */
export function seconds(ms: number): string {
  return `${ms / 1000}s`;
}
