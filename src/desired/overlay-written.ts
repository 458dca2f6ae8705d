import type { WrittenFile, WrittenPersistence, WrittenServer, WrittenService, WrittenTimeouts } from './written.js';
import type { Locator, Path, Spot } from './positions.js';

/**
 * The written shape of the fleet parts of a file (`overrides`, `fleet`) and their declarations.
 * Kept apart from written.ts so the per-director overlay is one feature in its own modules.
 */

/** A real server in an override: `address` (and `port`) say which one, the rest replaces its fields. */
export interface WrittenServerOverride extends Partial<Omit<WrittenServer, 'address'>> {
  readonly address: string;
  readonly remove?: boolean;
}

/** The fields of a service one director may change; never its identity or name. */
export interface WrittenServiceOverride {
  readonly scheduler?: string;
  readonly schedulerFlags?: readonly string[];
  readonly persistence?: WrittenPersistence;
  readonly persistenceEngine?: string;
  readonly onePacket?: boolean;
  readonly realServers?: readonly WrittenServerOverride[];
  /** health checks, the sorry server and the drain timeout may differ per director too */
  readonly healthCheck?: WrittenService['healthCheck'];
  readonly fallback?: WrittenService['fallback'];
  readonly drainTimeout?: WrittenService['drainTimeout'];
}

/** `overrides.<director>`: what differs on that director. */
export interface WrittenDirectorOverride {
  readonly services?: Readonly<Record<string, WrittenServiceOverride>>;
  readonly timeouts?: WrittenTimeouts;
  readonly syncDaemon?: WrittenFile['syncDaemon'];
  readonly sysctls?: Readonly<Record<string, number | string>>;
}

/** `fleet`: labels (name → member directors) and the pairs fleet-check compares. */
export interface WrittenFleet {
  readonly labels?: Readonly<Record<string, readonly string[]>>;
  readonly pairs?: readonly (readonly string[])[];
}

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
}
