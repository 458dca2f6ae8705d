import type { WrittenDirectorOverride } from '../written.js';
import type { Locator, Path, Spot } from '../yaml/positions.js';

/**
 * The declarations of the fleet parts of a file (`overrides`, `fleet`): what was written there (its
 * shape is in written.ts, with the rest of the file's) and where each part is, for diagnostics.
 */

/** One `overrides.<director>` block as declared, with where its key is. */
export interface DirectorOverrideDecl {
  readonly director: string;
  readonly raw: WrittenDirectorOverride;
  /** ['overrides', director] */
  readonly path: Path;
  readonly locator: Locator;
  /** the director's key: "this override" in diagnostics */
  readonly at: Spot;
  /** where each service's key is, by service name */
  readonly serviceAt: ReadonlyMap<string, Spot>;
}

/** What one file says about the fleet; empty when it says nothing. */
export interface OverlayDecl {
  readonly overrides: readonly DirectorOverrideDecl[];
  readonly labels: readonly { readonly label: string; readonly members: readonly string[]; readonly at: Spot }[];
  readonly pairs: readonly { readonly directors: readonly [string, string]; readonly at: Spot }[];
  /** `fleet.anycast`: directors that serve the same VIPs at once; absent when the file has none */
  readonly anycast?: { readonly directors: readonly string[]; readonly severity: 'error' | 'warning'; readonly at: Spot };
}
