/**
 * An in-memory stand-in for the kernel half of IPVS (net/netfilter/ipvs/ip_vs_ctl.c, 6.1), reached
 * the way libipvs reaches it over generic netlink: each operation takes a request and returns 0 or a
 * negative errno, exactly where the kernel would. ipvsadm-side validation lives in ./ipvsadm.ts.
 * The whole state is plain JSON (see FakeKernelState) so the executable fake can keep it in a file.
 */
import { addrWords, isMulticast, isUnicastDest, ntop, parseStored } from './addr.js';
import type { Af, RawAddr } from './addr.js';

export const IP_VS_SVC_F_PERSISTENT = 0x0001;
export const IP_VS_SVC_F_HASHED = 0x0002;
export const IP_VS_SVC_F_ONEPACKET = 0x0004;
export const IP_VS_SVC_F_SCHED1 = 0x0008;
export const IP_VS_SVC_F_SCHED2 = 0x0010;
export const IP_VS_SVC_F_SCHED3 = 0x0020;

export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ERANGE = 34;
export const ENETUNREACH = 101;

export type Protocol = 'tcp' | 'udp' | 'sctp';
export type FwdMethod = 'masq' | 'local' | 'tunnel' | 'route';
export type TunType = 'ipip' | 'gue' | 'gre';
export type TunCsum = 'nocsum' | 'csum' | 'remcsum';

/** Cumulative counters and estimator rates, as `--stats` / `--rate` print them. */
export interface Stats {
  conns: number;
  inpkts: number;
  outpkts: number;
  inbytes: number;
  outbytes: number;
  cps: number;
  inpps: number;
  outpps: number;
  inbps: number;
  outbps: number;
}

/** One real server as the kernel stores it (struct ip_vs_dest). */
export interface DestState {
  af: Af;
  addr: string;
  port: number;
  fwd: FwdMethod;
  weight: number;
  uThreshold: number;
  lThreshold: number;
  tunType: TunType;
  tunPort: number;
  tunCsum: TunCsum;
  activeConns: number;
  inactConns: number;
  persistConns: number;
  stats: Stats;
}

/** One virtual service (struct ip_vs_service). fwmark 0 means an address service. */
export interface ServiceState {
  af: Af;
  protocol: Protocol;
  addr: string;
  port: number;
  fwmark: number;
  /** "none" when the service has no scheduler */
  scheduler: string;
  /** IP_VS_SVC_F_* bitset */
  flags: number;
  /** persistence timeout in seconds */
  timeout: number;
  /** IPv4: host-order u32 mask; IPv6: prefix length */
  netmask: number;
  pe: string | null;
  /** kernel order: newest first */
  dests: DestState[];
  stats: Stats;
  /** insertion counter, only used to reproduce hash-bucket (--nosort) order */
  seq: number;
}

export interface DaemonState {
  mcastIfn: string;
  syncid: number;
  syncMaxlen: number;
  mcastAf: Af;
  mcastGroup: string;
  mcastPort: number;
  mcastTtl: number;
}

/** A network device the sync daemon can bind to (`--mcast-interface`). */
export interface InterfaceState {
  name: string;
  mtu: number;
  /**
   * Whether the device has an IPv6 multicast route (ff00::/8). Without one a master daemon with an
   * IPv6 group fails to connect its socket: "Network is unreachable" [obs on lo]. Default true.
   */
  ipv6MulticastRoute?: boolean;
}

/** A /proc/net/ip_vs_conn entry, for `-L -c` (tests may add these; the fake never creates any). */
export interface ConnectionState {
  protocol: 'TCP' | 'UDP' | 'SCTP' | 'IP';
  client: string;
  cport: number;
  vaddr: string;
  vport: number;
  daddr: string;
  dport: number;
  state: string;
  expires: number;
  peName?: string;
  peData?: string;
}

export interface FakeKernelState {
  version: 1;
  services: ServiceState[];
  timeouts: { tcp: number; tcpfin: number; udp: number };
  daemons: { master: DaemonState | null; backup: DaemonState | null };
  schedulers: string[];
  persistenceEngines: string[];
  interfaces: InterfaceState[];
  /** /etc/hosts-style table for name resolution in ipvsadm (address → names, first name is canonical) */
  hosts: Array<{ addr: string; names: string[] }>;
  connections: ConnectionState[];
  totals: Stats;
  connTabSize: number;
  nextSeq: number;
}

export const DEFAULT_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'];

