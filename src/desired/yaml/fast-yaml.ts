/**
 * A reader for the plain subset of YAML that desired-state files are written in, about 20–50× faster
 * than the `yaml` library's parseDocument (bench/, issue 6: the library was 80% of a 50k-service
 * pass). It is an accelerator, not a second YAML implementation: on anything outside the subset it
 * returns null and the caller parses the text with `yaml` as before. On everything it accepts it
 * must give exactly the value `yaml` 2 gives (core schema, stringKeys, uniqueKeys, no warnings):
 * test/desired/fast-yaml.test.ts checks that differentially, on generated and hand-picked inputs.
 *
 * The subset:
 * - one document, no `%` directive and no `...`, at most a first line `---`; the top level is a block
 *   mapping at column 1;
 * - block mappings whose keys are plain words ([A-Za-z_][A-Za-z0-9_.-]*, no duplicates, not `__proto__`)
 *   followed by `:` and a space or the end of the line; block sequences of `- ` items (at the parent key's
 *   indentation or deeper), whose item is a scalar, a one-line flow collection or a compact mapping;
 * - one-line flow mappings/sequences (`{ a: 1, b: [x, y] }`) with plain-word keys and no trailing comma;
 * - single-line scalars: plain (resolved with the YAML 1.2 core schema, by the library's own
 *   patterns), "double-quoted" without backslashes, 'single-quoted';
 * - `#` comments after a space, blank lines, spaces only (no tab, CR, BOM, control or YAML 1.1 line-break character);
 * - at most MAX_NESTING collections inside one another (the reader recurses once per level, and a
 *   desired-state file nests fewer than ten; deeper text goes to `yaml`, which reports it).
 * Anything that could mean something else — anchors `&`, aliases `*`, tags `!`, merge keys `<<`, block
 * scalars `|`/`>`, multi-line scalars, `?` keys, quoted keys, escapes — is outside and goes to `yaml`.
 *
 * Why not js-yaml 4 (issue 12: replace this reader if js-yaml is within 1.25× of it). On the bench's
 * 50k×4 files (`npm run bench -- --readers-only --sizes 50k --runs 5`, 6 runs, 2026-12-06, BENCHMARKS.md),
 * js-yaml's `load` (core schema + `<<`) with the service positions and string copies this reader
 * also gives took 2.28–3.99× this reader's time (medians per run; pooled 2.43 s against 0.80 s), and
 * `load` alone 2.00–4.03×; its result held 48 MiB of heap against this reader's 41 (59 MiB without the
 * copies: its scalars are slices of its own copy of each text). And it reads keys spelt True/Null,
 * -0, signed hex, binary, out-of-range numbers and `+.5` otherwise than `yaml` (test/desired/js-yaml.test.ts),
 * so as a replacement it would need a subset check of its own to keep the diagnostics identical.
 */

import { detached } from '../../model/strings.js';
import { WordCache } from './word-cache.js';

/** Where a node starts, as the `yaml` library's LineCounter reports its range start (both 1-based). */
export interface FastSpot {
  readonly line: number;
  readonly col: number;
}

export interface FastParse {
  /** the same value as `parseDocument(text, options).toJS()` */
  readonly data: Record<string, unknown>;
  /** where each item of the top-level `services` list starts; empty when there is no such list */
  readonly serviceSpots: readonly FastSpot[];
}

/** Thrown inside the reader when the text leaves the subset; never escapes fastParseYaml. */
class OutsideSubset extends Error {}
const OUT = new OutsideSubset();
function out(): never {
  throw OUT;
}

// characters that make the whole text go to `yaml`: tab, CR, other C0/C1 controls, DEL, NEL, LS, PS, BOM, lone surrogates are left to JS
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;
// a plain-word key: [A-Za-z_][A-Za-z0-9_.-]*
function isKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
}
const MAX_KEY = 256;

/** Collections inside one another; see syntax.ts, which refuses deeper documents. */
export const MAX_NESTING = 64;
// digits up to 15 sum to an exact double; a cached word is short enough to need no detached() copy (< 13)
const MAX_EXACT_DIGITS = 15;
const MAX_WORD = 12;

