import type { ImportNote, ImportSources, SourcePos } from '../types.js';
import type { Chars, Word } from './text.js';
import { decomment, splitBraces, splitWords } from './text.js';

/**
 * read_line() of keepalived 2.2.7 (lib/parser.c): the files of a configuration as one stream of
 * statements and braces, in the order keepalived reads them. An `include` line is replaced by the
 * files it matches, where it stands, so a block may open in one file and close in another (as in
 * keepalived). Definitions (`$NAME=value`, `$NAME`, `${NAME}`), `~SEQ` lines and `@id` lines are
 * handled the way read_line() does; multi-line definitions and `~LST` are recognised and refused.
 *
 * Every physical line is also recorded, in stream order, so the VRRP part can be written back out
 * (vrrp.ts) with the include lines replaced by what they include.
 */

/** One statement (the words between braces on one line), or a brace. */
export interface Item {
  readonly kind: 'words' | 'open' | 'close';
  /** empty for braces */
  readonly words: readonly Word[];
  /** the statement's text after comments and definitions (MISC_CHECK reads its command from it) */
  readonly raw: string;
  readonly at: SourcePos & { readonly col: number };
  /** index of the physical line in `lines` */
  readonly seq: number;
  /** the column just past the statement */
  readonly endCol: number;
  /** false when a definition was substituted: the columns are then those of the `$` */
  readonly exact: boolean;
}

export interface PhysicalLine {
  readonly seq: number;
  readonly file: string;
  readonly line: number;
  readonly text: string;
  /** an include line: the pattern and the files it brought in (their lines follow this one) */
  readonly include?: { readonly pattern: string; readonly files: readonly string[] };
}

export interface ReadResult {
  readonly items: Item[];
  readonly lines: PhysicalLine[];
  readonly notes: ImportNote[];
  /** the files read, main file first */
  readonly files: string[];
}

const MAX_INCLUDE_DEPTH = 32;
const MAX_SEQ = 65536;
const MAX_RECHECK = 16;

interface Pos {
  readonly file: string;
  readonly line: number;
  readonly seq: number;
}