export function zeroStats(): Stats {
  return { conns: 0, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0, cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 };
}

export function defaultKernelState(): FakeKernelState {
  return {
    version: 1,
    services: [],
    timeouts: { tcp: 900, tcpfin: 120, udp: 300 },
    daemons: { master: null, backup: null },
    schedulers: [...DEFAULT_SCHEDULERS],
    persistenceEngines: ['sip'],
    interfaces: [
      { name: 'lo', mtu: 65536, ipv6MulticastRoute: false },
      { name: 'eth0', mtu: 1500, ipv6MulticastRoute: true },
    ],
    hosts: [{ addr: '127.0.0.1', names: ['localhost'] }],
    connections: [],
    totals: zeroStats(),
    connTabSize: 4096,
    nextSeq: 1,
  };
}

/** The identifying part of a service request (what IPVS_CMD_ATTR_SERVICE carries first). */
export interface ServiceId {
  af: Af;
  fwmark: number;
  protocol: Protocol;
  addr: RawAddr;
  port: number;
}

/** A full service request (add / edit), as ipvsadm fills it. */
export interface ServiceRequest extends ServiceId {
  scheduler: string;
  pe: string;
  flags: number;
  timeout: number;
  netmask: number;
}

/** A destination request (struct ipvs_dest_t). */
export interface DestRequest {
  af: Af;
  addr: RawAddr;
  port: number;
  fwd: FwdMethod;
  weight: number;
  uThreshold: number;
  lThreshold: number;
  tunType: TunType;
  tunPort: number;
  tunCsum: TunCsum;
}

export interface DaemonRequest {
  state: 'master' | 'backup';
  mcastIfn: string;
  syncid: number;
  syncMaxlen: number;
  mcastAf: Af | null;
  mcastGroup: RawAddr | null;
  mcastPort: number;
  mcastTtl: number;
}

const PROTO_NUM: Record<Protocol, number> = { tcp: 6, udp: 17, sctp: 132 };

export class FakeKernel {
  readonly state: FakeKernelState;

  constructor(state?: FakeKernelState) {
    this.state = state ?? defaultKernelState();
  }

  static fromJSON(json: unknown): FakeKernel {
    const base = defaultKernelState();
    const s = (typeof json === 'string' ? JSON.parse(json) : json) as Partial<FakeKernelState>;
    return new FakeKernel({ ...base, ...structuredClone(s), version: 1 });
  }

  toJSON(): FakeKernelState {
    return this.state;
  }

  // --- lookup -------------------------------------------------------------------------------

  /** lookup cache over state.services; rebuilt whenever the array is replaced or changes length */
  private index: { of: ServiceState[]; length: number; map: Map<string, ServiceState> } | undefined;

  private static key(s: { af: Af; fwmark: number; protocol: Protocol; addr: string; port: number }): string {
    return s.fwmark ? `${s.af}|fwm|${s.fwmark}` : `${s.af}|${s.protocol}|${s.addr}|${s.port}`;
  }

  /**
   * __ip_vs_service_find / __ip_vs_svc_fwm_find. Stored addresses are canonical text, so text
   * equality is address equality. Served from an index over state.services that is rebuilt when
   * the array is replaced or changes length (tests must not edit a service's identity in place).
   */
  findService(id: ServiceId): ServiceState | undefined {
    const services = this.state.services;
    if (!this.index || this.index.of !== services || this.index.length !== services.length) {
      const map = new Map<string, ServiceState>();
      for (const s of services) map.set(FakeKernel.key(s), s);
      this.index = { of: services, length: services.length, map };
    }
    const key = FakeKernel.key({ ...id, addr: id.fwmark ? '' : ntop(id.addr) });
    return this.index.map.get(key);
  }

  /** ip_vs_lookup_dest: family + address + port */
  private findDest(svc: ServiceState, af: Af, addr: RawAddr, port: number): DestState | undefined {
    const text = ntop(addr);
    return svc.dests.find((d) => d.af === af && d.port === port && d.addr === text);
  }

  private schedulerKnown(name: string): boolean {
    return name === 'none' || this.state.schedulers.includes(name);
  }

  // --- services -----------------------------------------------------------------------------

