import type { Document, LineCounter, Node as YamlNode, YAMLError } from 'yaml';
import { yamlLibrary } from '../../lazy-libs.js';
import type { Diagnostic } from '../../diagnostics.js';
import { MAX_NESTING, fastParseYaml } from './fast-yaml.js';
import type { FastSpot } from './fast-yaml.js';
import { createLocator, toPointer } from './positions.js';
import type { Locator, Path, Spot } from './positions.js';

/** Finds nodes while the Document is kept; after release() a position request parses the text again. */
export interface ReleasableLocator extends Locator {
  /** drop the Document; positions stay available (the same text parses to the same positions) */
  release(): void;
}

/** One source file after the YAML stage: its data (when usable) and where its nodes are. */
export interface ParsedYaml {
  readonly locator: ReleasableLocator;
  /** plain JS value of the document; undefined when the YAML had errors */
  readonly data: unknown;
  readonly diagnostics: Diagnostic[];
  /** the fast reader accepted the text (fast-yaml.ts): where each service starts */
  readonly fast?: { readonly serviceSpots: readonly FastSpot[] };
}

const TOO_DEEP = `collections are nested more than ${MAX_NESTING} deep here; a desired-state file nests fewer than ten (services, realServers, healthCheck), so remove the extra brackets or indentation`;

function isStackOverflow(error: YAMLError): boolean {
  return error.code === 'RESOURCE_EXHAUSTION' && /call stack/i.test(error.message);
}

function toDiagnostic(file: string, lineCounter: LineCounter, error: YAMLError): Diagnostic {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  const severity = error.name === 'YAMLWarning' ? 'warning' : 'error';
  // the library's parser recurses per level and reports where its stack ran out
  const message = isStackOverflow(error)
    ? `${TOO_DEEP} (YAML ${error.code})`
    : `${error.message.replace(/\s+$/, '')} (YAML ${error.code}); fix the YAML syntax at this place`;
  return { severity, code: 'YAML_SYNTAX', message, file, line, col };
}

/**
 * The first collection nested more than MAX_NESTING deep, or null; walked with a stack of its own,
 * since the document may be deeper than the call stack. Checked before toJS, the schema and the
 * rules, which all recurse per level: a deep document is an error with a position, never a
 * "Maximum call stack size exceeded" from somewhere later.
 */
function tooDeep(doc: Document): YamlNode | null {
  const { isCollection, isPair } = yamlLibrary();
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isPair(node)) {
      stack.push({ node: node.key, depth }, { node: node.value, depth });
    } else if (isCollection(node)) {
      if (depth + 1 > MAX_NESTING) return node;
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return null;
}

const OPTIONS = { prettyErrors: false, stringKeys: true, merge: true, uniqueKeys: true } as const;

/**
 * A Document with node ranges is large. All files' declarations are kept until the cross-file rules
 * have run, so holding every Document made the peak RSS of one pass over a 50k-service config
 * 1.16 GiB (bench/, issue 6), for positions that only diagnostics need. declareFile locates what it
 * keeps, then releases the Document; a later diagnostic parses the text again.
 */
function releasableLocator(file: string, text: string, doc: Document, lineCounter: LineCounter): ReleasableLocator {
  let current: Locator | null = createLocator(file, doc, lineCounter);
  const get = (): Locator => {
    if (!current) {
      const again = new (yamlLibrary().LineCounter)();
      current = createLocator(file, yamlLibrary().parseDocument(text, { ...OPTIONS, lineCounter: again }), again);
    }
    return current;
  };
  return { file, value: (path) => get().value(path), key: (path) => get().key(path), release: () => { current = null; } };
}

/**
 * A file the fast reader accepted (fast-yaml.ts): its positions come from the `yaml` library, on
 * demand. Valid input needs only where each service starts (declareFile's `at`, the plan's origins),
 * which the fast reader recorded; every other spot (schema errors, rules, settings and scope merges)
 * is lazy: its line and col are read from a positioned parse of the text the first time anyone reads
 * them, which happens only when a diagnostic is built. So every diagnostic is placed by exactly the
 * code that placed it before, and a valid file is never parsed twice.
 */
