import type { Diagnostic, DiagnosticCode } from '../diagnostics.js';
import type { OverlayDecl } from './overlay/decl.js';
import { where } from './rules/context.js';
import { keyAt, type BlockDecl, type WrittenDirectorOverride } from './written.js';
import { toSourceRef } from './yaml/positions.js';

/**
 * Blocks declared whole (`vrrp`, `anycast`): one file may declare each, and a director's override
 * replaces it whole. Merging them field by field across files would make "which services decide it"
 * a puzzle; an override replacing the block is what a per-director MED or weight needs.
 */

type BlockKey = 'vrrp' | 'anycast';

// the director's own block (overrides.<director>.<key>): the last one wins, like every override
export function directorBlock<K extends BlockKey>(overlays: readonly OverlayDecl[], director: string | undefined, key: K): BlockDecl<NonNullable<WrittenDirectorOverride[K]>> | null {
  if (director === undefined) return null;
  let found: BlockDecl<NonNullable<WrittenDirectorOverride[K]>> | null = null;
  for (const o of overlays) {
    for (const ov of o.overrides) {
      const raw = ov.raw[key];
      if (ov.director === director && raw) found = { raw: raw as NonNullable<WrittenDirectorOverride[K]>, path: [...ov.path, key], locator: ov.locator };
    }
  }
  return found;
}

/** The block in force: the override's, else the one file's; a second file's is `code` at its key. */
export function blockInForce<T>(files: readonly BlockDecl<T>[], override: BlockDecl<T> | null, key: BlockKey, code: DiagnosticCode, out: Diagnostic[]): BlockDecl<T> | null {
  const [first, ...rest] = files;
  for (const d of rest) {
    const at = keyAt(d);
    const firstAt = keyAt(first!);
    out.push({
      severity: 'error', code, file: at.file, line: at.line, col: at.col, path: at.pointer, related: toSourceRef(firstAt),
      message: `${key} is declared in more than one file (first at ${where(firstAt)}); declare it in one file, or use overrides.<director>.${key} for what differs on one director`,
    });
  }
  return override ?? first ?? null;
}