// the `yaml` library's core-schema tests (yaml/dist/schema/core/*.js, common/null.js), in its order
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

// a plain scalar resolved the way yaml's core schema resolves it (the same tests, the same conversions)
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // a word that starts with a letter can only be null or a bool (every other pattern starts with
  // a digit, a sign, a dot or ~), and those are spelt with 4 or 5 letters
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) {
    if (s.length !== 4 && s.length !== 5) return s;
    return NULL.test(s) ? null : BOOL.test(s) ? s[0] === 't' || s[0] === 'T' : s;
  }
  if (c >= 48 && c <= 57) {
    let i = 1;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === s.length) return parseInt(s, 10); // only INT matches a run of digits
    const dot = s.indexOf('.');
    if (dot !== -1 && s.indexOf('.', dot + 1) !== -1) return s; // no pattern has two dots (IPv4 addresses)
  }
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  if (INT_OCT.test(s)) return parseInt(s.substring(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.substring(2), 16);
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

// a string kept in the data must not keep the whole text alive (model/strings.ts)
function plainValue(raw: string): unknown {
  const value = resolvePlain(raw);
  return typeof value === 'string' ? detached(value) : value;
}

// as yaml's addPairToJSMap: a key already "in" the object (an inherited name such as `constructor`)
// becomes an own property. The maps here are fresh `{}` without the key (duplicates were refused), so
// "in the object" is "in Object.prototype": one lookup on one object, not one per map shape.
function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key in Object.prototype) Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

const SPACE = 32;
const HASH = 35;
const COLON = 58;
const DASH = 45;

function isPlainFirst(c: number, next: number): boolean {
  if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 128) return true;
  // _ . / + ~ ; '-' only before a letter or digit (so never "- " or "--")
  if (c === 95 || c === 46 || c === 47 || c === 43 || c === 126) return true;
  return c === DASH && ((next >= 48 && next <= 57) || (next >= 65 && next <= 90) || (next >= 97 && next <= 122));
}

// inside a plain scalar: indicators that could start an anchor, alias, tag, quote, flow collection or comment are left to `yaml`
function isPlainInner(c: number): boolean {
  switch (c) {
    case 44: case 91: case 93: case 123: case 125: // , [ ] { }
    case 35: case 38: case 42: case 33: case 124: case 62: // # & * ! | >
    case 39: case 34: case 37: case 64: case 96: case 92: case 63: // ' " % @ ` \ ?
      return false;
    default:
      return true;
  }
}

class Reader {
  private readonly text: string;
  /** start offset of every line, and one past the end */
  private readonly starts: number[] = [];
  /** indentation (leading spaces) of each line; -1 for blank and comment-only lines */
  private readonly indents: number[] = [];
  private readonly nLines: number;
  private line = 0;
  /** the offset just after the value the last inlineValue/quoted/flow/flowValue call read (no tuple per value) */
  private after = 0;
  /** keys and words already read (word-cache.ts) */
  private readonly words: WordCache;
  /** collections open around the current position (MAX_NESTING) */
  private depth = 0;
  readonly serviceSpots: FastSpot[] = [];

  constructor(text: string) {
    this.text = text;
    this.words = new WordCache(text);
    let start = 0;
    for (;;) {
      this.starts.push(start);
      const nl = text.indexOf('\n', start);
      const end = nl === -1 ? text.length : nl;
      let i = start;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      this.indents.push(i === end || text.charCodeAt(i) === HASH ? -1 : i - start);
      if (nl === -1) break;
      start = nl + 1;
    }
    this.nLines = this.indents.length;
    this.starts.push(text.length + 1);
  }

  private lineEnd(line: number): number {
    return this.starts[line + 1]! - 1;
  }

  // the next line with content (not blank, not only a comment), from `this.line`
  private nextContent(): number {
    let l = this.line;
    while (l < this.nLines && this.indents[l] === -1) l++;
    return l;
  }

