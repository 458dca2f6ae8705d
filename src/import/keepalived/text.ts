/**
 * keepalived's line-level syntax (lib/parser.c of keepalived 2.2.7), one physical line at a time:
 * comments, the split of a line at `{` and `}`, and words. Pure string functions; the reader
 * (reader.ts) strings them together with includes and definitions.
 *
 * Every character keeps the column it had in the file (1-based), so notes can point at it.
 */

/** A decommented line: its text and, for each of its characters, the column it came from. */
export interface Chars {
  readonly text: string;
  readonly cols: readonly number[];
}

export interface Decommented extends Chars {
  /** a `"` was left open (keepalived: "Unterminated quote", reported, the line is used as it is) */
  readonly unterminatedQuote: boolean;
}

/**
 * decomment() of lib/parser.c: leading spaces and tabs go, a comment starts at the first `!` or `#`
 * outside double quotes and runs to the end of the line, `\#` and `\!` outside quotes stand for the
 * character itself, trailing blanks go. A `\` at the very end survives (after the trailing blanks are
 * removed), since it continues a multi-line definition; anywhere else it is an ordinary character.
 */
export function decomment(line: string, firstCol = 1): Decommented {
  const chars: string[] = [];
  const cols: number[] = [];
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  let quote = false;
  let comment = false;
  let continued = false;
  for (; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') {
      if (!comment) quote = !quote;
    } else if (c === '\\') {
      if (i + 1 < line.length) {
        const next = line[i + 1]!;
        if (!quote && (next === '#' || next === '!')) {
          // the backslash goes, the character stays and does not start a comment
          if (!comment) { chars.push(next); cols.push(firstCol + i + 1); }
          i++;
          continue;
        }
        if (!comment) { chars.push(c, next); cols.push(firstCol + i, firstCol + i + 1); }
        i++;
        continue;
      }
      continued = true;
      break;
    } else if (!quote && !comment && (c === '!' || c === '#')) {
      comment = true;
    }
    if (!comment) { chars.push(c); cols.push(firstCol + i); }
  }
  while (chars.length > 0 && (chars[chars.length - 1] === ' ' || chars[chars.length - 1] === '\t')) {
    chars.pop();
    cols.pop();
  }
  if (continued) { chars.push('\\'); cols.push(firstCol + line.length - 1); }
  return { text: chars.join(''), cols, unterminatedQuote: quote };
}

/** A piece of a line between braces, or a brace itself. */
export type Segment =
  | { readonly kind: 'text'; readonly chars: Chars }
  | { readonly kind: 'open' | 'close'; readonly col: number };

/**
 * read_line() of lib/parser.c hands out a line in pieces: the text before the first `{` or `}`
 * outside double quotes, then the brace alone, then the rest (split again). So `real_server 10.0.0.1
 * 80 { weight 2 }` is three statements to the parser: the keyword line, `{`, `weight 2`, `}`. A `"`
 * that is never closed stops the search: the rest of the line is one piece.
 */
export function splitBraces(line: Chars): Segment[] {
  const out: Segment[] = [];
  const { text, cols } = line;
  let start = 0;
  const flush = (end: number) => {
    let a = start;
    let b = end;
    while (a < b && isBlank(text[a]!)) a++;
    while (b > a && isBlank(text[b - 1]!)) b--;
    if (b > a) out.push({ kind: 'text', chars: { text: text.slice(a, b), cols: cols.slice(a, b) } });
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) break;
      i = close + 1;
      continue;
    }
    if (c === '{' || c === '}') {
      flush(i);
      out.push({ kind: c === '{' ? 'open' : 'close', col: cols[i]! });
      start = i + 1;
    }
    i++;
  }
  flush(text.length);
  return out;
}

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t';
}

// WHITE_SPACE_STR of lib/parser.c
const WHITE = ' \t\f\n\r\v';

export interface Word {
  readonly text: string;
  /** column of its first character (the opening quote of a quoted word) */
  readonly col: number;
}

export interface Words {
  readonly words: Word[];
  /** a `"` without its closing one: keepalived drops the rest of the statement (CONFIG_UNMATCHED_QUOTE) */
  readonly unmatchedQuoteCol: number | null;
}

/**
 * alloc_strvec_r() of lib/parser.c: words split at white space; a word that starts with `"` runs to
 * the next `"` (no escapes) and loses its quotes; an unquoted word stops at white space or `"`.
 */
export function splitWords(chars: Chars): Words {
  const { text, cols } = chars;
  const words: Word[] = [];
  let i = 0;
  while (true) {
    while (i < text.length && WHITE.includes(text[i]!)) i++;
    if (i >= text.length) break;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return { words, unmatchedQuoteCol: cols[i]! };
      words.push({ text: text.slice(i + 1, close), col: cols[i]! });
      i = close + 1;
      continue;
    }
    const start = i;
    while (i < text.length && !WHITE.includes(text[i]!) && text[i] !== '"') i++;
    words.push({ text: text.slice(start, i), col: cols[start]! });
  }
  return { words, unmatchedQuoteCol: null };
}

/**
 * alloc_strvec_quoted_escaped() of lib/parser.c, used for script command lines (misc_path): words
 * split at white space, where `"…"` and `'…'` quote (and can join parts of one word), and `\`
 * escapes: \a \b \E \f \n \r \t \v, \xHH, \cX, octal \NNN, anything else stands for itself.
 * null when a quote is not closed or the text ends with a lone `\` (keepalived refuses the line).
 */
export function splitQuotedEscaped(src: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < src.length) {
    while (i < src.length && WHITE.includes(src[i]!)) i++;
    if (i >= src.length) break;
    let word = '';
    let quote: string | null = null;
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\\') {
        i++;
        if (i >= src.length) return null;
        const e = src[i]!;
        if (e === 'x' && /[0-9a-fA-F]/.test(src[i + 1] ?? '')) {
          i++;
          let v = 0;
          while (i < src.length && /[0-9a-fA-F]/.test(src[i]!)) { v = ((v << 4) | parseInt(src[i]!, 16)) & 0xff; i++; }
          word += String.fromCharCode(v);
        } else if (e === 'c' && i + 1 < src.length) {
          word += String.fromCharCode(src.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (e >= '0' && e <= '7') {
          let v = 0;
          let n = 0;
          while (n < 3 && i < src.length && src[i]! >= '0' && src[i]! <= '7') { v = (v << 3) + (src.charCodeAt(i) - 48); i++; n++; }
          word += String.fromCharCode(v & 0xff);
        } else {
          const map: Record<string, string> = { a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
          word += map[e] ?? e;
          i++;
        }
        continue;
      }
      if (quote !== null) {
        if (c === quote) { quote = null; i++; continue; }
        word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") { quote = c; i++; continue; }
      if (WHITE.includes(c)) break;
      word += c;
      i++;
    }
    if (quote !== null) return null;
    out.push(word);
  }
  return out;
}