export function readConfig(path: string, sources: ImportSources): ReadResult {
  const items: Item[] = [];
  const lines: PhysicalLine[] = [];
  const notes: ImportNote[] = [];
  const files: string[] = [];
  const defs = new Map<string, string>();
  const stack: string[] = [];

  const note = (severity: ImportNote['severity'], code: ImportNote['code'], message: string, at: SourcePos) => {
    notes.push({ severity, code, message, at });
  };

  const standard = (name: string, file: string): string | undefined => {
    // set_std_definitions(): _HASH and _BANG write a comment character; _PWD is the directory
    // keepalived is in while it reads the file, the including file's directory (open_conf_file)
    if (name === '_HASH') return '#';
    if (name === '_BANG') return '!';
    if (name === '_PWD') return dirname(file);
    return undefined;
  };

  // replace_param(): $NAME (ended by blank, `,`, `)` or the line end) and ${NAME}; unknown names stay
  const substitute = (chars: Chars, file: string): Chars | null => {
    const { text, cols } = chars;
    let out = '';
    const outCols: number[] = [];
    let changed = false;
    let i = 0;
    while (i < text.length) {
      if (text[i] === '$' && i + 1 < text.length) {
        const braces = text[i + 1] === '{';
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + (braces ? 2 : 1)));
        if (m) {
          const name = m[0];
          const after = i + (braces ? 2 : 1) + name.length;
          const ends = braces ? text[after] === '}' : after >= text.length || ' \t,)'.includes(text[after]!);
          const value = defs.get(name) ?? standard(name, file);
          if (ends && value !== undefined) {
            out += value;
            for (let k = 0; k < value.length; k++) outCols.push(cols[i]!);
            i = after + (braces ? 1 : 0);
            changed = true;
            continue;
          }
        }
      }
      out += text[i];
      outCols.push(cols[i]!);
      i++;
    }
    return changed ? { text: out, cols: outCols } : null;
  };

  const emit = (chars: Chars, pos: Pos, exact: boolean) => {
    for (const seg of splitBraces(chars)) {
      if (seg.kind !== 'text') {
        items.push({ kind: seg.kind, words: [], raw: seg.kind === 'open' ? '{' : '}', at: { file: pos.file, line: pos.line, col: seg.col }, seq: pos.seq, endCol: seg.col + 1, exact });
        continue;
      }
      const { words, unmatchedQuoteCol } = splitWords(seg.chars);
      if (unmatchedQuoteCol !== null) {
        note('warning', 'IMPORT_UNKNOWN', 'a `"` is not closed: keepalived ignores the rest of this statement ("Unmatched quote"), and so does the import', { file: pos.file, line: pos.line, col: unmatchedQuoteCol });
      }
      if (words.length === 0) continue;
      const last = seg.chars.cols[seg.chars.cols.length - 1]!;
      items.push({ kind: 'words', words, raw: seg.chars.text, at: { file: pos.file, line: pos.line, col: words[0]!.col }, seq: pos.seq, endCol: last + 1, exact });
    }
  };

  // one logical line after decomment(): the inner loop of read_line()
  let multiline = false;
  const logical = (start: Chars, pos: Pos, exact: boolean, depth: number): void => {
    let chars = start;
    let isExact = exact;
    const at = (col?: number): SourcePos => ({ file: pos.file, line: pos.line, col: col ?? chars.cols[0] ?? 1 });
    for (let round = 0; round < MAX_RECHECK; round++) {
      const text = chars.text;
      if (text.length === 0) return;
      if (text[0] === '@') {
        // `@id line` is read only when keepalived's config id (-i, default: the host name) is id,
        // `@^id line` only when it is not; the import cannot know the director it is for
        const negated = text[1] === '^';
        const ofs = negated ? 2 : 1;
        const blank = text.slice(ofs).search(/[ \t]/);
        if (blank < 0) return;
        const id = text.slice(ofs, ofs + blank);
        const rest = ofs + blank + (text.slice(ofs + blank).match(/^[ \t]*/)?.[0].length ?? 0);
        note('warning', 'IMPORT_UNSUPPORTED', negated
          ? `\`@^${id}\`: this line applies on every director whose keepalived config id is not ${id}; imported (the import reads the file as for none of the ids it names); put what differs on ${id} in lvsync \`overrides\``
          : `\`@${id}\`: this line applies only where keepalived's config id is ${id} (-i, default the host name); not imported; put it in lvsync \`overrides.${id}\` if it matters`, at());
        if (!negated) return;
        chars = { text: text.slice(rest), cols: chars.cols.slice(rest) };
        continue;
      }
      const def = /^\$([A-Za-z_][A-Za-z0-9_]*)=[ \t]*(.*)$/.exec(text);
      if (def) {
        const value = def[2]!;
        if (value.endsWith('\\')) {
          note('error', 'IMPORT_UNSUPPORTED', `\`$${def[1]}\` is a multi-line definition: the import does not expand those; write its lines out where it is used`, at());
          multiline = true;
          return;
        }
        defs.set(def[1]!, value);
        return;
      }
      if (text.startsWith('~LST')) {
        note('error', 'IMPORT_UNSUPPORTED', '`~LST` lines are not expanded by the import; write the lines out', at());
        return;
      }
      if (text.startsWith('~SEQ')) {
        sequence(chars, pos, depth);
        return;
      }
      if (text[0] === '~') break;
      if (!text.includes('$')) break;
      const replaced = substitute(chars, pos.file);
      if (!replaced) break;
      // the replacement text is decommented again: a value may hold `#` or `!`
      const again = decomment(replaced.text);
      chars = { text: again.text, cols: again.cols.map((c) => replaced.cols[c - 1]!) };
      isExact = false;
      if (chars.text[0] !== '@' && !chars.text.includes('$')) break;
    }
    if (include(chars, pos, depth)) return;
    emit(chars, pos, isExact);
  };

  // add_seq(): ~SEQ(VAR, end) | ~SEQ(VAR, start, end) | ~SEQ(VAR, start, step, end), ~SEQx in hex;
  // the rest of the line is read once per value with $VAR set to it
  const sequence = (chars: Chars, pos: Pos, depth: number): void => {
    const text = chars.text;
    const at: SourcePos = { file: pos.file, line: pos.line, col: chars.cols[0] ?? 1 };
    const m = /^~SEQ(x?)[ \t]*\([ \t]*([^ \t,)]+)[ \t]*,([^)]*)\)[ \t]*/.exec(text);
    const bad = () => note('error', 'IMPORT_SYNTAX', `invalid ~SEQ specification (keepalived: "Invalid ~SEQ specification"): write ~SEQ(VAR, [start, [step,]] end) text`, at);
    if (!m) { bad(); return; }
    const hex = m[1] === 'x';
    const nums = m[3]!.split(',').map((s) => {
      const t = (substitute({ text: s.trim(), cols: [] }, pos.file)?.text ?? s.trim());
      return parseCLong(t);
    });
    if (nums.some((n) => n === null) || nums.length > 3) { bad(); return; }
    let start: number; let step: number; let end: number;
    const [one, two, three] = nums as number[];
    if (nums.length === 1) { end = one!; step = end < 1 ? -1 : 1; start = end < 0 ? -1 : 1; }
    else if (nums.length === 2) { start = one!; end = two!; step = start <= end ? 1 : -1; }
    else {
      start = one!; step = two!; end = three!;
      if (!step || (start < end && step < 0) || (start > end && step > 0)) { bad(); return; }
    }
    if (hex && (start < 0 || end < 0)) { bad(); return; }
    const restAt = m[0].length;
    const rest: Chars = { text: text.slice(restAt), cols: chars.cols.slice(restAt) };
    let count = 0;
    for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
      if (++count > MAX_SEQ) {
        note('error', 'IMPORT_UNSUPPORTED', `this ~SEQ makes more than ${MAX_SEQ} lines`, at);
        return;
      }
      defs.set(m[2]!, hex ? v.toString(16) : String(v));
      logical(rest, pos, false, depth);
    }
  };

  // check_include(): `include PATTERN` (or includer/includem/includew/includeb/includea), a glob
  // relative to the directory of the including file
  const include = (chars: Chars, pos: Pos, depth: number): boolean => {
    const m = /^include([rmwba]?)[ \t\f\n\r\v]/.exec(chars.text);
    if (!m) return false;
    const pattern = chars.text.slice(m[0].length).replace(/^[ \t]+/, '');
    const at: SourcePos = { file: pos.file, line: pos.line, col: chars.cols[0] ?? 1 };
    const matched = sources.glob(pattern, pos.file);
    const physical = lines[pos.seq]!;
    lines[pos.seq] = { ...physical, include: { pattern, files: matched } };
    if (matched.length === 0) {
      // a plain include of nothing is only logged ("No config files matched"); the variants that
      // check for missing files (m, w, a: INCLUDE_M, parser.c open_and_check_glob) make it fatal
      const fatal = 'mwa'.includes(m[1]!) && m[1] !== '';
      note(fatal ? 'error' : 'warning', fatal ? 'IMPORT_SYNTAX' : 'IMPORT_UNKNOWN', `no file matches \`${pattern}\` (relative to the directory of ${pos.file})`, at);
      return true;
    }
    for (const file of matched) {
      if (stack.includes(file)) {
        note('error', 'IMPORT_SYNTAX', `${file} includes itself (through ${stack.join(' → ')})`, at);
        continue;
      }
      if (depth >= MAX_INCLUDE_DEPTH) {
        note('error', 'IMPORT_SYNTAX', `includes nested more than ${MAX_INCLUDE_DEPTH} deep`, at);
        return true;
      }
      readFile(file, depth + 1, at);
    }
    return true;
  };

  const readFile = (file: string, depth: number, from: SourcePos | null): void => {
    const text = sources.read(file);
    if (text === null) {
      note('error', 'IMPORT_SYNTAX', from ? `${file} cannot be read` : `cannot read ${file}`, from ?? { file, line: 1 });
      return;
    }
    files.push(file);
    stack.push(file);
    const physical = text.split('\n');
    if (physical.length > 0 && physical[physical.length - 1] === '') physical.pop();
    physical.forEach((raw, index) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      const seq = lines.length;
      lines.push({ seq, file, line: index + 1, text: line });
      const d = decomment(line);
      if (multiline) {
        // the continuation lines of a refused multi-line definition
        if (d.text.length === 0 || !d.text.endsWith('\\')) multiline = false;
        return;
      }
      if (d.unterminatedQuote) {
        note('warning', 'IMPORT_UNKNOWN', 'a `"` is not closed on this line (keepalived: "Unterminated quote")', { file, line: index + 1 });
      }
      logical(d, { file, line: index + 1, seq }, true, depth);
    });
    multiline = false;
    stack.pop();
  };

  readFile(path, 0, null);
  return { items, lines, notes, files };
}

// strtol(…, 0): decimal, 0x hexadecimal, leading 0 octal, optional sign; null when not a number
function parseCLong(text: string): number | null {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return null;
  const body = m[2]!;
  const value = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : parseInt(body, 10);
  return m[1] === '-' ? -value : value;
}

function dirname(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash < 0 ? '.' : slash === 0 ? '/' : file.slice(0, slash);
}
