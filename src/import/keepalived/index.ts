import type { ImportResult, ImportSources } from '../types.js';

/** Placeholder with the importer's signature, replaced when the keepalived importer is merged. */
export function importKeepalived(path: string, _sources: ImportSources, _options: { keepVrrp?: string }): ImportResult {
  return {
    document: { version: 1, services: [] },
    comments: [],
    notes: [{ severity: 'error', code: 'IMPORT_SYNTAX', message: 'the keepalived importer is not built yet', at: { file: path, line: 1 } }],
  };
}
