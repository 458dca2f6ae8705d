import { runChecked, type Ipvsadm } from '../ipvsadm/port.js';
import { parseListing, type Listing } from '../live/parse-listing.js';
import { parseIpvsadmSave } from '../live/parse-save.js';
import type { Table } from '../model/types.js';
import type { Clock } from './clock.js';

/**
 * Live counters for the status page and /metrics. `-S` shows none of them (facts §2.5), so a
 * snapshot takes `-S -n` (structure), `-L -n` (weights, active/inactive connections),
 * `-L -n --stats --exact` (cumulative counters) and `-L -n --rate --exact` (estimator rates).
 * --exact because ipvsadm scales values ≥ 10^8 otherwise (facts §8). The reads are not one atomic
 * snapshot; rows are matched by key.
 */
export interface LiveStats {
  readonly at: number;
  readonly table: Table;
  readonly conns: Listing;
  readonly stats: Listing;
  readonly rates: Listing;
}

export type LiveStatsResult = { readonly ok: true; readonly stats: LiveStats } | { readonly ok: false; readonly at: number; readonly error: string };

/** What /metrics needs: the default listing and the counters. */
export type CountersResult =
  | { readonly ok: true; readonly at: number; readonly conns: Listing; readonly stats: Listing }
  | { readonly ok: false; readonly at: number; readonly error: string };

export interface LiveStatsReader {
  /** the status page's snapshot: every listing at most minAgeMs old; concurrent callers share one read */
  read(): Promise<LiveStatsResult>;
  /** /metrics' snapshot: the same cache, two of the listings */
  readCounters(): Promise<CountersResult>;
  /** a listing read by someone else (the pass's `-S -n`, the drains' full `-L -n`): the next reader within minAgeMs takes it */
  offer(kind: OfferedKind, text: string): void;
}

export type ListingKind = 'save' | 'conns' | 'stats' | 'rates';
export type OfferedKind = 'save' | 'conns';

/** The command behind each listing; the tap recognises the two other readers take by the same argv. */
export const LISTING_ARGS: Readonly<Record<ListingKind, readonly string[]>> = {
  save: ['-S', '-n'],
  conns: ['-L', '-n'],
  stats: ['-L', '-n', '--stats', '--exact'],
  rates: ['-L', '-n', '--rate', '--exact'],
};

interface Parsed { save: Table; conns: Listing; stats: Listing; rates: Listing }

const PARSE: { readonly [K in ListingKind]: (text: string) => Parsed[K] } = {
  save: (text) => parseIpvsadmSave(text).table,
  conns: parseListing,
  stats: parseListing,
  rates: parseListing,
};

export async function readLiveStats(ipvsadm: Ipvsadm, now: number): Promise<LiveStats> {
  const save = await runChecked(ipvsadm, LISTING_ARGS.save);
  const conns = parseListing(await runChecked(ipvsadm, LISTING_ARGS.conns));
  const stats = parseListing(await runChecked(ipvsadm, LISTING_ARGS.stats));
  const rates = parseListing(await runChecked(ipvsadm, LISTING_ARGS.rates));
  return { at: now, table: parseIpvsadmSave(save).table, conns, stats, rates };
}

/** One listing's cache slot: the text as read, parsed on first use (an offered listing may never be asked for). */
interface Entry<K extends ListingKind> {
  readonly at: number;
  readonly text?: string;
  readonly error?: string;
  parsed?: Parsed[K];
}

const message = (err: unknown): string => err instanceof Error ? err.message : String(err);

/**
 * The kernel is read at most once per minAgeMs for each listing, whatever the number of scrapers and
 * browsers: a Prometheus pair scraping every 15 s and a status page refreshing every 5 s all share
 * one read. A failed read is kept as long, so a broken ipvsadm is not retried per request either.
 */
export function createLiveStatsReader(ipvsadm: Ipvsadm, clock: Clock, minAgeMs = 2000): LiveStatsReader {
  const entries: { [K in ListingKind]?: Entry<K> } = {};
  const inflight: { [K in ListingKind]?: Promise<Entry<K>> } = {};

  const fresh = <K extends ListingKind>(kind: K): Entry<K> | undefined => {
    const e = entries[kind] as Entry<K> | undefined;
    return e && clock.now() - e.at < minAgeMs ? e : undefined;
  };

  const entry = <K extends ListingKind>(kind: K): Promise<Entry<K>> => {
    const e = fresh(kind);
    if (e) return Promise.resolve(e);
    let p = inflight[kind] as Promise<Entry<K>> | undefined;
    if (!p) {
      const at = clock.now();
      p = runChecked(ipvsadm, LISTING_ARGS[kind])
        .then((text): Entry<K> => ({ at, text }), (err: unknown): Entry<K> => ({ at, error: message(err) }))
        .then((r) => { (entries as Record<K, Entry<K>>)[kind] = r; delete inflight[kind]; return r; });
      (inflight as Record<K, Promise<Entry<K>>>)[kind] = p;
    }
    return p;
  };

  const value = <K extends ListingKind>(kind: K, e: Entry<K>): Parsed[K] => {
    if (e.error !== undefined) throw new Error(e.error);
    e.parsed ??= PARSE[kind](e.text ?? '');
    return e.parsed;
  };

  async function snapshot<K extends ListingKind>(kinds: readonly K[]): Promise<{ ok: true; at: number; values: Pick<Parsed, K> } | { ok: false; at: number; error: string }> {
    const got = await Promise.all(kinds.map((k) => entry(k)));
    // the oldest read is what the snapshot is as old as
    const at = Math.min(...got.map((e) => e.at));
    try {
      const values = {} as Pick<Parsed, K>;
      kinds.forEach((k, i) => { values[k] = value(k, got[i]!) as Pick<Parsed, K>[K]; });
      return { ok: true, at, values };
    } catch (err) {
      return { ok: false, at, error: message(err) };
    }
  }

  return {
    async read() {
      const r = await snapshot(['save', 'conns', 'stats', 'rates'] as const);
      return r.ok ? { ok: true, stats: { at: r.at, table: r.values.save, ...r.values } } : r;
    },
    async readCounters() {
      const r = await snapshot(['conns', 'stats'] as const);
      return r.ok ? { ok: true, at: r.at, conns: r.values.conns, stats: r.values.stats } : r;
    },
    offer(kind, text) {
      // a read already under way is at least as new; one is never replaced by an older offer
      if (inflight[kind]) return;
      entries[kind] = { at: clock.now(), text } as never;
    },
  };
}

const sameArgs = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * ipvsadm as the daemon's passes use it, handing every full `-S -n` and `-L -n` they read (the
 * table, the drains' connection counts) to the live-stats cache: a scrape or a page view within the
 * cache's age after a pass runs no ipvsadm of its own for them.
 */
export function tapListings(ipvsadm: Ipvsadm, offer: (kind: OfferedKind, text: string) => void): Ipvsadm {
  return {
    describe: ipvsadm.describe,
    async run(args, input) {
      const r = await ipvsadm.run(args, input);
      if (r.exitCode === 0 && input === undefined) {
        if (sameArgs(args, LISTING_ARGS.save)) offer('save', r.stdout);
        else if (sameArgs(args, LISTING_ARGS.conns)) offer('conns', r.stdout);
      }
      return r;
    },
    ...(ipvsadm.readProcTable ? { readProcTable: () => ipvsadm.readProcTable!() } : {}),
    ...(ipvsadm.restore ? { restore: (input: string) => ipvsadm.restore!(input) } : {}),
  };
}
