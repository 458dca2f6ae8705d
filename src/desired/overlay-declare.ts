import type { Locator } from './positions.js';
import type { DirectorOverrideDecl, OverlayDecl } from './overlay-written.js';
import type { WrittenFile } from './written.js';

/**
 * The fleet parts of one file (`overrides`, `fleet`) as declarations, located while the file's
 * Document is still held (declare.ts releases it afterwards). A file whose fleet parts failed the
 * schema contributes none of them: the schema errors already make the config invalid.
 */

export const NO_OVERLAY: OverlayDecl = { overrides: [], labels: [], pairs: [] };

// [] when the file says nothing about the fleet, so configs without one cost nothing here
export function overlayOf(written: WrittenFile, locator: Locator): OverlayDecl {
  if (written.overrides === undefined && written.fleet === undefined) return NO_OVERLAY;
  const overrides = Object.entries(written.overrides ?? {}).map(([director, raw]): DirectorOverrideDecl => {
    const path = ['overrides', director] as const;
    const serviceAt = new Map(Object.keys(raw.services ?? {}).map((name) => [name, locator.key([...path, 'services', name])] as const));
    return { director, raw, path, locator, at: locator.key(path), serviceAt };
  });
  const labels = Object.entries(written.fleet?.labels ?? {}).map(([label, members]) => ({ label, members, at: locator.key(['fleet', 'labels', label]) }));
  const pairs = (written.fleet?.pairs ?? []).map((pair, i) => ({ directors: [pair[0]!, pair[1]!] as const, at: locator.value(['fleet', 'pairs', i]) }));
  return { overrides, labels, pairs };
}

// a schema finding under /overrides or /fleet drops the file's fleet parts (see declare.ts skipsFor)
export function isOverlayPointer(pointer: string): boolean {
  return /^\/(overrides|fleet)(\/|$)/.test(pointer);
}