  document(): Record<string, unknown> {
    let l = this.nextContent();
    // one explicit document start, alone on its line, as many files begin
    if (l < this.nLines && this.lineEnd(l) - this.starts[l]! === 3 && this.text.startsWith('---', this.starts[l]!)) {
      this.line = l + 1;
      l = this.nextContent();
    }
    if (l >= this.nLines || this.indents[l] !== 0) out(); // empty documents and indented tops go to `yaml`
    this.line = l;
    const data = this.blockMap(0, this.starts[l]!, true);
    if (this.nextContent() < this.nLines) out();
    return data;
  }

  /**
   * A block mapping whose keys are at column `indent` (0-based); the first key starts at offset `first`
   * on the current line (mid-line for a compact mapping in a sequence item).
   */
  private blockMap(indent: number, first: number, top: boolean): Record<string, unknown> {
    if (++this.depth > MAX_NESTING) out();
    const obj: Record<string, unknown> = {};
    let pos = first;
    for (;;) {
      const line = this.line;
      const end = this.lineEnd(line);
      const key = this.key(pos);
      if (Object.prototype.hasOwnProperty.call(obj, key)) out(); // yaml: duplicate key error (uniqueKeys)
      pos += key.length + 1; // past the colon
      let p = pos;
      while (p < end && this.text.charCodeAt(p) === SPACE) p++;
      if (p === end || this.text.charCodeAt(p) === HASH) {
        // nothing after the key on this line: a nested block below, or null
        if (p > pos && p < end) { /* a comment after at least one space: fine */ } else if (p < end) out();
        this.line = line + 1;
        setKey(obj, key, this.nested(indent, top && key === 'services'));
      } else {
        const value = this.inlineValue(p, end);
        this.endOfLine(this.after, end);
        this.line = line + 1;
        this.noContinuation(indent);
        setKey(obj, key, value);
      }
      const l = this.nextContent();
      if (l >= this.nLines || this.indents[l]! < indent) { this.line = l; this.depth--; return obj; }
      if (this.indents[l]! > indent) out();
      this.line = l;
      pos = this.starts[l]! + indent;
      if (this.text.charCodeAt(pos) === DASH) {
        // a sequence at this indentation belongs to a key of this map only right after that key (handled in nested)
        out();
      }
    }
  }

  // a plain-word key at `pos`, followed by ':' and a space or the end of the line
  private key(pos: number): string {
    const endKey = this.keyEnd(pos);
    if (endKey === -1 || endKey - pos > MAX_KEY || this.text.charCodeAt(endKey) !== COLON) out();
    const after = this.text.charCodeAt(endKey + 1);
    if (!(after === SPACE || after === 10 || endKey + 1 >= this.text.length)) out();
    const key = this.words.get(pos, endKey);
    if (key === '__proto__') out();
    return key;
  }

  // the end of a plain-word key starting at `pos`, or -1
  private keyEnd(pos: number): number {
    if (!isKeyStart(this.text.charCodeAt(pos))) return -1;
    let q = pos + 1;
    while (isKeyChar(this.text.charCodeAt(q))) q++;
    return q;
  }

  // the value of a key written with nothing after it: a block collection on the next content line, or null
  private nested(parentIndent: number, services: boolean): unknown {
    const l = this.nextContent();
    if (l >= this.nLines) { this.line = l; return null; }
    const ind = this.indents[l]!;
    const first = this.starts[l]! + ind;
    const isItem = this.text.charCodeAt(first) === DASH;
    if (ind < parentIndent || (ind === parentIndent && !isItem)) return null;
    this.line = l;
    if (isItem) return this.blockSeq(ind, services);
    return this.blockMap(ind, first, false);
  }

