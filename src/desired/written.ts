import type { HealthCheckType, OnFailure } from '../model/health-check.js';
import type { Family, ForwardMethod, Protocol, TunnelChecksum, TunnelType } from '../model/types.js';
import type { Locator, Path, Spot } from './yaml/positions.js';

/**
 * The written shape of one desired-state file after the schema has accepted it: what the person
 * typed, with defaults not yet applied. Rules read this (they need to know what was written, not
 * only what it normalises to); normalize.ts turns it into the model.
 */

export interface WrittenTunnel {
  readonly type?: TunnelType;
  readonly port?: number;
  readonly checksum?: TunnelChecksum;
}

export interface WrittenServer {
  readonly address: string;
  readonly port?: number;
  readonly method?: ForwardMethod;
  readonly weight?: number;
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
  readonly tunnel?: WrittenTunnel;
  /** overrides fields of the service's check; false: not checked */
  readonly healthCheck?: WrittenHealthCheck | false;
}

/** A duration as written: "5s", "500ms", "1m30s", or seconds. */
export type WrittenDuration = string | number;

export interface WrittenHealthCheck {
  readonly type?: HealthCheckType;
  readonly port?: number;
  readonly path?: string;
  readonly expectStatus?: number | readonly number[];
  readonly expectBody?: string;
  readonly host?: string;
  readonly command?: string | readonly string[];
  readonly interval?: WrittenDuration;
  readonly timeout?: WrittenDuration;
  readonly rise?: number;
  readonly fall?: number;
  readonly onFailure?: OnFailure;
}

/** The sorry server, used while every checked real server is down. */
export interface WrittenFallback {
  readonly address: string;
  readonly port?: number;
  readonly method?: ForwardMethod;
  readonly weight?: number;
}

export type WrittenPersistence =
  | boolean
  | { readonly enabled?: boolean; readonly timeout?: number; readonly netmask?: string | number };

export interface WrittenService {
  readonly name?: string;
  /** director names or labels; absent: every director (overlay/select.ts) */
  readonly directors?: readonly string[];
  readonly protocol?: Protocol;
  readonly address?: string;
  readonly port?: number;
  readonly fwmark?: number;
  readonly family?: Family;
  readonly scheduler?: string;
  readonly schedulerFlags?: readonly string[];
  readonly persistence?: WrittenPersistence;
  readonly persistenceEngine?: string;
  readonly onePacket?: boolean;
  readonly realServers?: readonly WrittenServer[] | null;
  readonly healthCheck?: WrittenHealthCheck;
  readonly fallback?: WrittenFallback;
  readonly drainTimeout?: WrittenDuration;
  /** /metrics: per-real-server series for this service, whatever --metrics-servers says */
  readonly metrics?: { readonly servers?: boolean };
  /** with vips.bind: false leaves this service's VIP alone (keepalived or an operator manages it) */
  readonly bindVip?: boolean;
}

/** `vips`: which VIP addresses lvsync binds on the director, and where. */
export interface WrittenVips {
  readonly bind?: boolean;
  readonly device?: string;
  /** more addresses to bind (fwmark services' VIPs), plain addresses */
  readonly extra?: readonly string[];
}

export interface WrittenScope {
  readonly prune?: boolean;
  readonly addresses?: readonly string[];
  readonly fwmarks?: readonly (string | number)[];
  readonly maxDeleteShare?: number;
}

export interface WrittenTimeouts {
  readonly tcp?: number;
  readonly tcpfin?: number;
  readonly udp?: number;
}

export interface WrittenSyncDaemon {
  readonly interface: string;
  readonly syncId?: number;
  readonly maxLength?: number;
  readonly group?: string;
  readonly port?: number;
  readonly ttl?: number;
}

