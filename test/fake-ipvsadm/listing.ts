/**
 * Everything ipvsadm 1.31 prints from the table: `-L` in all its formats, `-S`, `--timeout`,
 * `--daemon` and `-c`, with ipvsadm.c's printf widths (trailing spaces included) and Debian's
 * 1.31 quirks (fwmarks printed with %d, flag-3 without a name under sh/mh).
 */
import { ntop, parseStored } from './addr.js';
import type { RawAddr } from './addr.js';
import { portToService } from '../../src/live/etc-services.js';
import {
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IP_VS_SVC_F_SCHED3,
} from './kernel.js';
import type { DestState, FakeKernel, ServiceState, Stats } from './kernel.js';
import { cmpDests, cmpServices, glibcMergeSort } from './sort.js';

export const FMT_NUMERIC = 0x0001;
export const FMT_RULE = 0x0002;
export const FMT_STATS = 0x0004;
export const FMT_RATE = 0x0008;
export const FMT_THRESHOLDS = 0x0010;
export const FMT_PERSISTENTCONN = 0x0020;
export const FMT_NOSORT = 0x0040;
export const FMT_EXACT = 0x0080;
export const FMT_TUN_INFO = 0x0100;

const left = (s: string | number, w: number): string => String(s).padEnd(w);
const right = (s: string | number, w: number): string => String(s).padStart(w);
/** C's %d of a value stored as u32 */
const asInt = (v: number): number => v | 0;

/** How ipvsadm turns addresses and ports into text: numerically, or through hosts and services. */
export class Namer {
  constructor(private readonly kernel: FakeKernel) {}

  addrToAnyname(a: RawAddr): string {
    const text = ntop(a);
    const entry = this.kernel.state.hosts.find((h) => h.addr === text);
    return entry?.names[0] ?? text;
  }

  portToAnyname(port: number, proto: string): string {
    return (proto ? portToService(port, proto) : undefined) ?? String(port);
  }

  addrport(a: RawAddr, port: number, proto: string, format: number): string {
    const [open, close] = a.af === 'inet' ? ['', ''] : ['[', ']'];
    if (format & FMT_NUMERIC) return `${open}${ntop(a)}${close}:${port}`;
    return `${open}${this.addrToAnyname(a)}${close}:${this.portToAnyname(port, proto)}`;
  }
}

export function printLargenum(i: number, format: number): string {
  if (format & FMT_EXACT) {
    const s = String(i);
    return right(s, s.length <= 8 ? 9 : s.length + 1);
  }
  if (i < 1e8) return right(i, 9);
  if (i < 1e9) return right(Math.floor(i / 1e3), 8) + 'K';
  if (i < 1e11) return right(Math.floor(i / 1e6), 8) + 'M';
  if (i < 1e14) return right(Math.floor(i / 1e9), 8) + 'G';
  return right(Math.floor(i / 1e12), 8) + 'T';
}

function schedFlags(se: ServiceState): string {
  const names: string[] = [];
  if (se.scheduler === 'sh' || se.scheduler === 'mh') {
    if (se.flags & IP_VS_SVC_F_SCHED1) names.push(`${se.scheduler}-fallback`);
    if (se.flags & IP_VS_SVC_F_SCHED2) names.push(`${se.scheduler}-port`);
  } else {
    if (se.flags & IP_VS_SVC_F_SCHED1) names.push('flag-1');
    if (se.flags & IP_VS_SVC_F_SCHED2) names.push('flag-2');
    if (se.flags & IP_VS_SVC_F_SCHED3) names.push('flag-3');
  }
  return names.join(',');
}

const ANY_SCHED_FLAG = IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3;

export function printTitle(format: number): string {
  const head = 'Prot LocalAddress:Port';
  const sub = '  -> RemoteAddress:Port\n';
  if (format & FMT_STATS)
    return `${left(head, 33)} ${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map((h) => right(h, 8)).join(' ')}\n${sub}`;
  if (format & FMT_RATE)
    return `${left(head, 33)} ${['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'].map((h) => right(h, 8)).join(' ')}\n${sub}`;
  if (format & FMT_THRESHOLDS)
    return `${left(head, 33)} ${left('Uthreshold', 10)} ${left('Lthreshold', 10)} ${left('ActiveConn', 10)} ${left('InActConn', 10)}\n${sub}`;
  if (format & FMT_PERSISTENTCONN)
    return `${left(head, 33)} ${left('Weight', 9)} ${left('PersistConn', 11)} ${left('ActiveConn', 10)} ${left('InActConn', 10)}\n${sub}`;
  if (format & FMT_TUN_INFO)
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
  if (!(format & FMT_RULE))
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
  return '';
}