export function fastLocator(file: string, text: string, serviceSpots: readonly FastSpot[]): ReleasableLocator {
  let current: Locator | null = null;
  const get = (): Locator => {
    if (!current) {
      const lineCounter = new (yamlLibrary().LineCounter)();
      current = createLocator(file, yamlLibrary().parseDocument(text, { ...OPTIONS, lineCounter }), lineCounter);
    }
    return current;
  };
  const lazy = (path: Path, which: 'value' | 'key'): Spot => {
    let found: Spot | null = null;
    const resolve = (): Spot => (found ??= get()[which](path));
    return {
      file, pointer: toPointer(path),
      get line() { return resolve().line; },
      get col() { return resolve().col; },
    };
  };
  return {
    file,
    value: (path) => {
      const spot = path.length === 2 && path[0] === 'services' && typeof path[1] === 'number' ? serviceSpots[path[1]] : undefined;
      // (toPointer's answer for this path, without its arrays: this runs once per service)
      return spot ? { file, line: spot.line, col: spot.col, pointer: `/services/${path[1] as number}` } : lazy(path, 'value');
    },
    key: (path) => lazy(path, 'key'),
    release: () => { current = null; },
  };
}

let fastReader = true;

/** Tests and the bench turn the fast reader off to compare with the `yaml`-only path; lvsync never does. */
export function useFastReader(on: boolean): void {
  fastReader = on;
}

// YAML problems are reported with positions and stop this file; the other files are still checked
export function parseYaml(file: string, text: string): ParsedYaml {
  const fast = fastReader ? fastParseYaml(text) : null;
  if (fast) return { locator: fastLocator(file, text, fast.serviceSpots), data: fast.data, diagnostics: [], fast: { serviceSpots: fast.serviceSpots } };
  const lineCounter = new (yamlLibrary().LineCounter)();
  const doc = yamlLibrary().parseDocument(text, { ...OPTIONS, lineCounter });
  const locator = releasableLocator(file, text, doc, lineCounter);
  // past a stack overflow the library reports every unclosed level again: the overflow alone says it
  const overflow = doc.errors.find(isStackOverflow);
  const diagnostics = (overflow ? [overflow] : [...doc.errors, ...doc.warnings]).map((e) => toDiagnostic(file, lineCounter, e));
  if (doc.errors.length > 0) return { locator, data: undefined, diagnostics };
  const deep = tooDeep(doc);
  if (deep) {
    const { line, col } = lineCounter.linePos(deep.range?.[0] ?? 0);
    diagnostics.push({ severity: 'error', code: 'YAML_SYNTAX', message: TOO_DEEP, file, line, col });
    return { locator, data: undefined, diagnostics };
  }
  try {
    return { locator, data: doc.toJS({ maxAliasCount: 1000 }), diagnostics };
  } catch (err) {
    // toJS throws on alias bombs ("Excessive alias count") and similar; report, never throw
    const message = `${(err as Error).message}; simplify the anchors and aliases in this file`;
    diagnostics.push({ severity: 'error', code: 'YAML_SYNTAX', message, file, line: 1, col: 1 });
    return { locator, data: undefined, diagnostics };
  }
}

/** The `yaml` library's reading of a text, for the differential test of the fast reader: its value, or null when it reports anything. */
export function positionedParse(text: string): { data: unknown; services: Spot[] } | null {
  const lineCounter = new (yamlLibrary().LineCounter)();
  const doc = yamlLibrary().parseDocument(text, { ...OPTIONS, lineCounter });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return null;
  const data = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  const locator = createLocator('-', doc, lineCounter);
  const list = (data as { services?: unknown } | null)?.services;
  const services = Array.isArray(list) ? list.map((_, i) => locator.value(['services', i])) : [];
  return { data, services };
}