export interface WrittenFile {
  readonly version: 1;
  readonly scope?: WrittenScope;
  readonly services?: readonly WrittenService[] | null;
  readonly timeouts?: WrittenTimeouts;
  /** a role: the daemon, `false` (must not run), or `true` (refused by a rule: it says nothing) */
  readonly syncDaemon?: { readonly master?: WrittenSyncDaemon | boolean; readonly backup?: WrittenSyncDaemon | boolean };
  readonly sysctls?: Readonly<Record<string, number | string>>;
  /** VRRP readiness that lvsync watch publishes for keepalived (src/desired/vrrp.ts) */
  readonly vrrp?: WrittenVrrp;
  /** the VIPs announced over BGP while this director should receive their traffic (src/desired/anycast.ts) */
  readonly anycast?: WrittenAnycast;
  readonly vips?: WrittenVips;
  /** per-director changes and the fleet's labels and pairs (the overlay: overlay/) */
  readonly overrides?: Readonly<Record<string, WrittenDirectorOverride>>;
  readonly fleet?: WrittenFleet;
}

// the fleet parts of a file: `overrides` and `fleet`

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
  /** replaces the files' `vrrp` whole on this director */
  readonly vrrp?: WrittenVrrp;
  /** replaces the files' `anycast` whole on this director */
  readonly anycast?: WrittenAnycast;
  readonly vips?: WrittenVips;
}

/** `vrrp`: the readiness lvsync watch publishes per VRRP instance. */
export interface WrittenVrrp {
  readonly grace?: WrittenDuration;
  readonly notifyFifo?: string;
  readonly instances: Readonly<Record<string, WrittenVrrpInstance>>;
}

export interface WrittenVrrpInstance {
  readonly services?: readonly string[];
  readonly addresses?: readonly string[];
  readonly trackFile?: string;
  readonly weight?: number;
  readonly minHealthy?: number;
}

/** Route attributes, in `anycast` and in each of its VIPs. */
export interface WrittenRoute {
  readonly nextHop?: string;
  readonly med?: number;
  readonly communities?: readonly string[];
  readonly minHealthy?: number;
}

/** `anycast`: the VIPs announced over BGP. */
export interface WrittenAnycast extends WrittenRoute {
  readonly grace?: WrittenDuration;
  readonly stateFile?: string;
  readonly vips: readonly (WrittenRoute & { readonly address: string })[];
}

/** The `vrrp` block in force: a file's, or a director override's. */
export type VrrpDecl = BlockDecl<WrittenVrrp>;

/** `fleet`: labels (name → member directors) and the pairs fleet-check compares. */
export interface WrittenFleet {
  readonly labels?: Readonly<Record<string, readonly string[]>>;
  readonly pairs?: readonly (readonly string[])[];
  /** active-active directors behind ECMP (fleet-check: identical tables, mh/sh) */
  readonly anycast?: readonly string[];
  readonly anycastSeverity?: 'error' | 'warning';
}

/** The director-wide settings one file declares (`timeouts`, `syncDaemon`, `sysctls`, `vips`), each null when absent or invalid. */
export interface SettingsDecl {
  readonly timeouts: WrittenTimeouts | null;
  readonly syncDaemon: WrittenFile['syncDaemon'] | null;
  readonly sysctls: WrittenFile['sysctls'] | null;
  /** null or absent: not declared */
  readonly vips?: WrittenVips | null;
  readonly path: Path;
  readonly locator: Locator;
}

/** One service as declared: what was written and how to find any of its nodes in the file. */
export interface ServiceDecl {
  readonly raw: WrittenService;
  /** path of the list item, e.g. ['services', 2] */
  readonly path: Path;
  readonly locator: Locator;
  /** the list item itself: where the service was declared */
  readonly at: Spot;
}

/** The `scope` block of one file. */
export interface ScopeDecl {
  readonly raw: WrittenScope;
  readonly path: Path;
  readonly locator: Locator;
}

// position of a value inside a declaration: rules point at the node that is wrong
export function valueAt(decl: { path: Path; locator: Locator }, ...sub: Path): Spot {
  return decl.locator.value([...decl.path, ...sub]);
}

// position of a key inside a declaration: for "this key should not be here"
export function keyAt(decl: { path: Path; locator: Locator }, ...sub: Path): Spot {
  return decl.locator.key([...decl.path, ...sub]);
}

/** A whole-block declaration (`vrrp`, `anycast`) in force: a file's, or a director override's. */
export interface BlockDecl<T> {
  readonly raw: T;
  /** [key] or ['overrides', director, key] */
  readonly path: Path;
  readonly locator: Locator;
}
