import { runChecked, type Ipvsadm } from '../ipvsadm/port.js';
import { parseListing, type Listing } from '../live/parse-listing.js';
import { parseIpvsadmSave } from '../live/parse-save.js';
import type { Table } from '../model/types.js';
import type { Clock } from './clock.js';

/**
 * Live counters for the status page. `-S` shows none of them (facts §2.5), so each snapshot runs
 * `-S -n` (structure), `-L -n` (active/inactive connections), `-L -n --stats --exact` (cumulative
 * counters) and `-L -n --rate --exact` (estimator rates). --exact because ipvsadm scales values
 * ≥ 10^8 otherwise (facts §8). The four reads are not one atomic snapshot; rows are matched by key.
 */
export interface LiveStats {
  readonly at: number;
  readonly table: Table;
  readonly conns: Listing;
  readonly stats: Listing;
  readonly rates: Listing;
}

export type LiveStatsResult = { readonly ok: true; readonly stats: LiveStats } | { readonly ok: false; readonly at: number; readonly error: string };

export interface LiveStatsReader {
  /** a snapshot at most ttlMs old; concurrent callers share one read */
  read(): Promise<LiveStatsResult>;
}

export async function readLiveStats(ipvsadm: Ipvsadm, now: number): Promise<LiveStats> {
  const save = await runChecked(ipvsadm, ['-S', '-n']);
  const conns = parseListing(await runChecked(ipvsadm, ['-L', '-n']));
  const stats = parseListing(await runChecked(ipvsadm, ['-L', '-n', '--stats', '--exact']));
  const rates = parseListing(await runChecked(ipvsadm, ['-L', '-n', '--rate', '--exact']));
  return { at: now, table: parseIpvsadmSave(save).table, conns, stats, rates };
}

/** A page refreshing every few seconds in several browsers must not start four processes per view. */
export function createLiveStatsReader(ipvsadm: Ipvsadm, clock: Clock, ttlMs = 2000): LiveStatsReader {
  let last: LiveStatsResult | null = null;
  let inflight: Promise<LiveStatsResult> | null = null;
  return {
    read() {
      const at = last ? (last.ok ? last.stats.at : last.at) : -Infinity;
      if (last && clock.now() - at < ttlMs) return Promise.resolve(last);
      inflight ??= readLiveStats(ipvsadm, clock.now())
        .then((stats): LiveStatsResult => ({ ok: true, stats }))
        .catch((err: unknown): LiveStatsResult => ({ ok: false, at: clock.now(), error: err instanceof Error ? err.message : String(err) }))
        .then((r) => { last = r; inflight = null; return r; });
      return inflight;
    },
  };
}
