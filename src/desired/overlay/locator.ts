import type { Locator, Path, Spot } from '../yaml/positions.js';

/**
 * Positions for a service merged with an override: a field that came from the override is found in
 * the override's file, everything else in the service's. The rules then point at whichever
 * file:line:col holds the value they complain about, as if the merged service had been written.
 */

/** Where one merged real server came from: its index in the service and/or the override, and the fields the override set. */
export interface ServerOrigin {
  readonly base: number | null;
  readonly override: number | null;
  readonly fields: ReadonlySet<string>;
}

/** Where the merged service's parts came from. */
export interface MergeOrigin {
  readonly base: { readonly path: Path; readonly locator: Locator };
  /** the override's service entry, e.g. ['overrides', 'lb2', 'services', 'web'] */
  readonly override: { readonly path: Path; readonly locator: Locator };
  /** service fields the override set (other than realServers) */
  readonly fields: ReadonlySet<string>;
  /** by merged index */
  readonly servers: readonly ServerOrigin[];
}

type Target = { locator: Locator; path: Path };

function route(origin: MergeOrigin, sub: Path): Target {
  const base = (rest: Path): Target => ({ locator: origin.base.locator, path: [...origin.base.path, ...rest] });
  const over = (rest: Path): Target => ({ locator: origin.override.locator, path: [...origin.override.path, ...rest] });
  const [field, index, serverField, ...rest] = sub;
  if (field === undefined) return base([]);
  if (field !== 'realServers') return origin.fields.has(String(field)) ? over(sub) : base(sub);
  const server = typeof index === 'number' ? origin.servers[index] : undefined;
  if (!server) return base(sub);
  const fromOverride = server.base === null || (serverField !== undefined && server.fields.has(String(serverField)));
  const tail = serverField === undefined ? [] : [serverField, ...rest];
  return fromOverride && server.override !== null
    ? over(['realServers', server.override, ...tail])
    : base(['realServers', server.base ?? 0, ...tail]);
}

// a Locator for paths under origin.base.path; any other path goes to the base locator unchanged
export function mergedLocator(origin: MergeOrigin): Locator {
  const prefix = origin.base.path;
  const within = (path: Path): Path | null =>
    path.length >= prefix.length && prefix.every((seg, i) => seg === path[i]) ? path.slice(prefix.length) : null;
  const find = (path: Path, how: 'value' | 'key'): Spot => {
    const sub = within(path);
    if (sub === null) return origin.base.locator[how](path);
    const t = route(origin, sub);
    return t.locator[how](t.path);
  };
  return { file: origin.base.locator.file, value: (path) => find(path, 'value'), key: (path) => find(path, 'key') };
}
