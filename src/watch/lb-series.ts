import type { HealthState } from '../health/types.js';
import { applyHealth } from '../health/overlay.js';
import type { Listing } from '../live/parse-listing.js';
import { describeTarget } from '../model/keys.js';
import type { DesiredState, RealServer, ServiceTarget } from '../model/types.js';
import type { DrainView } from '../plan/annotations.js';

/**
 * How the load balancer is doing, as Prometheus series named after the config (issue 18): per
 * declared service and per real server, from the default listing (weights, connections), the
 * `--stats --exact` listing (counters), the health states and the drains. Pure: the collector in
 * metrics.ts reads, this computes, so tests assert exact label sets and values.
 */

export type SeriesType = 'gauge' | 'counter';
export type Labels = Readonly<Record<string, string>>;
export interface Sample { readonly labels: Labels; readonly value: number }

export interface SeriesSpec {
  readonly type: SeriesType;
  readonly help: string;
  /** 'service': one per declared service; 'server': one per real server (off with --metrics-servers=false) */
  readonly per: 'service' | 'server';
}

const SERVICE_LABELS = 'labels service (the config name), protocol, address and port, or protocol="fwmark", fwmark and family';
const SERVER_LABELS = 'the service labels plus server_address and server_port';

/** Every series this module makes, with its help text: the metrics table in docs/daemon.md lists each. */
export const LB_SERIES = {
  lvsync_service_active_connections: { type: 'gauge', per: 'service', help: `Active (established) connections of a declared service, the sum over its real servers (ipvsadm -L -n ActiveConn); ${SERVICE_LABELS}.` },
  lvsync_service_inactive_connections: { type: 'gauge', per: 'service', help: 'Inactive connections of a declared service (ipvsadm -L -n InActConn; UDP flows are all inactive).' },
  lvsync_service_connections_total: { type: 'counter', per: 'service', help: 'Connections the kernel scheduled for a declared service since the service was created (ipvsadm -L --stats --exact Conns).' },
  lvsync_service_packets_total: { type: 'counter', per: 'service', help: 'Packets of a declared service since it was created, by direction (in: from clients, out: replies through the director; DR and tunnel replies bypass it).' },
  lvsync_service_bytes_total: { type: 'counter', per: 'service', help: 'Bytes of a declared service since it was created, by direction (in, out), as --stats --exact counts them.' },
  lvsync_service_real_servers: { type: 'gauge', per: 'service', help: 'Real servers of a declared service by status: up (declared, not failing its health check), down (failing it), draining (removed, waiting for its connections).' },
  lvsync_service_fail_open: { type: 'gauge', per: 'service', help: '1 when every weighted real server of the service failed its health check and it has no fallback: kept at declared weights (fail open); 0 otherwise.' },
  lvsync_real_server_weight: { type: 'gauge', per: 'server', help: `Weight of a real server in the kernel now (0 while quiesced: health down, draining); ${SERVER_LABELS}.` },
  lvsync_real_server_declared_weight: { type: 'gauge', per: 'server', help: 'Weight the config declares for the real server; absent for servers the config no longer declares (draining, or not lvsync\'s).' },
  lvsync_real_server_healthy: { type: 'gauge', per: 'server', help: '1 unless the real server is failing its health check (unchecked and not-yet-decided servers count as healthy), 0 when down; declared servers only.' },
  lvsync_real_server_draining: { type: 'gauge', per: 'server', help: '1 while the real server is being drained (weight 0 until its connections end or drainTimeout), 0 otherwise.' },
  lvsync_real_server_active_connections: { type: 'gauge', per: 'server', help: 'Active connections of the real server (ipvsadm -L -n ActiveConn).' },
  lvsync_real_server_inactive_connections: { type: 'gauge', per: 'server', help: 'Inactive connections of the real server (ipvsadm -L -n InActConn).' },
  lvsync_real_server_connections_total: { type: 'counter', per: 'server', help: 'Connections the kernel sent to the real server since it was added (--stats --exact Conns).' },
  lvsync_real_server_packets_total: { type: 'counter', per: 'server', help: 'Packets to and from the real server since it was added, by direction (in, out).' },
  lvsync_real_server_bytes_total: { type: 'counter', per: 'server', help: 'Bytes to and from the real server since it was added, by direction (in, out).' },
} as const satisfies Record<string, SeriesSpec>;

export type SeriesName = keyof typeof LB_SERIES;

export interface LoadBalancerInput {
  /** the desired state in force; null: nothing declared yet, no series */
  readonly desired: DesiredState | null;
  /** `ipvsadm -L -n` and `-L -n --stats --exact`; null when the read failed (then only the config and health series) */
  readonly conns: Listing | null;
  readonly stats: Listing | null;
  readonly health: ReadonlyMap<string, HealthState>;
  /** drains in progress (status.drains) */
  readonly drains: readonly DrainView[];
  /** --metrics-servers: per-real-server series (false: the per-service ones only) */
  readonly servers: boolean;
}

