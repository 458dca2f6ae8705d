import { LineCounter, parseDocument } from 'yaml';
import type { Document, YAMLError } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import { createLocator } from './positions.js';
import type { Locator } from './positions.js';

/** One source file after the YAML stage: its document (when usable) and where its nodes are. */
export interface ParsedYaml {
  readonly doc: Document;
  readonly locator: Locator;
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

// YAML problems are reported with positions and stop this file; the other files are still checked
export function parseYaml(file: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, stringKeys: true, merge: true, uniqueKeys: true });
  const locator = createLocator(file, doc, lineCounter);
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
