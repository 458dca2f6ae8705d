import type { ImportResult, ImportSources } from '../types.js';

/** Placeholder with the importer's signature, replaced when the ldirectord importer is merged. */
export function importLdirectord(path: string, _sources: ImportSources): ImportResult {
  return {
    document: { version: 1, services: [] },
    comments: [],
    notes: [{ severity: 'error', code: 'IMPORT_SYNTAX', message: 'the ldirectord importer is not built yet', at: { file: path, line: 1 } }],
  };
}