/** The labels that name a service: its config name (or how plans name it, when it has none) and where it is. */
export function serviceLabels(name: string | null, target: ServiceTarget): Labels {
  const service = name ?? describeTarget(target);
  return target.kind === 'fwmark'
    ? { service, protocol: 'fwmark', fwmark: String(target.mark), family: target.family }
    : { service, protocol: target.protocol, address: target.address, port: String(target.port) };
}

// "address|port", the server key: split at the last '|' (IPv6 addresses hold ':' but never '|')
function serverLabels(service: Labels, key: string): Labels {
  const i = key.lastIndexOf('|');
  return { ...service, server_address: key.slice(0, i), server_port: key.slice(i + 1) };
}

const STATS: readonly { column: string; name: SeriesName; direction?: 'in' | 'out' }[] = [
  { column: 'Conns', name: 'lvsync_service_connections_total' },
  { column: 'InPkts', name: 'lvsync_service_packets_total', direction: 'in' },
  { column: 'OutPkts', name: 'lvsync_service_packets_total', direction: 'out' },
  { column: 'InBytes', name: 'lvsync_service_bytes_total', direction: 'in' },
  { column: 'OutBytes', name: 'lvsync_service_bytes_total', direction: 'out' },
];

const SERVER_STATS = new Map<SeriesName, SeriesName>([
  ['lvsync_service_connections_total', 'lvsync_real_server_connections_total'],
  ['lvsync_service_packets_total', 'lvsync_real_server_packets_total'],
  ['lvsync_service_bytes_total', 'lvsync_real_server_bytes_total'],
]);

/** Every series, by name; a name with no samples is still present (an empty family, HELP and TYPE only). */
export function loadBalancerSeries(input: LoadBalancerInput): Map<SeriesName, Sample[]> {
  const out = new Map<SeriesName, Sample[]>(Object.keys(LB_SERIES).map((n) => [n as SeriesName, []]));
  const add = (name: SeriesName, labels: Labels, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) out.get(name)!.push({ labels, value });
  };
  const desired = input.desired;
  if (!desired) return out;
  const failOpen = new Set(applyHealth(desired, input.health).failOpen.map((f) => f.service));
  const draining = new Map<string, Set<string>>();
  for (const d of input.drains) {
    if (d.record.server === null) continue;
    let set = draining.get(d.record.service);
    if (!set) draining.set(d.record.service, set = new Set());
    set.add(d.record.server);
  }
  for (const svc of desired.table.services.values()) {
    const labels = serviceLabels(svc.name, svc.target);
    const liveServers = input.conns?.services.get(svc.key)?.servers;
    const statsRow = input.stats?.services.get(svc.key);
    const drains = draining.get(svc.key) ?? new Set<string>();
    const isDown = (server: RealServer) => input.health.get(`${svc.key}#${server.key}`)?.status === 'down';
    let down = 0;
    for (const s of svc.servers.values()) if (isDown(s)) down++;

    if (liveServers) {
      let active = 0;
      let inactive = 0;
      for (const row of liveServers.values()) { active += row.values['ActiveConn'] ?? 0; inactive += row.values['InActConn'] ?? 0; }
      add('lvsync_service_active_connections', labels, active);
      add('lvsync_service_inactive_connections', labels, inactive);
    }
    for (const s of STATS) add(s.name, s.direction ? { ...labels, direction: s.direction } : labels, statsRow?.values[s.column]);
    add('lvsync_service_real_servers', { ...labels, status: 'up' }, svc.servers.size - down);
    add('lvsync_service_real_servers', { ...labels, status: 'down' }, down);
    add('lvsync_service_real_servers', { ...labels, status: 'draining' }, [...drains].filter((k) => !svc.servers.has(k)).length);
    add('lvsync_service_fail_open', labels, failOpen.has(svc.key) ? 1 : 0);
    if (!(desired.policies?.get(svc.key)?.metricsServers ?? input.servers)) continue;

    // declared servers first, then the live ones the config does not declare (draining, a fallback, drift)
    const keys = [...svc.servers.keys(), ...[...(liveServers?.keys() ?? [])].filter((k) => !svc.servers.has(k))];
    for (const key of keys) {
      const sl = serverLabels(labels, key);
      const declared = svc.servers.get(key);
      const live = liveServers?.get(key);
      add('lvsync_real_server_weight', sl, live?.values['Weight']);
      add('lvsync_real_server_declared_weight', sl, declared?.weight);
      if (declared) add('lvsync_real_server_healthy', sl, isDown(declared) ? 0 : 1);
      add('lvsync_real_server_draining', sl, drains.has(key) ? 1 : 0);
      add('lvsync_real_server_active_connections', sl, live?.values['ActiveConn']);
      add('lvsync_real_server_inactive_connections', sl, live?.values['InActConn']);
      const row = statsRow?.servers.get(key);
      for (const s of STATS) add(SERVER_STATS.get(s.name)!, s.direction ? { ...sl, direction: s.direction } : sl, row?.values[s.column]);
    }
  }
  return out;
}
