import { describeDaemon, DAEMON_ROLES, TIMEOUT_FIELDS, type DesiredDaemon, type DesiredSettings } from '../model/settings.js';
import { describeTarget, hostPort } from '../model/keys.js';
import type { DesiredState, VirtualService } from '../model/types.js';
import { serverChanges, serviceChanges } from '../plan/compare.js';

/**
 * Two directors' desired tables side by side, for directors that must be identical (a VRRP pair):
 * after a failover the backup has to forward exactly as the master did. Compared with the plan's
 * own equality (plan/compare.ts), so "identical" means "the same ipvsadm table and settings".
 * The sync daemon is the one thing a pair legitimately differs in (one sends, one receives), so it
 * is reported beside the differences and never counted as one.
 */

/** One way the two tables differ; `a`/`b` are the values on the first and second director. */
export type FleetDifference =
  | { readonly kind: 'service-only'; readonly service: string; readonly on: 'a' | 'b' }
  | { readonly kind: 'service'; readonly service: string; readonly field: string; readonly a: string; readonly b: string }
  | { readonly kind: 'server-only'; readonly service: string; readonly server: string; readonly on: 'a' | 'b' }
  | { readonly kind: 'server'; readonly service: string; readonly server: string; readonly field: string; readonly a: string; readonly b: string }
  | { readonly kind: 'setting'; readonly setting: string; readonly a: string; readonly b: string };

export interface PairComparison {
  readonly directors: readonly [string, string];
  readonly differences: readonly FleetDifference[];
  /** each director's sync daemon roles, described; expected to differ */
  readonly syncDaemon: { readonly a: string; readonly b: string };
  readonly services: number;
  readonly servers: number;
}

function serviceName(svc: VirtualService): string {
  return svc.name ? `${svc.name} (${describeTarget(svc.target)})` : describeTarget(svc.target);
}

function compareServices(a: DesiredState, b: DesiredState, out: FleetDifference[]): void {
  const keys = [...new Set([...a.table.services.keys(), ...b.table.services.keys()])];
  for (const key of keys) {
    const sa = a.table.services.get(key);
    const sb = b.table.services.get(key);
    if (!sa || !sb) { out.push({ kind: 'service-only', service: serviceName((sa ?? sb)!), on: sa ? 'a' : 'b' }); continue; }
    const service = serviceName(sa);
    for (const c of serviceChanges(sa, sb)) out.push({ kind: 'service', service, field: c.field, a: c.before, b: c.after });
    const servers = [...new Set([...sa.servers.keys(), ...sb.servers.keys()])];
    for (const sk of servers) {
      const ra = sa.servers.get(sk);
      const rb = sb.servers.get(sk);
      const r = (ra ?? rb)!;
      const server = hostPort(r.address, r.port);
      if (!ra || !rb) { out.push({ kind: 'server-only', service, server, on: ra ? 'a' : 'b' }); continue; }
      for (const c of serverChanges(ra, rb)) out.push({ kind: 'server', service, server, field: c.field, a: c.before, b: c.after });
    }
  }
}

const NOT_DECLARED = '(not declared)';

function compareSettings(a: DesiredSettings | undefined, b: DesiredSettings | undefined, out: FleetDifference[]): void {
  for (const field of TIMEOUT_FIELDS) {
    const ta = a?.timeouts?.[field] || null;
    const tb = b?.timeouts?.[field] || null;
    if (ta !== tb) out.push({ kind: 'setting', setting: `timeouts.${field}`, a: ta === null ? NOT_DECLARED : String(ta), b: tb === null ? NOT_DECLARED : String(tb) });
  }
  const names = [...new Set([...(a?.sysctls.keys() ?? []), ...(b?.sysctls.keys() ?? [])])].sort();
  for (const name of names) {
    const va = a?.sysctls.get(name) ?? NOT_DECLARED;
    const vb = b?.sysctls.get(name) ?? NOT_DECLARED;
    if (va !== vb) out.push({ kind: 'setting', setting: name, a: va, b: vb });
  }
}

function daemonText(d: DesiredDaemon): string {
  return d === undefined ? 'not declared' : d === false ? 'off' : describeDaemon(d);
}

/** "master interface eth1, syncid 30, …; backup off": one director's daemons. */
export function describeDaemons(s: DesiredSettings | undefined): string {
  return DAEMON_ROLES.map((role) => `${role} ${daemonText(s?.syncDaemon[role])}`).join('; ');
}

// every difference between the two directors' desired states, services in key order
export function comparePair(directors: readonly [string, string], a: DesiredState, b: DesiredState): PairComparison {
  const differences: FleetDifference[] = [];
  compareServices(a, b, differences);
  compareSettings(a.settings, b.settings, differences);
  let servers = 0;
  for (const svc of a.table.services.values()) servers += svc.servers.size;
  return {
    directors, differences,
    syncDaemon: { a: describeDaemons(a.settings), b: describeDaemons(b.settings) },
    services: a.table.services.size, servers,
  };
}
