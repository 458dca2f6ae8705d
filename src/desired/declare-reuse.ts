import { declarationsOf, declareFileKeeping, type FileDecls, type ReusableFile } from './declare.js';
import { validateWritten } from './schema/schema.js';
import { fastParseYaml, type FastSpot } from './yaml/fast-yaml.js';
import { fastLocator, type ReleasableLocator } from './yaml/syntax.js';
import type { WrittenFile, WrittenService } from './written.js';
import { countLines } from '../model/strings.js';

/**
 * A changed file declared again from the services that did not change (issue 13). A one-line edit
 * of one service in a 2,300-service file used to read, validate and declare all 2,300 again: in
 * the emulated VM of the benchmark that was 1.8 s between a file's rename and the plan.
 *
 * Only for the plain files the fast reader reads (yaml/fast-yaml.ts), which were valid last time.
 * In that subset every scalar and every flow collection fits on its line, so a `services:` block
 * splits into its items by indentation alone, exactly. Then, when everything outside the items is
 * the same text and the items are as many:
 *   - an item with the same text on the same lines is the same service: its value is reused (and
 *     with it the facts parse.ts keeps per written service);
 *   - the changed items are read together (`services:` + their lines, by the same reader) and
 *     validated without the others (the schema has no rule across services).
 * Anything else (another shape, more than half the items changed, lines moved, a changed item the
 * reader refuses, any schema finding) declares the whole file as before, so every diagnostic is
 * still made, and placed, by declareFile. test/desired/declare-reuse.test.ts checks the result is
 * the one declareFile gives, on random edits.
 */

/** One file's declarations and what its next version can be declared from. */
export interface Declared {
  readonly text: string;
  readonly decls: FileDecls;
  readonly reuse: { readonly file: ReusableFile; readonly split: ServicesSplit } | null;
  /**
   * the positions of the declarations: a rule's diagnostic (a warning too) makes it parse the text
   * with `yaml` for its line and column; release() lets that Document go once the load is done,
   * or the cache would keep it as long as the file is unchanged (a Document is large: syntax.ts)
   */
  readonly locator: ReleasableLocator | null;
}

/** A text cut into the items of its top-level `services:` block and everything else. */
export interface ServicesSplit {
  readonly text: string;
  /** the text outside the items, the items' place marked */
  readonly frame: string;
  /** each item: the 1-based line it starts on, and where its lines are in `text` */
  readonly items: readonly { readonly line: number; readonly start: number; readonly end: number }[];
}