const PROTO_NAME = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' } as const;
const PROTO_OPT = { tcp: '-t', udp: '-u', sctp: '--sctp-service' } as const;
const FWD_NAME = { masq: 'Masq', local: 'Local', tunnel: 'Tunnel', route: 'Route' } as const;
const FWD_SWITCH = { masq: '-m', local: '-g', tunnel: '-i', route: '-g' } as const;
const CSUM_FLAG = { nocsum: '-c', csum: '+c', remcsum: 'r+c' } as const;
const CSUM_OPT = { nocsum: '--tun-nocsum', csum: '--tun-csum', remcsum: '--tun-remcsum' } as const;

function maskText(se: ServiceState): string | undefined {
  if (se.af === 'inet') return se.netmask >>> 0 !== 0xffffffff ? u32ToDotted(se.netmask) : undefined;
  return se.netmask !== 128 ? String(asInt(se.netmask)) : undefined;
}

function u32ToDotted(v: number): string {
  return [24, 16, 8, 0].map((s) => String((v >>> s) & 0xff)).join('.');
}

function statsColumns(st: Stats, format: number, rate: boolean): string {
  const keys: Array<keyof Stats> = rate
    ? ['cps', 'inpps', 'outpps', 'inbps', 'outbps']
    : ['conns', 'inpkts', 'outpkts', 'inbytes', 'outbytes'];
  return keys.map((k) => printLargenum(st[k], format)).join('');
}

function tunInfo(d: DestState): string {
  if (d.fwd !== 'tunnel') return 'n/a';
  if (d.tunType === 'ipip') return 'ipip';
  if (d.tunType === 'gue') return `gue:${d.tunPort}:${CSUM_FLAG[d.tunCsum]}`;
  return `gre:${CSUM_FLAG[d.tunCsum]}`;
}

function destRule(svcName: string, dname: string, d: DestState): string {
  const base = `-a ${svcName} -r ${dname} ${FWD_SWITCH[d.fwd]} -w ${asInt(d.weight)}`;
  if (d.fwd !== 'tunnel') return base;
  if (d.tunType === 'gre') return `${base} --tun-type gre ${CSUM_OPT[d.tunCsum]}`;
  if (d.tunType === 'gue') return `${base} --tun-type gue --tun-port ${d.tunPort} ${CSUM_OPT[d.tunCsum]}`;
  return `${base} --tun-type ipip`;
}

/** print_service_entry */
export function printServiceEntry(kernel: FakeKernel, se: ServiceState, format: number): string {
  const namer = new Namer(kernel);
  const rule = (format & FMT_RULE) !== 0;
  const proto = se.fwmark ? '' : se.protocol;
  let svcName: string;
  if (se.fwmark) {
    const mark = asInt(se.fwmark);
    svcName = rule ? `-f ${mark}${se.af === 'inet6' ? ' -6' : ''}` : `FWM  ${mark}${se.af === 'inet6' ? ' IPv6' : ''}`;
  } else {
    const vname = namer.addrport(parseStored(se.addr), se.port, proto, format);
    if (rule) svcName = `${PROTO_OPT[se.protocol]} ${vname}`;
    else {
      svcName = `${left(PROTO_NAME[se.protocol], 4)} ${vname}`;
      if (se.af !== 'inet6') svcName = svcName.slice(0, 33);
    }
  }
  let out = '';
  const persistent = (se.flags & IP_VS_SVC_F_PERSISTENT) !== 0;
  const mask = maskText(se);
  if (rule) {
    out += `-A ${svcName} -s ${se.scheduler}`;
    if (persistent) {
      out += ` -p ${se.timeout >>> 0}`;
      if (mask !== undefined) out += ` -M ${mask}`;
    }
    if (se.pe) out += ` --pe ${se.pe}`;
    if (se.flags & IP_VS_SVC_F_ONEPACKET) out += ' -o';
    if (se.flags & ANY_SCHED_FLAG) out += ` -b ${schedFlags(se)}`;
  } else if (format & (FMT_STATS | FMT_RATE)) {
    out += left(svcName, 33) + statsColumns(se.stats, format, !(format & FMT_STATS));
  } else {
    out += `${svcName} ${se.scheduler}`;
    if (se.flags & ANY_SCHED_FLAG) out += ` (${schedFlags(se)})`;
    if (persistent) {
      out += ` persistent ${se.timeout >>> 0}`;
      if (mask !== undefined) out += ` mask ${mask}`;
      if (se.pe) out += ` pe ${se.pe}`;
    }
    if (se.flags & IP_VS_SVC_F_ONEPACKET) out += ' ops';
  }
  out += '\n';

  const dests = format & FMT_NOSORT ? se.dests : glibcMergeSort(se.dests, cmpDests);
  for (const d of dests) {
    let dname = namer.addrport(parseStored(d.addr), d.port, proto, format);
    if (!rule && d.af !== 'inet6') dname = dname.slice(0, 28);
    if (rule) out += destRule(svcName, dname, d) + '\n';
    else if (format & FMT_STATS) out += `  -> ${left(dname, 28)}${statsColumns(d.stats, format, false)}\n`;
    else if (format & FMT_RATE)
      out +=
        `  -> ${left(dname, 28)} ${right(d.stats.cps, 8)} ${right(d.stats.inpps, 8)} ${right(d.stats.outpps, 8)}` +
        `${printLargenum(d.stats.inbps, format)}${printLargenum(d.stats.outbps, format)}\n`;
    else if (format & FMT_THRESHOLDS)
      out += `  -> ${left(dname, 28)} ${left(d.uThreshold, 10)} ${left(d.lThreshold, 10)} ${left(d.activeConns, 10)} ${left(d.inactConns, 10)}\n`;
    else if (format & FMT_PERSISTENTCONN)
      out += `  -> ${left(dname, 28)} ${left(d.weight, 9)} ${left(d.persistConns, 11)} ${left(d.activeConns, 10)} ${left(d.inactConns, 10)}\n`;
    else if (format & FMT_TUN_INFO)
      out += `  -> ${left(dname, 28)} ${left(FWD_NAME[d.fwd], 7)} ${left(tunInfo(d), 13)} ${left(asInt(d.weight), 6)} ${left(d.activeConns, 10)} ${left(d.inactConns, 10)}\n`;
    else
      out += `  -> ${left(dname, 28)} ${left(FWD_NAME[d.fwd], 7)} ${left(asInt(d.weight), 6)} ${left(d.activeConns, 10)} ${left(d.inactConns, 10)}\n`;
  }
  return out;
}

