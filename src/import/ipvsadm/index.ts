import type { DiagnosticCode } from '../../diagnostics.js';
import { exportDocument } from '../../export/to-yaml.js';
import type { RulesParse } from '../../live/parse-save.js';
import { lookupDiagnostic } from '../../live/rules-mode.js';
import { sortedServices } from '../../model/order.js';
import type { ImportCode, ImportComment, ImportNote, ImportResult } from '../types.js';

/**
 * `lvsync import ipvsadm FILE`: a rules file (an `ipvsadm-save` output, with or without -n, or a
 * hand-kept file for `ipvsadm-restore`) as the document `lvsync export --live FILE` writes, plus a
 * note and a comment for every name looked up. The reading, names included, is the -S parser's rules
 * mode (src/live/parse-save.ts parseRulesFile); read-rules.ts resolves the host names first, so this
 * stays pure.
 */
export function importIpvsadm(path: string, parsed: RulesParse): ImportResult {
  const order = sortedServices(parsed.table.services.values()).map((s) => s.key);
  const notes: ImportNote[] = [];
  for (const d of parsed.diagnostics) {
    const code = IMPORT_CODE[d.code];
    if (code === undefined) throw new Error(`lvsync bug: no import code for ${d.code}`);
    notes.push({
      severity: d.severity, code, message: d.message, at: { file: path, line: d.line ?? 0, col: d.col ?? 1 },
      ...(d.related ? { related: { file: path, line: d.related.line, col: d.related.col } } : {}),
    });
  }
  // a name used by one service is noted before that service; one used by several, at the top
  const comments: ImportComment[] = parsed.lookups.filter((l) => l.lines.length > 0).map((l) => {
    const only = l.services.size === 1 ? order.indexOf([...l.services][0]!) : -1;
    return { service: only < 0 ? null : only, text: lookupDiagnostic(l, path).message, at: { file: path, line: l.lines[0]! } };
  });
  return { document: exportDocument(parsed.table), comments, notes };
}

const IMPORT_CODE: Partial<Record<DiagnosticCode, ImportCode>> = {
  LIVE_PARSE: 'IMPORT_SYNTAX',
  LIVE_RESOLVED: 'IMPORT_RESOLVED',
  LIVE_UNRESOLVED: 'IMPORT_UNRESOLVED',
  LIVE_COLLISION: 'IMPORT_COLLISION',
};
