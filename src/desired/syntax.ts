import { LineCounter, parseDocument } from 'yaml';
import type { Document, YAMLError } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import { createLocator } from './positions.js';
import type { Locator } from './positions.js';

/** Finds nodes while the Document is kept; after release() a position request parses the text again. */
export interface ReleasableLocator extends Locator {
  /** drop the Document; positions stay available (the same text parses to the same positions) */
  release(): void;
}

/** One source file after the YAML stage: its document (when usable) and where its nodes are. */
export interface ParsedYaml {
  readonly doc: Document;
  readonly locator: ReleasableLocator;
  /** plain JS value of the document; undefined when the YAML had errors */
  readonly data: unknown;
  readonly diagnostics: Diagnostic[];
}

function toDiagnostic(file: string, lineCounter: LineCounter, error: YAMLError): Diagnostic {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  const severity = error.name === 'YAMLWarning' ? 'warning' : 'error';
  const message = `${error.message.replace(/\s+$/, '')} (YAML ${error.code}); fix the YAML syntax at this place`;
  return { severity, code: 'YAML_SYNTAX', message, file, line, col };
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
      const again = new LineCounter();
      current = createLocator(file, parseDocument(text, { ...OPTIONS, lineCounter: again }), again);
    }
    return current;
  };
  return { file, value: (path) => get().value(path), key: (path) => get().key(path), release: () => { current = null; } };
}

// YAML problems are reported with positions and stop this file; the other files are still checked
export function parseYaml(file: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...OPTIONS, lineCounter });
  const locator = releasableLocator(file, text, doc, lineCounter);
  const diagnostics = [...doc.errors, ...doc.warnings].map((e) => toDiagnostic(file, lineCounter, e));
  if (doc.errors.length > 0) return { doc, locator, data: undefined, diagnostics };
  try {
    return { doc, locator, data: doc.toJS({ maxAliasCount: 1000 }), diagnostics };
  } catch (err) {
    // toJS throws on alias bombs ("Excessive alias count") and similar; report, never throw
    const message = `${(err as Error).message}; simplify the anchors and aliases in this file`;
    diagnostics.push({ severity: 'error', code: 'YAML_SYNTAX', message, file, line: 1, col: 1 });
    return { doc, locator, data: undefined, diagnostics };
  }
}