const SERVICES_KEY = /^services:[ ]*(#.*)?$/;
// cannot be in a text the fast reader accepts (its UNSAFE_TEXT), so it cannot be confused with one
const ITEMS_MARK = '\u0000';

export function splitServices(text: string): ServicesSplit | null {
  let keySeen = false;
  let itemsStart = -1;
  let itemsEnd = -1;
  let indent = -1;
  const items: { line: number; start: number; end: number }[] = [];
  // the lines as offsets, no string per line (a 50k-service file has 350k lines)
  for (let start = 0, end = 0, n = 1; start <= text.length; start = end + 1, n++) {
    end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const isKey = text.startsWith('services:', start) && SERVICES_KEY.test(text.slice(start, end));
    // a second top-level `services:` is not this simple shape
    if (itemsEnd >= 0 || (keySeen && isKey)) {
      if (isKey) return null;
      continue;
    }
    if (!keySeen) {
      keySeen = isKey;
      continue;
    }
    let at = start;
    while (at < end && text.charCodeAt(at) === 32) at++;
    const blank = at === end || text.charCodeAt(at) === 35; // empty or a comment
    if (blank) {
      // before the first item: the frame's; later: kept with the item before it
      if (items.length > 0) items.at(-1)!.end = end;
      continue;
    }
    const dash = text.charCodeAt(at) === 45 && (at + 1 === end || text.charCodeAt(at + 1) === 32);
    if (indent < 0) {
      if (!dash) { itemsEnd = start; continue; }
      indent = at - start;
      itemsStart = start;
    }
    if (at - start === indent && dash) items.push({ line: n, start, end });
    else if (at - start > indent) items.at(-1)!.end = end;
    else itemsEnd = start;
  }
  if (items.length === 0) return null;
  const last = items.at(-1)!.end;
  const frame = `${text.slice(0, itemsStart)}${ITEMS_MARK}${text.slice(last)}`;
  return { text, frame, items };
}

// item i has the same text on the same lines in both splits
function sameItem(a: ServicesSplit, b: ServicesSplit, i: number): boolean {
  const x = a.items[i]!;
  const y = b.items[i]!;
  return x.line === y.line && x.end - x.start === y.end - y.start && a.text.startsWith(b.text.slice(y.start, y.end), x.start);
}

/** Declare `text` as `file`, from `previous` (the same file's last declaration) where it can. */
export function declareAgain(file: string, text: string, previous: Declared | undefined): Declared {
  if (previous && previous.text === text) return previous;
  const split = previous?.reuse ? splitServices(text) : null;
  const reused = previous?.reuse && split ? fromUnchanged(file, text, split, previous.reuse) : null;
  if (reused) return reused;
  const { decls, reusable, locator } = declareFileKeeping(file, text);
  const ownSplit = reusable ? split ?? splitServices(text) : null;
  return { text, decls, locator, reuse: reusable && ownSplit && agrees(ownSplit, reusable) ? { file: reusable, split: ownSplit } : null };
}

// the split found the items the reader read: as many, each service starting inside its item
function agrees(split: ServicesSplit, file: ReusableFile): boolean {
  const spots = file.serviceSpots;
  if (split.items.length !== (file.written.services ?? []).length || spots.length !== split.items.length) return false;
  return split.items.every((item, i) => spots[i]!.line >= item.line && (i + 1 === split.items.length || spots[i]!.line < split.items[i + 1]!.line));
}

function fromUnchanged(file: string, text: string, split: ServicesSplit, last: NonNullable<Declared['reuse']>): Declared | null {
  const before = last.split;
  if (split.frame !== before.frame || split.items.length !== before.items.length) return null;
  const changed: number[] = [];
  for (let i = 0; i < split.items.length; i++) if (!sameItem(split, before, i)) changed.push(i);
  if (changed.length === 0 || changed.length * 2 > split.items.length) return null;
  const services: WrittenService[] = [...(last.file.written.services ?? [])];
  const spots: FastSpot[] = [...last.file.serviceSpots];
  // the changed items are read together, as one `services:` list of them: one reader for all (a
  // 10% churn at 1,000 × 4 changes 400 items, and a reader per item was a third of the load); each
  // item's first line in that text is remembered to place its service's spot in the file
  const firstLines: number[] = [];
  let joined = 'services:\n';
  let lines = 1;
  for (const i of changed) {
    const item = split.items[i]!;
    firstLines.push(lines + 1);
    // an item's text ends before its last newline
    const lined = `${text.slice(item.start, item.end)}\n`;
    joined += lined;
    lines += countLines(lined);
  }
  const together = fastParseYaml(joined);
  const list = (together?.data as { services?: unknown } | null | undefined)?.services;
  if (!together || !Array.isArray(list) || list.length !== changed.length || together.serviceSpots.length !== changed.length) return null;
  for (let k = 0; k < changed.length; k++) {
    const i = changed[k]!;
    const spot = together.serviceSpots[k]!;
    // a service starts on its item's first line or below it, never in the next item's
    if (spot.line < firstLines[k]! || (k + 1 < changed.length && spot.line >= firstLines[k + 1]!)) return null;
    services[i] = list[k] as WrittenService;
    spots[i] = { line: split.items[i]!.line + spot.line - firstLines[k]!, col: spot.col };
  }
  // the frame is the same text, so the same values: only the changed services need the schema
  const written: WrittenFile = { ...last.file.written, services };
  if (validateWritten({ ...written, services: changed.map((i) => services[i]) }).length > 0) return null;
  const locator = fastLocator(file, text, spots);
  const decls = declarationsOf(written, locator);
  return { text, decls, locator, reuse: { file: { written, serviceSpots: spots }, split } };
}