  /** IPVS_CMD_NEW_SERVICE */
  addService(u: ServiceRequest): number {
    if (this.findService(u)) return -EEXIST;
    if (!this.schedulerKnown(u.scheduler)) return -ENOENT;
    if (u.pe && !this.state.persistenceEngines.includes(u.pe)) return -ENOENT;
    if (u.af === 'inet6' && (u.netmask < 1 || u.netmask > 128)) return -EINVAL;
    const fw = u.fwmark !== 0;
    const svc: ServiceState = {
      af: u.af,
      protocol: fw ? 'tcp' : u.protocol,
      addr: fw ? (u.af === 'inet' ? '0.0.0.0' : '::') : ntop(u.addr),
      port: fw ? 0 : u.port,
      fwmark: u.fwmark,
      scheduler: u.scheduler,
      flags: u.flags & ~IP_VS_SVC_F_HASHED,
      timeout: u.timeout,
      netmask: u.netmask,
      pe: u.pe || null,
      dests: [],
      stats: zeroStats(),
      seq: this.state.nextSeq++,
    };
    this.state.services.push(svc);
    if (this.index?.of === this.state.services) {
      this.index.map.set(FakeKernel.key(svc), svc);
      this.index.length = this.state.services.length;
    }
    return 0;
  }

  /** IPVS_CMD_SET_SERVICE: ipvsadm sends the flags with mask ~0, so everything is replaced. */
  editService(u: ServiceRequest): number {
    const svc = this.findService(u);
    if (!svc) return -ESRCH;
    if (!this.schedulerKnown(u.scheduler)) return -ENOENT;
    if (u.pe && !this.state.persistenceEngines.includes(u.pe)) return -ENOENT;
    if (u.af === 'inet6' && (u.netmask < 1 || u.netmask > 128)) return -EINVAL;
    svc.scheduler = u.scheduler;
    svc.flags = u.flags & ~IP_VS_SVC_F_HASHED;
    svc.timeout = u.timeout;
    svc.netmask = u.netmask;
    svc.pe = u.pe || null;
    return 0;
  }

  delService(id: ServiceId): number {
    const svc = this.findService(id);
    if (!svc) return -ESRCH;
    this.state.services = this.state.services.filter((s) => s !== svc);
    return 0;
  }

  flush(): number {
    this.state.services = [];
    return 0;
  }

  /** IPVS_CMD_ZERO: one service (and its servers) or, without a service, everything plus the totals. */
  zero(id: ServiceId | null): number {
    const reset = (s: { stats: Stats }): void => {
      s.stats = zeroStats();
    };
    if (id === null) {
      for (const svc of this.state.services) {
        reset(svc);
        svc.dests.forEach(reset);
      }
      this.state.totals = zeroStats();
      return 0;
    }
    const svc = this.findService(id);
    if (!svc) return -ESRCH;
    reset(svc);
    svc.dests.forEach(reset);
    return 0;
  }

  // --- destinations -------------------------------------------------------------------------

  /** The checks ip_vs_genl_set_cmd makes before any destination command. */
  private destPrecheck(id: ServiceId, d: DestRequest, isDelete: boolean): ServiceState | number {
    const svc = this.findService(id);
    if (!svc) return -ESRCH;
    if (d.af !== svc.af && !isDelete) {
      if (this.state.daemons.master || this.state.daemons.backup) return -EINVAL;
      if (d.fwd !== 'tunnel') return -EINVAL;
    }
    return svc;
  }

  addDest(id: ServiceId, d: DestRequest): number {
    const svc = this.destPrecheck(id, d, false);
    if (typeof svc === 'number') return svc;
    if (d.weight < 0) return -ERANGE;
    if (d.lThreshold > d.uThreshold) return -ERANGE;
    if (d.tunType === 'gue' && d.tunPort === 0) return -EINVAL;
    if (this.findDest(svc, d.af, d.addr, d.port)) return -EEXIST;
    if (!isUnicastDest(d.addr)) return -EINVAL;
    svc.dests.unshift({
      af: d.af,
      addr: ntop(d.addr),
      port: d.port,
      fwd: d.fwd,
      weight: d.weight,
      uThreshold: d.uThreshold,
      lThreshold: d.lThreshold,
      tunType: d.tunType,
      tunPort: d.tunPort,
      tunCsum: d.tunCsum,
      activeConns: 0,
      inactConns: 0,
      persistConns: 0,
      stats: zeroStats(),
    });
    return 0;
  }