  private blockSeq(indent: number, services: boolean): unknown[] {
    if (++this.depth > MAX_NESTING) out();
    const items: unknown[] = [];
    for (;;) {
      const line = this.line;
      const end = this.lineEnd(line);
      const dash = this.starts[line]! + indent;
      if (this.text.charCodeAt(dash) !== DASH || this.text.charCodeAt(dash + 1) !== SPACE) out();
      let p = dash + 2;
      while (p < end && this.text.charCodeAt(p) === SPACE) p++;
      if (p === end || this.text.charCodeAt(p) === HASH || this.text.charCodeAt(p) === DASH && this.text.charCodeAt(p + 1) === SPACE) out();
      if (services) this.serviceSpots.push({ line: line + 1, col: p - this.starts[line]! + 1 });
      const col = p - this.starts[line]!;
      const endKey = this.keyEnd(p);
      if (endKey !== -1 && this.text.charCodeAt(endKey) === COLON) {
        items.push(this.blockMap(col, p, false));
      } else {
        const value = this.inlineValue(p, end);
        this.endOfLine(this.after, end);
        this.line = line + 1;
        this.noContinuation(indent);
        items.push(value);
      }
      const l = this.nextContent();
      if (l >= this.nLines || this.indents[l]! < indent) { this.line = l; this.depth--; return items; }
      if (this.indents[l]! > indent) out();
      this.line = l;
      // same indentation: another item, or (when the list sits at its key's indentation) the parent's next key
      if (this.text.charCodeAt(this.starts[l]! + indent) !== DASH) { this.depth--; return items; }
    }
  }

  // a single-line scalar or flow collection needs the next non-blank line to be at most at `indent`
  // (a deeper line would continue a plain scalar, or be an error): a comment-only line counts too
  private noContinuation(indent: number): void {
    let l = this.line;
    while (l < this.nLines && this.indents[l] === -1) {
      const s = this.starts[l]!;
      const e = this.lineEnd(l);
      let i = s;
      while (i < e && this.text.charCodeAt(i) === SPACE) i++;
      if (i < e && i - s > indent) out(); // an indented comment line
      l++;
    }
    if (l < this.nLines && this.indents[l]! > indent) out();
  }

  // after a value: spaces, then the end of the line or a comment that follows a space
  private endOfLine(p: number, end: number): void {
    const start = p;
    while (p < end && this.text.charCodeAt(p) === SPACE) p++;
    if (p === end) return;
    if (this.text.charCodeAt(p) === HASH && p > start) return;
    out();
  }

  // a value that starts at `p` on a line ending at `end`, in block context; returns it and the offset after it
  private inlineValue(p: number, end: number): unknown {
    const c = this.text.charCodeAt(p);
    if (c === 123 || c === 91) return this.flow(p, end);
    if (c === 34 || c === 39) return this.quoted(p, end);
    if (!isPlainFirst(c, this.text.charCodeAt(p + 1))) out();
    let q = p;
    let lastNonSpace = p;
    while (q < end) {
      const ch = this.text.charCodeAt(q);
      if (ch === SPACE) {
        if (this.text.charCodeAt(q + 1) === HASH) break; // " #": a comment
        q++;
        continue;
      }
      if (ch === COLON) {
        const n = this.text.charCodeAt(q + 1);
        if (q + 1 >= end || n === SPACE) out(); // "a: b: c" or a trailing colon
      } else if (!isPlainInner(ch)) out();
      q++;
      lastNonSpace = q;
    }
    this.after = lastNonSpace;
    return this.plain(p, lastNonSpace);
  }

  // the plain scalar text[p, q), resolved as resolvePlain does, without a string where none is kept:
  // a run of digits (a port, a weight) is read in place, and a short lower-case word (`nat`, `tcp`,
  // `wrr`, on every line) is the cached string, so 200k servers share one "nat"
  private plain(p: number, q: number): unknown {
    const t = this.text;
    let c = t.charCodeAt(p);
    if (c >= 48 && c <= 57 && q - p <= MAX_EXACT_DIGITS) {
      let value = 0;
      let i = p;
      while (i < q && (c = t.charCodeAt(i)) >= 48 && c <= 57) { value = value * 10 + (c - 48); i++; }
      if (i === q) return value; // only INT matches a run of digits, and parseInt of 15 digits is exact
      // digits, a dot, and a second dot later (an IPv4 address): no core-schema pattern has two dots
      if (c === 46) {
        let j = i + 1;
        while (j < q && t.charCodeAt(j) !== 46) j++;
        if (j < q) return detached(t.slice(p, q));
      }
    } else if (c >= 97 && c <= 122 && q - p <= MAX_WORD) {
      let i = p + 1;
      while (i < q && (c = t.charCodeAt(i)) >= 97 && c <= 122) i++;
      if (i === q) {
        // of the lower-case words, the core schema reads only these three as something else
        const word = this.words.get(p, q);
        return word === 'null' ? null : word === 'true' ? true : word === 'false' ? false : word;
      }
    }
    return plainValue(t.slice(p, q));
  }