/** list_all: the version line (not for -S), the title, every service. */
export function listAll(kernel: FakeKernel, format: number): string {
  let out = '';
  if (!(format & FMT_RULE)) out += `IP Virtual Server version 1.2.1 (size=${kernel.state.connTabSize})\n`;
  const dumped = kernel.dumpServices();
  const services = format & FMT_NOSORT ? dumped : glibcMergeSort(dumped, cmpServices);
  out += printTitle(format);
  for (const se of services) out += printServiceEntry(kernel, se, format);
  return out;
}

export function listTimeout(kernel: FakeKernel): string {
  const t = kernel.state.timeouts;
  return `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpfin} ${t.udp}\n`;
}

export function listDaemon(kernel: FakeKernel): string {
  let out = '';
  for (const kind of ['master', 'backup'] as const) {
    const d = kernel.state.daemons[kind];
    if (!d) continue;
    out += `${kind} sync daemon (mcast=${d.mcastIfn}, syncid=${d.syncid}`;
    if (d.syncMaxlen) out += `, maxlen=${d.syncMaxlen}`;
    out += `, group=${d.mcastGroup}`;
    if (d.mcastPort) out += `, port=${d.mcastPort}`;
    if (d.mcastTtl) out += `, ttl=${d.mcastTtl}`;
    out += ')\n';
  }
  return out;
}

/** list_conn: /proc/net/ip_vs_conn rendered by print_conn. */
export function listConnections(kernel: FakeKernel, format: number): string {
  const namer = new Namer(kernel);
  const pc = (format & FMT_PERSISTENTCONN) !== 0;
  let out = 'IPVS connection entries\n';
  out += pc
    ? `pro expire ${left('state', 11)} ${left('source', 18)} ${left('virtual', 18)} ${left('destination', 18)} ${left('pe name', 16)} pe_data\n`
    : `pro expire ${left('state', 11)} ${left('source', 18)} ${left('virtual', 18)} destination\n`;
  for (const c of kernel.state.connections) {
    const proto = c.protocol === 'IP' ? '' : c.protocol.toLowerCase();
    const name = (a: string, port: number): string => {
      const raw = parseStored(a);
      return namer.addrport(raw, port, proto, format);
    };
    const expire = `${String(Math.floor(c.expires / 60)).padStart(2, '0')}:${String(c.expires % 60).padStart(2, '0')}`;
    const cols = [left(c.protocol, 3), left(expire, 6), left(c.state, 11), left(name(c.client, c.cport), 18), left(name(c.vaddr, c.vport), 18)];
    if (pc && c.peName !== undefined)
      out += `${cols.join(' ')} ${left(name(c.daddr, c.dport), 16)} ${left(c.peName, 18)} ${c.peData ?? ''}\n`;
    else out += `${cols.join(' ')} ${name(c.daddr, c.dport)}\n`;
  }
  return out;
}

