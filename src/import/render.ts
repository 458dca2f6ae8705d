import { Document, isSeq } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import { YAML_OPTIONS } from '../export/to-yaml.js';
import type { ImportComment, ImportNote, ImportResult, SourcePos } from './types.js';

/**
 * An import as YAML text: the document written the way `lvsync export` writes it, the header at
 * the top, then each comment where it belongs: before its service, or under the header. Every
 * comment starts with the source position it is about (`keepalived.conf:12: ...`), so a reader can
 * go from the YAML back to the line it came from.
 */
export function renderImport(result: ImportResult, header: readonly string[]): string {
  const doc = new Document(result.document);
  const items = servicesOf(doc);
  const top: string[] = [...header];
  const before = new Map<number, string[]>();
  for (const c of result.comments) {
    const lines = commentLines(c);
    if (c.service === null || items[c.service] === undefined) {
      top.push(...lines);
    } else {
      const list = before.get(c.service) ?? [];
      list.push(...lines);
      before.set(c.service, list);
    }
  }
  for (const [index, lines] of before) items[index]!.commentBefore = lines.map((l) => ` ${l}`).join('\n');
  if (top.length > 0 && doc.contents) doc.contents.commentBefore = top.map((l) => ` ${l}`).join('\n');
  return doc.toString(YAML_OPTIONS);
}

/** The nodes of the `services` list (empty when there is none), for their comments. */
function servicesOf(doc: Document): { commentBefore?: string | null }[] {
  const seq = doc.get('services', true);
  return isSeq(seq) ? (seq.items as { commentBefore?: string | null }[]) : [];
}

/** "file:line: text", one comment line per line of text, the continuation lines indented. */
function commentLines(c: ImportComment): string[] {
  const [first = '', ...rest] = c.text.split('\n');
  return [`${where(c.at)}: ${first}`, ...rest.map((l) => `  ${l}`)];
}

function where(at: SourcePos): string {
  return `${at.file}:${at.line}${at.col === undefined ? '' : `:${at.col}`}`;
}

/** A note as a diagnostic, printed `file:line:col: severity[CODE]: message` like every other. */
export function noteDiagnostic(note: ImportNote): Diagnostic {
  return {
    severity: note.severity,
    code: note.code,
    message: note.message,
    file: note.at.file,
    line: note.at.line,
    col: note.at.col ?? 1,
    ...(note.related ? { related: { file: note.related.file, line: note.related.line, col: note.related.col ?? 1 } } : {}),
  };
}
