/**
 * The sysctls lvsync may manage on a director: the IPVS knobs (`net.ipv4.vs.*`, per network namespace,
 * documented in the kernel's Documentation/networking/ipvs-sysctl.rst for 6.1) and forwarding, which
 * NAT services need. Anything else is the host's business, not the load balancer's, so it is refused
 * rather than silently written.
 */

export type SysctlKind =
  | { readonly kind: 'bool' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  /** two integers, written and printed as "a b" (sync_threshold) */
  | { readonly kind: 'pair' };

const BOOL: SysctlKind = { kind: 'bool' };
const INT_MAX = 2147483647;
const int = (min: number, max = INT_MAX): SysctlKind => ({ kind: 'int', min, max });

const IPVS: Readonly<Record<string, SysctlKind>> = {
  am_droprate: int(0),
  amemthresh: int(0),
  backup_only: BOOL,
  cache_bypass: BOOL,
  conn_reuse_mode: int(0, 3),
  conntrack: BOOL,
  drop_entry: int(0, 3),
  drop_packet: int(0, 3),
  expire_nodest_conn: BOOL,
  expire_quiescent_template: BOOL,
  ignore_tunneled: BOOL,
  lblc_expiration: int(0),
  lblcr_expiration: int(0),
  nat_icmp_send: BOOL,
  pmtu_disc: BOOL,
  run_estimation: BOOL,
  schedule_icmp: BOOL,
  secure_tcp: int(0, 3),
  sloppy_sctp: BOOL,
  sloppy_tcp: BOOL,
  snat_reroute: BOOL,
  sync_persist_mode: BOOL,
  sync_ports: int(1),
  sync_qlen_max: int(1),
  sync_refresh_period: int(0),
  sync_retries: int(0, 3),
  sync_sock_size: int(0),
  sync_threshold: { kind: 'pair' },
  sync_version: int(0, 1),
};

/** Every sysctl lvsync accepts in `sysctls`, by dotted name. */
export const ALLOWED_SYSCTLS: ReadonlyMap<string, SysctlKind> = new Map<string, SysctlKind>([
  ...Object.entries(IPVS).map(([name, kind]) => [`net.ipv4.vs.${name}`, kind] as const),
  ['net.ipv4.ip_forward', BOOL],
  ['net.ipv6.conf.all.forwarding', BOOL],
]);

/** "3\t50\n" → "3 50": the kernel separates the values of a vector with tabs and ends with a newline. */
export function normalizeSysctlValue(text: string): string {
  return text.trim().split(/\s+/).join(' ');
}

/** The canonical value text for a written value, or a reason it is not acceptable for this sysctl. */
export function checkSysctlValue(kind: SysctlKind, value: string | number): { ok: string } | { error: string } {
  const text = normalizeSysctlValue(String(value));
  const ints = text.split(' ');
  if (!ints.every((p) => /^-?\d+$/.test(p))) return { error: `must be ${describeKind(kind)}` };
  const n = ints.map(Number);
  switch (kind.kind) {
    case 'bool':
      return ints.length === 1 && (n[0] === 0 || n[0] === 1) ? { ok: String(n[0]) } : { error: `must be ${describeKind(kind)}` };
    case 'int':
      return ints.length === 1 && n[0]! >= kind.min && n[0]! <= kind.max ? { ok: String(n[0]) } : { error: `must be ${describeKind(kind)}` };
    case 'pair':
      return ints.length === 2 && n.every((v) => v >= 0 && v <= INT_MAX) ? { ok: n.join(' ') } : { error: `must be ${describeKind(kind)}` };
  }
}

export function describeKind(kind: SysctlKind): string {
  switch (kind.kind) {
    case 'bool': return '0 or 1';
    case 'int': return kind.max === INT_MAX ? `a whole number of at least ${kind.min}` : `a whole number ${kind.min}..${kind.max}`;
    case 'pair': return 'two whole numbers separated by a space, such as "3 50"';
  }
}

/** /proc/sys path of a dotted name (the names lvsync allows contain no dots inside a component). */
export function sysctlPath(name: string, root = '/proc/sys'): string {
  return `${root}/${name.split('.').join('/')}`;
}
