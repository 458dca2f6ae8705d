import type { AnycastSpec } from './anycast.js';
import type { VrrpSpec } from './vrrp.js';
import type { HealthCheckSpec } from './health-check.js';
import type { DesiredSettings, LiveSettings } from './settings.js';
import type { DesiredVips, LiveAddresses } from './vips.js';

/**
 * The one model both sides are parsed into: the desired YAML and the live `ipvsadm -S -n` table.
 * Every value here is already normalised the way the kernel stores it (see ../shared facts §3),
 * so comparing desired with live is plain equality of these fields.
 */

export type Protocol = 'tcp' | 'udp' | 'sctp';
// address.ts defines it, so modules below types.ts (vips.ts) can use it without an import cycle
export type { Family } from './address.js';
import type { Family } from './address.js';
/** ipvsadm -m | -g | -i */
export type ForwardMethod = 'nat' | 'dr' | 'tun';
export type TunnelType = 'ipip' | 'gue' | 'gre';
export type TunnelChecksum = 'nocsum' | 'csum' | 'remcsum';

/** What identifies a virtual service to the kernel; it cannot be edited in place. */
export type ServiceTarget =
  | { readonly kind: 'address'; readonly protocol: Protocol; readonly family: Family; readonly address: string; readonly port: number }
  | { readonly kind: 'fwmark'; readonly family: Family; readonly mark: number };

export interface Persistence {
  /** seconds, 1..2678400 */
  readonly timeout: number;
  /** IPv4: dotted mask ("255.255.255.255" is the default); IPv6: prefix length as a decimal string ("128" is the default). */
  readonly netmask: string;
}

export interface TunnelOptions {
  readonly type: TunnelType;
  /** gue only; 0 otherwise */
  readonly port: number;
  /** gue/gre only; ipip has none */
  readonly checksum: TunnelChecksum | null;
}

export interface RealServer {
  /** serverKey(address, port): the identity inside one service */
  readonly key: string;
  readonly family: Family;
  readonly address: string;
  /** the port the kernel stores (after ipvsadm's -g/-i rewrite) */
  readonly port: number;
  readonly method: ForwardMethod;
  readonly weight: number;
  /** -x / -y. `null` = not observed (the live table was read without `--thresholds`). */
  readonly upperThreshold: number | null;
  readonly lowerThreshold: number | null;
  /** only for method 'tun' */
  readonly tunnel: TunnelOptions | null;
}

export interface VirtualService {
  /** serviceKey(target) */
  readonly key: string;
  readonly target: ServiceTarget;
  /** optional human name from the desired state; live services have none */
  readonly name: string | null;
  readonly scheduler: string;
  /** bitset: 1 = flag-1 (sh-/mh-fallback), 2 = flag-2 (sh-/mh-port), 4 = flag-3 */
  readonly schedulerFlags: number;
  readonly persistence: Persistence | null;
  readonly persistenceEngine: string | null;
  readonly onePacket: boolean;
  /** keyed by RealServer.key */
  readonly servers: ReadonlyMap<string, RealServer>;
}

export interface Table {
  /** keyed by VirtualService.key */
  readonly services: ReadonlyMap<string, VirtualService>;
  /**
   * Live tables only: the kernel-wide settings read with the table (only those the desired state
   * declares). Absent when they were not read, e.g. from a saved `ipvsadm -S` snapshot.
   */
  readonly settings?: LiveSettings;
  /**
   * Live tables only: the addresses of the devices VIPs are bound on (vips, and devices holding an
   * address lvsync owns). Absent when they were not read (a saved snapshot, or nothing to read).
   */
  readonly addresses?: LiveAddresses;
}

/** Where something was written in the desired state, for diagnostics. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** Service keys lvsync owns beyond the declared ones. */
export interface ScopeSpec {
  readonly prune: boolean;
  /** CIDRs, canonical text */
  readonly addresses: readonly string[];
  /** inclusive ranges */
  readonly fwmarks: readonly { readonly from: number; readonly to: number }[];
  /** plans deleting more than this share of the owned live services are refused without --allow-mass-delete */
  readonly maxDeleteShare: number;
}

/**
 * What the desired state says about a service beyond its kernel table entry: health checks, the
 * sorry server and draining (issue 5). None of it is visible in the kernel; the health overlay and
 * the drain planner turn it into table changes.
 */
export interface ServicePolicy {
  /** how long a removed real server, or the removed service, is drained before it is deleted; 0 = at once */
  readonly drainTimeoutMs: number;
  /** the resolved check of each checked real server, by RealServer.key */
  readonly checks: ReadonlyMap<string, HealthCheckSpec>;
  /** the sorry server: in the table only while every checked real server is down */
  readonly fallback: RealServer | null;
  /** `metrics.servers`: per-real-server series in /metrics regardless of --metrics-servers; absent: the flag decides */
  readonly metricsServers?: boolean;
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export interface DesiredState {
  readonly table: Table;
  readonly scope: ScopeSpec;
  /** where each service was declared, keyed by service key */
  readonly origins: ReadonlyMap<string, SourceRef>;
  /** the files that were read, in order */
  readonly files: readonly string[];
  /** kernel-wide settings (timeouts, sync daemons, sysctls); absent when no file declares any */
  readonly settings?: DesiredSettings;
  /** the VIP addresses lvsync binds on this director (`vips`); absent when no file declares `vips` */
  readonly vips?: DesiredVips;
  /** health checks, fallback and drain timeout per declared service key; absent = defaults, no checks */
  readonly policies?: ReadonlyMap<string, ServicePolicy>;
  /** VRRP readiness that lvsync watch publishes (issue 16); absent when not declared */
  readonly vrrp?: VrrpSpec;
  /** VIPs announced over BGP while this director is ready (issue 17); absent when not declared */
  readonly anycast?: AnycastSpec;
}
