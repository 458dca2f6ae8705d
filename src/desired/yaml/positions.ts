import type { Document, LineCounter, Node as YamlNode, Pair } from 'yaml';
import { yamlLibrary } from '../../lazy-libs.js';
import type { SourceRef } from '../../model/types.js';

/** A path into the written document, as Ajv and our rules see it: map keys and list indexes. */
export type Path = readonly (string | number)[];

/** A place in a source file, plus the JSON pointer of the node it belongs to. */
export interface Spot extends SourceRef {
  readonly pointer: string;
}

/** Finds where things were written in one parsed file. */
export interface Locator {
  readonly file: string;
  /** the value node at `path`, or its deepest ancestor that exists (aliases are followed) */
  value(path: Path): Spot;
  /** the key of the last path segment when it is a map key; otherwise like `value` */
  key(path: Path): Spot;
}

interface Found {
  readonly node: YamlNode | null;
  readonly pair: Pair | null;
  readonly complete: boolean;
}

// RFC 6901 escaping, so `path` in diagnostics can be fed to JSON tools
export function toPointer(path: Path): string {
  return path.map((seg) => '/' + String(seg).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

// Ajv reports `instancePath` as a JSON pointer; the locator walks segments
export function fromPointer(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((seg) => {
    const text = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^(0|[1-9]\d*)$/.test(text) ? Number(text) : text;
  });
}

function walk(doc: Document, path: Path): Found {
  const { isAlias, isMap, isScalar, isSeq } = yamlLibrary();
  let node: YamlNode | null = (doc.contents as YamlNode | null) ?? null;
  let pair: Pair | null = null;
  for (const seg of path) {
    if (node && isAlias(node)) node = (node.resolve(doc) as YamlNode | undefined) ?? node;
    let next: YamlNode | null = null;
    let nextPair: Pair | null = null;
    if (node && isMap(node)) {
      nextPair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg)) ?? null;
      next = nextPair ? ((nextPair.value as YamlNode | null) ?? null) : null;
      if (nextPair && !next) return { node: (nextPair.key as YamlNode | null) ?? node, pair: nextPair, complete: false };
    } else if (node && isSeq(node) && typeof seg === 'number') {
      next = (node.items[seg] as YamlNode | undefined) ?? null;
    }
    if (!next) return { node, pair, complete: false };
    node = next;
    pair = nextPair;
  }
  if (node && isAlias(node)) node = (node.resolve(doc) as YamlNode | undefined) ?? node;
  return { node, pair, complete: true };
}

// one locator per parsed file: the bridge from paths to file:line:col
export function createLocator(file: string, doc: Document, lineCounter: LineCounter): Locator {
  const spot = (node: YamlNode | null | undefined, path: Path): Spot => {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col, pointer: toPointer(path) };
  };
  return {
    file,
    value: (path) => spot(walk(doc, path).node, path),
    key: (path) => {
      const found = walk(doc, path);
      const keyNode = found.complete && found.pair ? (found.pair.key as YamlNode | null) : null;
      return spot(keyNode ?? found.node, path);
    },
  };
}

// origins and `related` carry no pointer: they describe a place, not a node
export function toSourceRef(spot: Spot): SourceRef {
  return { file: spot.file, line: spot.line, col: spot.col };
}
