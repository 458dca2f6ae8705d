import type { Locator } from '../yaml/positions.js';
import type { DirectorOverrideDecl, OverlayDecl } from './decl.js';
import type { WrittenFile } from '../written.js';

/**
 * The fleet parts of one file (`overrides`, `fleet`) as declarations, located while the file's
 * Document is still held (declare.ts releases it afterwards). A file whose fleet parts failed the
 * schema contributes none of them: the schema errors already make the config invalid.
 */

export const NO_OVERLAY: OverlayDecl = { overrides: [], labels: [], pairs: [] };

// NO_OVERLAY when the file says nothing about the fleet, so configs without one cost nothing here;
// `skip` holds the parts that failed the schema (overlayPart), which are left out
export function overlayOf(written: WrittenFile, locator: Locator, skip: ReadonlySet<string>): OverlayDecl {
  if (written.overrides === undefined && written.fleet === undefined) return NO_OVERLAY;
  const fleet = skip.has('fleet') ? undefined : written.fleet;
  const entries = skip.has('overrides') ? [] : Object.entries(written.overrides ?? {}).filter(([director]) => !skip.has(`overrides/${director}`));
  const overrides = entries.map(([director, raw]): DirectorOverrideDecl => {
    const path = ['overrides', director] as const;
    const serviceAt = new Map(Object.keys(raw.services ?? {}).map((name) => [name, locator.key([...path, 'services', name])] as const));
    return { director, raw, path, locator, at: locator.key(path), serviceAt };
  });
  const labels = Object.entries(fleet?.labels ?? {}).map(([label, members]) => ({ label, members, at: locator.key(['fleet', 'labels', label]) }));
  const pairs = (fleet?.pairs ?? []).map((pair, i) => ({ directors: [pair[0]!, pair[1]!] as const, at: locator.value(['fleet', 'pairs', i]) }));
  const anycast = fleet?.anycast ? { directors: fleet.anycast, severity: fleet.anycastSeverity ?? 'error' as const, at: locator.value(['fleet', 'anycast']) } : undefined;
  return { overrides, labels, pairs, ...(anycast ? { anycast } : {}) };
}

// the part a schema finding drops (see declare.ts skipsFor): one director's overrides, all of them, or `fleet`; null if none
export function overlayPart(pointer: string): string | null {
  const m = /^\/(overrides|fleet)(?:\/([^/]+))?/.exec(pointer);
  if (!m) return null;
  return m[1] === 'overrides' && m[2] !== undefined ? `overrides/${m[2]}` : m[1]!;
}
