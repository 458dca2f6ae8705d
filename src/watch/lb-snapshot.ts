import type { HealthState } from '../health/types.js';
import { loadBalancerSeries, type Sample, type SeriesName } from './lb-series.js';
import type { CountersResult } from './live-stats.js';
import type { DaemonStatus } from './status.js';

/**
 * The series of one scrape, computed once: prom-client asks each family for its values, and every
 * family asks this. The listings come from the live-stats cache (one kernel read per its min age);
 * the series are computed again only when a listing, the config, the health or the drains changed.
 */
export function createLoadBalancerSnapshot(deps: {
  readonly status: DaemonStatus;
  readonly read: () => Promise<CountersResult>;
  readonly servers: boolean;
}): () => Promise<ReadonlyMap<SeriesName, readonly Sample[]>> {
  let memo: { readonly key: readonly unknown[]; readonly series: ReadonlyMap<SeriesName, readonly Sample[]> } | null = null;
  return async () => {
    const r = await deps.read();
    const { status } = deps;
    const conns = r.ok ? r.conns : null;
    const stats = r.ok ? r.stats : null;
    const key = [conns, stats, status.desired, status.health, status.drains];
    if (memo && memo.key.every((k, i) => k === key[i])) return memo.series;
    const health = new Map<string, HealthState>();
    for (const [id, { state }] of status.health) health.set(id, state);
    const series = loadBalancerSeries({ desired: status.desired, conns, stats, health, drains: status.drains, servers: deps.servers });
    memo = { key, series };
    return series;
  };
}
