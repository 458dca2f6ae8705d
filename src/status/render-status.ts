import type { DrainRecord } from '../plan/annotations.js';
import type { HealthState } from '../health/types.js';
import type { Listing } from '../live/parse-listing.js';
import { serverTargetKey } from '../plan/types.js';
import { describeTarget, hostPort } from '../model/keys.js';
import { sortedServers, sortedServices } from '../model/order.js';
import { flagNames } from '../model/schedulers.js';
import type { DesiredState } from '../model/types.js';
import type { LiveStats } from '../watch/live-stats.js';

/**
 * `lvsync status`: the live table as a person wants to read it at 3 a.m. — one block per service,
 * its real servers with method, weight, connections, and optionally cumulative counters and rates —
 * instead of three differently laid out `ipvsadm -L` listings. Pure: a snapshot in, text or JSON out.
 */
export interface StatusOptions {
  readonly stats: boolean;
  readonly rates: boolean;
  /** names and ownership from the config, when PATHs were given */
  readonly desired?: DesiredState | null;
  /** health of checked real servers as lvsync watch recorded it (state directory), by `service#server` */
  readonly health?: ReadonlyMap<string, HealthState>;
  /** drains in progress (state directory), by id (`service` or `service#server`) */
  readonly drains?: ReadonlyMap<string, DrainRecord>;
  /** the time the snapshot is shown at (for "since" and "left") */
  readonly now?: number;
}

// "up", "down since 13:54:00 (connect ECONNREFUSED)", "draining, 25s left": what lvsync knows beyond the kernel
function healthCell(key: string, server: string, options: StatusOptions): string {
  const parts: string[] = [];
  const drain = options.drains?.get(serverTargetKey(key, server)) ?? options.drains?.get(key);
  if (drain) parts.push(`draining, ${Math.max(0, Math.round((drain.deadline - (options.now ?? Date.now())) / 1000))}s left`);
  const h = options.health?.get(serverTargetKey(key, server));
  if (h) {
    const since = h.status === 'down' && h.since !== null ? ` since ${new Date(h.since).toISOString().slice(11, 19)}` : '';
    const why = h.status === 'down' && h.lastResult ? ` (${h.lastResult.detail})` : '';
    parts.push(`${h.status}${since}${why}`);
  }
  return parts.join('; ') || '-';
}

function showsHealth(options: StatusOptions): boolean {
  return (options.health?.size ?? 0) > 0 || (options.drains?.size ?? 0) > 0;
}

const STAT_COLUMNS = ['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'] as const;
const RATE_COLUMNS = ['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'] as const;

/** 1234567 → "1.2M": counters are for eyes here; --json has the exact numbers. */
export function humanCount(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '-';
  if (n < 10_000) return String(n);
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}

function pad(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

function values(listing: Listing, key: string, server?: string): Readonly<Record<string, number>> {
  const svc = listing.services.get(key);
  if (!svc) return {};
  return server === undefined ? svc.values : svc.servers.get(server)?.values ?? {};
}

export function renderStatusText(snapshot: LiveStats, options: StatusOptions): string {
  const out: string[] = [];
  const services = sortedServices(snapshot.table.services.values());
  if (services.length === 0) return 'The IPVS table is empty.\n';
  for (const svc of services) {
    const declared = options.desired?.table.services.get(svc.key);
    const name = declared?.name ? `${declared.name}  ` : '';
    const flags = flagNames(svc.scheduler, svc.schedulerFlags);
    const attrs = [svc.scheduler + (flags.length ? ` (${flags.join(',')})` : '')];
    if (svc.persistence) attrs.push(`persistent ${svc.persistence.timeout}s`);
    if (svc.persistenceEngine) attrs.push(`pe ${svc.persistenceEngine}`);
    if (svc.onePacket) attrs.push('one-packet');
    if (options.desired) attrs.push(declared ? 'declared' : 'not declared');
    out.push(`${name}${describeTarget(svc.target)}  ${attrs.join(', ')}`);
    const header = ['  real server', 'method', 'weight', 'active', 'inactive'];
    const health = showsHealth(options);
    if (options.stats) header.push(...STAT_COLUMNS.map((c) => c.toLowerCase()));
    if (options.rates) header.push(...RATE_COLUMNS.map((c) => c.toLowerCase()));
    if (health) header.push('health');
    const rows = [header];
    for (const s of sortedServers(svc.servers.values())) {
      const conns = values(snapshot.conns, svc.key, s.key);
      const row = [`  ${hostPort(s.address, s.port)}`, s.method, String(s.weight), humanCount(conns['ActiveConn']), humanCount(conns['InActConn'])];
      if (options.stats) { const v = values(snapshot.stats, svc.key, s.key); row.push(...STAT_COLUMNS.map((c) => humanCount(v[c]))); }
      if (options.rates) { const v = values(snapshot.rates, svc.key, s.key); row.push(...RATE_COLUMNS.map((c) => humanCount(v[c]))); }
      if (health) row.push(healthCell(svc.key, s.key, options));
      rows.push(row);
    }
    if (rows.length === 1) { out.push('  (no real servers)', ''); continue; }
    if (options.stats || options.rates) {
      const total = ['  total', '', '', '', ''];
      if (options.stats) { const v = values(snapshot.stats, svc.key); total.push(...STAT_COLUMNS.map((c) => humanCount(v[c]))); }
      if (options.rates) { const v = values(snapshot.rates, svc.key); total.push(...RATE_COLUMNS.map((c) => humanCount(v[c]))); }
      rows.push(total);
    }
    out.push(...pad(rows), '');
  }
  return `${out.join('\n')}`;
}

/** The same snapshot with exact numbers, for scripts. */
export function renderStatusJson(snapshot: LiveStats, options: StatusOptions): string {
  const services = sortedServices(snapshot.table.services.values()).map((svc) => ({
    key: svc.key,
    name: options.desired?.table.services.get(svc.key)?.name ?? null,
    declared: options.desired ? options.desired.table.services.has(svc.key) : null,
    target: describeTarget(svc.target),
    scheduler: svc.scheduler,
    schedulerFlags: flagNames(svc.scheduler, svc.schedulerFlags),
    persistence: svc.persistence,
    persistenceEngine: svc.persistenceEngine,
    onePacket: svc.onePacket,
    stats: values(snapshot.stats, svc.key),
    rates: values(snapshot.rates, svc.key),
    realServers: sortedServers(svc.servers.values()).map((s) => ({
      address: s.address,
      port: s.port,
      method: s.method,
      weight: s.weight,
      activeConns: values(snapshot.conns, svc.key, s.key)['ActiveConn'] ?? null,
      inactiveConns: values(snapshot.conns, svc.key, s.key)['InActConn'] ?? null,
      stats: values(snapshot.stats, svc.key, s.key),
      rates: values(snapshot.rates, svc.key, s.key),
      health: options.health?.get(`${svc.key}#${s.key}`) ?? null,
      draining: options.drains?.get(`${svc.key}#${s.key}`) ?? options.drains?.get(svc.key) ?? null,
    })),
  }));
  return `${JSON.stringify({ formatVersion: 1, at: new Date(snapshot.at).toISOString(), services }, null, 2)}\n`;
}