  // "…" without escapes, or '…' with '' for a quote; on this line; always a string
  private quoted(p: number, end: number): string {
    const quote = this.text.charCodeAt(p);
    if (quote === 34) {
      const close = this.text.indexOf('"', p + 1);
      if (close === -1 || close >= end) out();
      const value = this.text.slice(p + 1, close);
      if (value.includes('\\')) out();
      this.after = close + 1;
      return detached(value);
    }
    let value = '';
    let from = p + 1;
    for (;;) {
      const close = this.text.indexOf("'", from);
      if (close === -1 || close >= end) out();
      if (this.text.charCodeAt(close + 1) === 39 && close + 1 < end) {
        value += this.text.slice(from, close + 1);
        from = close + 2;
        continue;
      }
      value += this.text.slice(from, close);
      this.after = close + 1;
      return detached(value);
    }
  }

  // a flow mapping or sequence that closes on this line
  private flow(p: number, end: number): unknown {
    if (++this.depth > MAX_NESTING) out();
    const t = this.text;
    const isMap = t.charCodeAt(p) === 123;
    const close = isMap ? 125 : 93;
    const obj: Record<string, unknown> | null = isMap ? {} : null;
    const items: unknown[] | null = isMap ? null : [];
    p++;
    while (p < end && t.charCodeAt(p) === SPACE) p++;
    if (t.charCodeAt(p) === close) { this.after = p + 1; this.depth--; return obj ?? items; }
    for (;;) {
      if (p >= end) out();
      if (obj) {
        const key = this.key(p);
        if (Object.prototype.hasOwnProperty.call(obj, key)) out();
        p += key.length + 1;
        if (t.charCodeAt(p) !== SPACE) out();
        while (p < end && t.charCodeAt(p) === SPACE) p++;
        setKey(obj, key, this.flowValue(p, end));
      } else {
        items!.push(this.flowValue(p, end));
      }
      p = this.after;
      while (p < end && t.charCodeAt(p) === SPACE) p++;
      if (p >= end) out();
      const c = t.charCodeAt(p);
      if (c === close) { this.after = p + 1; this.depth--; return obj ?? items; }
      if (c !== 44) out();
      p++;
      while (p < end && t.charCodeAt(p) === SPACE) p++;
      if (p >= end || t.charCodeAt(p) === close) out(); // a trailing comma
    }
  }

  private flowValue(p: number, end: number): unknown {
    const t = this.text;
    const c = t.charCodeAt(p);
    if (c === 123 || c === 91) return this.flow(p, end);
    if (c === 34 || c === 39) return this.quoted(p, end);
    if (!isPlainFirst(c, t.charCodeAt(p + 1))) out();
    let q = p;
    let lastNonSpace = p;
    while (q < end) {
      const ch = t.charCodeAt(q);
      if (ch === 44 || ch === 125 || ch === 93) break;
      if (ch === SPACE) { q++; continue; }
      if (ch === COLON || !isPlainInner(ch)) out();
      q++;
      lastNonSpace = q;
    }
    this.after = lastNonSpace;
    return this.plain(p, lastNonSpace);
  }
}

/** The document's value and service positions, or null when the text is outside the subset (parse it with `yaml`). */
export function fastParseYaml(text: string): FastParse | null {
  if (UNSAFE_TEXT.test(text)) return null;
  const reader = new Reader(text);
  try {
    const data = reader.document();
    // every listed service needs its position (declareFile's `at`); a flow-style list has none here
    const services = data['services'];
    if (Array.isArray(services) && services.length !== reader.serviceSpots.length) return null;
    return { data, serviceSpots: reader.serviceSpots };
  } catch (err) {
    if (err === OUT) return null;
    throw err;
  }
}
