import type { OverlayDecl } from './decl.js';
import type { Spot } from '../yaml/positions.js';
import type { ServiceDecl } from '../written.js';

/**
 * The fleet a config describes: which names are labels (and their members), which are directors,
 * and which directors form pairs. Derived from every file, whatever director is selected, so each
 * director, CI (`plan --all-directors`) and `fleet-check` agree on it.
 */
export interface Fleet {
  /** label → member directors (members of one label in several files are concatenated) */
  readonly labels: ReadonlyMap<string, readonly string[]>;
  /** every director the config names: in `directors` lists (not labels), label members, pairs and override keys; sorted */
  readonly directors: readonly string[];
  /** directors that a service list, a label or a pair names: an override for any other is suspicious */
  readonly named: ReadonlySet<string>;
  /** `fleet.pairs`, in declaration order */
  readonly pairs: readonly { readonly directors: readonly [string, string]; readonly at: Spot }[];
  /** `fleet.anycast` groups, one per file that declares one */
  readonly anycast: readonly NonNullable<OverlayDecl['anycast']>[];
  /** whether the config uses `directors`, `overrides` or `fleet` at all */
  readonly used: boolean;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// one Fleet from all files' services and overlays
export function fleetOf(services: readonly ServiceDecl[], overlays: readonly OverlayDecl[]): Fleet {
  const labels = new Map<string, string[]>();
  for (const o of overlays) for (const l of o.labels) labels.set(l.label, [...new Set([...(labels.get(l.label) ?? []), ...l.members])]);
  const named = new Set<string>();
  let listed = false;
  for (const s of services) {
    for (const name of s.raw.directors ?? []) { listed = true; if (!labels.has(name)) named.add(name); }
  }
  for (const members of labels.values()) for (const m of members) named.add(m);
  const pairs = overlays.flatMap((o) => o.pairs);
  for (const p of pairs) for (const d of p.directors) named.add(d);
  const anycast = overlays.flatMap((o) => (o.anycast ? [o.anycast] : []));
  for (const g of anycast) for (const d of g.directors) named.add(d);
  const all = new Set(named);
  for (const o of overlays) for (const ov of o.overrides) all.add(ov.director);
  const used = listed || anycast.length > 0 || overlays.some((o) => o.overrides.length > 0 || o.labels.length > 0 || o.pairs.length > 0);
  return { labels, directors: [...all].sort(byName), named, pairs, anycast, used };
}

// a service is on `director` when it names no directors, names it, or names a label it belongs to
export function isOnDirector(service: ServiceDecl, director: string | undefined, fleet: Fleet): boolean {
  const names = service.raw.directors;
  if (names === undefined) return true;
  if (director === undefined) return false;
  return names.some((n) => n === director || (fleet.labels.get(n)?.includes(director) ?? false));
}