  editDest(id: ServiceId, d: DestRequest): number {
    const svc = this.destPrecheck(id, d, false);
    if (typeof svc === 'number') return svc;
    if (d.weight < 0) return -ERANGE;
    if (d.lThreshold > d.uThreshold) return -ERANGE;
    if (d.tunType === 'gue' && d.tunPort === 0) return -EINVAL;
    const dest = this.findDest(svc, d.af, d.addr, d.port);
    if (!dest) return -ENOENT;
    Object.assign(dest, {
      fwd: d.fwd,
      weight: d.weight,
      uThreshold: d.uThreshold,
      lThreshold: d.lThreshold,
      tunType: d.tunType,
      tunPort: d.tunPort,
      tunCsum: d.tunCsum,
    });
    return 0;
  }

  delDest(id: ServiceId, d: DestRequest): number {
    const svc = this.destPrecheck(id, d, true);
    if (typeof svc === 'number') return svc;
    const dest = this.findDest(svc, d.af, d.addr, d.port);
    if (!dest) return -ENOENT;
    svc.dests = svc.dests.filter((x) => x !== dest);
    return 0;
  }

  // --- timeouts and sync daemons ------------------------------------------------------------

  /** IPVS_CMD_SET_CONFIG: 0 leaves a value unchanged. */
  setTimeouts(t: { tcp: number; tcpfin: number; udp: number }): number {
    const max = Math.floor(0x7fffffff / 250);
    if ([t.tcp, t.tcpfin, t.udp].some((v) => v < 0 || v > max)) return -EINVAL;
    if (t.tcp) this.state.timeouts.tcp = t.tcp;
    if (t.tcpfin) this.state.timeouts.tcpfin = t.tcpfin;
    if (t.udp) this.state.timeouts.udp = t.udp;
    return 0;
  }

  private hasMixedFamilyDests(): boolean {
    return this.state.services.some((s) => s.dests.some((d) => d.af !== s.af));
  }

  /** IPVS_CMD_NEW_DAEMON (start_sync_thread) */
  startDaemon(r: DaemonRequest): number {
    if (r.mcastGroup && !isMulticast(r.mcastGroup)) return -EINVAL;
    if (this.hasMixedFamilyDests()) return -EINVAL;
    const af: Af = r.mcastAf ?? 'inet';
    const group = r.mcastGroup ? ntop(r.mcastGroup) : '224.0.0.81';
    const dev = this.state.interfaces.find((i) => i.name === r.mcastIfn);
    if (!dev) return -ENODEV;
    const hlen = af === 'inet6' ? 48 : 28;
    const backup = r.state === 'backup';
    const mtu = backup ? Math.min(Math.max(dev.mtu, 1500), 65535) : 1500;
    const minMtu = backup ? 1024 : 1;
    const maxlen = r.syncMaxlen ? Math.min(Math.max(r.syncMaxlen, minMtu), 65535 - hlen) : mtu - hlen;
    if (this.state.daemons[r.state]) return -EEXIST;
    // make_send_sock() connects to the group through the device
    if (r.state === 'master' && af === 'inet6' && dev.ipv6MulticastRoute === false) return -ENETUNREACH;
    this.state.daemons[r.state] = {
      mcastIfn: r.mcastIfn,
      syncid: r.syncid,
      syncMaxlen: maxlen,
      mcastAf: af,
      mcastGroup: group,
      mcastPort: r.mcastPort || 8848,
      mcastTtl: r.mcastTtl || 1,
    };
    return 0;
  }

  stopDaemon(state: 'master' | 'backup'): number {
    if (!this.state.daemons[state]) return -ESRCH;
    this.state.daemons[state] = null;
    return 0;
  }

  // --- dumps --------------------------------------------------------------------------------

  /**
   * Services in the order a GET_SERVICE dump returns them: the address table's 256 hash buckets
   * (ip_vs_svc_hashkey, with the per-netns pointer salt taken as 0), then the fwmark table; newest
   * first inside a bucket (hlist_add_head).
   */
  dumpServices(): ServiceState[] {
    const bucket = (s: ServiceState): number => {
      if (s.fwmark) return 256 + (s.fwmark & 255);
      const w = addrWords(parseStored(s.addr));
      const fold = s.af === 'inet6' ? (w[0]! ^ w[1]! ^ w[2]! ^ w[3]!) >>> 0 : w[0]!;
      return (PROTO_NUM[s.protocol] ^ fold ^ (s.port >> 8) ^ s.port) & 255;
    };
    return [...this.state.services].sort((a, b) => bucket(a) - bucket(b) || b.seq - a.seq);
  }
}
