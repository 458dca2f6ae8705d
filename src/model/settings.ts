/**
 * Kernel-wide IPVS settings of a director, beside the table: connection timeouts (`ipvsadm --set`),
 * the connection-sync daemons (`--start-daemon`/`--stop-daemon`) and the sysctls that change how IPVS
 * treats connections. Values are normalised the way the kernel reports them (facts §6.6, §6.7, §5),
 * so desired and live compare by plain equality.
 */

export type DaemonRole = 'master' | 'backup';
export const DAEMON_ROLES: readonly DaemonRole[] = ['master', 'backup'];

/** Seconds. In the desired state 0 means "leave as is", as in `ipvsadm --set`. */
export interface Timeouts {
  readonly tcp: number;
  readonly tcpfin: number;
  readonly udp: number;
}
export const TIMEOUT_FIELDS = ['tcp', 'tcpfin', 'udp'] as const;
export const MAX_TIMEOUT = 2678400;

/** One sync daemon as `ipvsadm -L --daemon` shows it. */
export interface SyncDaemon {
  /** --mcast-interface */
  readonly interface: string;
  /** --syncid 0..255 */
  readonly syncId: number;
  /** --sync-maxlen; null in the desired state = the kernel's choice (derived from the MTU), not compared */
  readonly maxLength: number | null;
  /** --mcast-group, canonical text */
  readonly group: string;
  /** --mcast-port */
  readonly port: number;
  /** --mcast-ttl */
  readonly ttl: number;
}

/** ipvsadm 1.31 on kernel 6.1 (facts §6.7): what a daemon gets for what was not given. */
export const DAEMON_DEFAULTS = { syncId: 0, group: '224.0.0.81', port: 8848, ttl: 1 } as const;

/**
 * What lvsync owns of one daemon role: `undefined` (not declared: never read, never touched),
 * `false` (declared absent: a running daemon of this role is stopped), or the daemon that must run.
 */
export type DesiredDaemon = SyncDaemon | false | undefined;

/** The kernel settings the desired state declares; anything not declared is left as it is. */
export interface DesiredSettings {
  /** null: not declared. A field 0: that timeout is left as is. */
  readonly timeouts: Timeouts | null;
  readonly syncDaemon: { readonly master: DesiredDaemon; readonly backup: DesiredDaemon };
  /** dotted sysctl name → canonical value text ("1", "3 50") */
  readonly sysctls: ReadonlyMap<string, string>;
}

/**
 * The same settings read from a director. Only what the desired state declares is read: a part that
 * was not read is null (timeouts, daemons) or absent from the map (sysctls).
 */
export interface LiveSettings {
  readonly timeouts: Timeouts | null;
  /** null: not read; a role null: no daemon of that role runs */
  readonly daemons: { readonly master: SyncDaemon | null; readonly backup: SyncDaemon | null } | null;
  /** value text as the kernel prints it, normalised; null = no such sysctl on this kernel */
  readonly sysctls: ReadonlyMap<string, string | null>;
}

/** Does the desired state declare anything kernel-wide? */
export function declaresSettings(s: DesiredSettings | undefined | null): s is DesiredSettings {
  if (!s) return false;
  return s.timeouts !== null || s.syncDaemon.master !== undefined || s.syncDaemon.backup !== undefined || s.sysctls.size > 0;
}

/** "interface lo, syncid 5, group 224.0.0.81, port 8848, ttl 1[, maxlen 1400]": how plans describe a daemon. */
export function describeDaemon(d: SyncDaemon): string {
  const parts = [`interface ${d.interface}`, `syncid ${d.syncId}`, `group ${d.group}`, `port ${d.port}`, `ttl ${d.ttl}`];
  if (d.maxLength !== null) parts.push(`maxlen ${d.maxLength}`);
  return parts.join(', ');
}

/** Canonical text for digests: equal settings give equal text, whatever order they were declared in. */
export function formatSettings(s: { timeouts: Timeouts | null; daemons: Record<DaemonRole, SyncDaemon | false | null | undefined>; sysctls: ReadonlyMap<string, string | null> }): string {
  const out: string[] = [];
  if (s.timeouts) out.push(`timeouts ${s.timeouts.tcp} ${s.timeouts.tcpfin} ${s.timeouts.udp}`);
  for (const role of DAEMON_ROLES) {
    const d = s.daemons[role];
    if (d === undefined) continue;
    out.push(`daemon ${role} ${d ? describeDaemon(d) : 'none'}`);
  }
  for (const name of [...s.sysctls.keys()].sort()) out.push(`sysctl ${name}=${s.sysctls.get(name) ?? '(missing)'}`);
  return out.length ? `${out.join('\n')}\n` : '';
}
