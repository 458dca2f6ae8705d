import type { Family, Protocol, TunnelChecksum, TunnelType } from '../../model/types.js';
import type { SourcePos } from '../types.js';
import type { Ip } from './addresses.js';
import { parseIp, parsePort, parseUnsigned } from './addresses.js';
import type { Checker, Timing } from './checkers.js';
import { parseChecker, readTiming } from './checkers.js';
import { CHECKERS, REAL_SERVER, VIRTUAL_SERVER } from './grammar.js';
import type { Notes } from './notes.js';
import type { Node } from './tree.js';
import { parseBool, posOf, textOf } from './values.js';
import { parseIpv4 } from '../../model/address.js';

/**
 * One `virtual_server` block read the way keepalived 2.2.7 reads it: the handlers of
 * check/check_parser.c in the order the keywords come (order matters: `sh-port` before `lb_algo sh`
 * is refused, a real_server takes the forwarding method the virtual server has *when it is
 * declared*), then the checks and defaults of check_data.c validate_check_config().
 */

export type Method = 'nat' | 'dr' | 'tun';

export interface Tunnel {
  readonly type: TunnelType;
  readonly port: number;
  readonly checksum: TunnelChecksum;
}

export interface Forwarding {
  readonly method: Method;
  readonly tunnel: Tunnel;
}

export const DEFAULT_TUNNEL: Tunnel = { type: 'ipip', port: 0, checksum: 'nocsum' };

export interface RealServerDecl {
  readonly at: SourcePos;
  readonly address: Ip;
  /** the port as written; the checkers connect to it (check_api.c queue_checker copies it) */
  readonly writtenPort: number | null;
  forwarding: Forwarding | null;
  weight: number | null;
  upperThreshold: number;
  lowerThreshold: number;
  inhibit: boolean | null;
  readonly timing: Timing;
  virtualhost: string | null;
  readonly checkers: Checker[];
}

export interface SorryDecl {
  readonly at: SourcePos;
  readonly address: Ip;
  readonly writtenPort: number | null;
  forwarding: Forwarding | null;
}

export type Target =
  | { readonly kind: 'address'; readonly ip: Ip; readonly port: number | null }
  | { readonly kind: 'fwmark'; readonly mark: number }
  | { readonly kind: 'group'; readonly name: string };

export interface VirtualServerDecl {
  readonly at: SourcePos;
  readonly node: Node;
  readonly target: Target;
  family: Family | null;
  scheduler: string | null;
  readonly flags: string[];
  onePacket: SourcePos | null;
  forwarding: Forwarding | null;
  persistenceTimeout: number;
  granularity: string | number | null;
  engine: string | null;
  engineAt: SourcePos | null;
  protocol: Protocol | null;
  protocolAt: SourcePos | null;
  weight: number;
  readonly timing: Timing;
  inhibit: boolean;
  virtualhost: string | null;
  sorry: SorryDecl | null;
  readonly realServers: RealServerDecl[];
}

// lvs_schedulers[] of check_parser.c
const SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos']);
// IPVS_SVC_PERSISTENT_TIMEOUT of libipvs.h (6*60) and LVS_MAX_TIMEOUT of global_data.h (31 days)
export const PERSISTENT_TIMEOUT = 360;
const LVS_MAX_TIMEOUT = 86400 * 31;
// IPVS_WEIGHT_MAX of ip_vs.h
const WEIGHT_MAX = 65535;

/**
 * svr_forwarding_handler(): `NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`. The
 * method is set before the tunnel options are read, so a bad option leaves the new method with the
 * old tunnel settings, as in keepalived.
 */
export function readForwarding(words: readonly string[], current: Forwarding | null): { forwarding: Forwarding | null; problem: string | null } {
  const methods: Record<string, Method> = { NAT: 'nat', DR: 'dr', TUN: 'tun' };
  const method = methods[words[1] ?? ''];
  if (!method) return { forwarding: current, problem: `\`${words[1] ?? ''}\` is not NAT, DR or TUN ("unknown routing method")` };
  const old = current?.tunnel ?? DEFAULT_TUNNEL;
  let type: TunnelType = 'ipip';
  let port = 0;
  let checksum: TunnelChecksum = 'nocsum';
  const keepOld = (problem: string) => ({ forwarding: { method, tunnel: old }, problem });
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'type') {
      const t = words[i + 1];
      if (t !== 'ipip' && t !== 'gue' && t !== 'gre') return keepOld(`tunnel type \`${t ?? ''}\` is not ipip, gue or gre`);
      type = t;
      i++;
    } else if (w === 'port') {
      const p = parseUnsigned(words[i + 1], 1, 65535);
      if (p === null) return keepOld(`tunnel port \`${words[i + 1] ?? ''}\` is invalid`);
      port = p;
      i++;
    } else if (w === 'nocsum' || w === 'csum' || w === 'remcsum') checksum = w;
    else return keepOld(`\`${w}\` is not a tunnel option`);
  }
  if ((type === 'gue') !== (port !== 0)) return keepOld('gue tunnels require a port, and only they can have one');
  if (type === 'ipip' && checksum !== 'nocsum') return keepOld('ipip tunnels do not support a checksum option');
  if (type === 'gre' && checksum === 'remcsum') return keepOld('gre tunnels do not support remcsum');
  return { forwarding: { method, tunnel: { type, port, checksum } }, problem: null };
}

function readTarget(node: Node, notes: Notes): Target | null {
  const w = textOf(node);
  const at = posOf(node, 1);
  if (w[1] === 'group') {
    if (w[2] === undefined) { notes.ignored(null, '`virtual_server group` needs the name of a virtual_server_group: not imported', at); return null; }
    return { kind: 'group', name: w[2] };
  }
  if (w[1] === 'fwmark') {
    const mark = parseUnsigned(w[2], 1, 0xffffffff);
    if (mark === null) { notes.ignored(null, `virtual server fwmark \`${w[2] ?? ''}\` must be in [1, 4294967295]: keepalived skips this virtual_server, so does the import`, posOf(node, 2)); return null; }
    return { kind: 'fwmark', mark };
  }
  const ip = w[1] === undefined ? null : parseIp(w[1]);
  const port = parsePort(w[2]);
  if (!ip || port === 'invalid') {
    notes.ignored(null, `\`${w.slice(1, 3).join(' ')}\` is not an IP address and port: keepalived skips this virtual_server ("Invalid virtual server IP address"), so does the import`, at);
    return null;
  }
  return { kind: 'address', ip, port };
}

export function parseVirtualServer(node: Node, notes: Notes): VirtualServerDecl | null {
  const target = readTarget(node, notes);
  if (!target) return null;
  const vs: VirtualServerDecl = {
    at: posOf(node), node, target, family: target.kind === 'address' ? target.ip.family : null,
    scheduler: null, flags: [], onePacket: null, forwarding: null, persistenceTimeout: 0, granularity: null,
    engine: null, engineAt: null, protocol: null, protocolAt: null, weight: 1, timing: {}, inhibit: false,
    virtualhost: null, sorry: null, realServers: [],
  };
  const owner = vs;
  const invalid = (child: Node, what: string) => notes.ignored(owner, `${what}: keepalived ignores \`${textOf(child).join(' ')}\``, posOf(child, 1));
  const noEquivalent = (child: Node, why: string, severity: 'warning' | 'info' = 'warning') => notes.unsupported(owner, `\`${textOf(child).join(' ')}\`: ${why}`, posOf(child), severity);
  if (target.kind === 'address' && target.ip.bracketed) {
    notes.ignored(owner, `keepalived 2.2.7 does not accept brackets around an IPv6 address (inet_stosockaddr hands the text to inet_pton) and would skip this virtual_server; imported as ${target.ip.text}: write it without brackets in keepalived.conf`, posOf(node, 1));
  }

  for (const child of node.children ?? []) {
    if (!VIRTUAL_SERVER.keywords.has(child.keyword)) continue;
    const w = textOf(child);
    if (readTiming(vs.timing, child, notes, owner, 'virtual_server')) continue;
    switch (child.keyword) {
      case 'ip_family': {
        const family = w[1] === 'inet' ? 'ipv4' : w[1] === 'inet6' ? 'ipv6' : null;
        if (!family) invalid(child, `unknown address family \`${w[1] ?? ''}\``);
        else if (vs.family && vs.family !== family) invalid(child, `it conflicts with the ${vs.family} family the virtual server already has`);
        else vs.family = family;
        break;
      }
      case 'inhibit_on_failure': vs.inhibit = true; break;
      case 'lb_algo': case 'lvs_sched':
        if (SCHEDULERS.has(w[1] ?? '')) vs.scheduler = w[1]!;
        else invalid(child, `\`${w[1] ?? ''}\` is not a scheduler`);
        break;
      case 'ops': vs.onePacket = posOf(child); break;
      case 'hashed': noEquivalent(child, 'an obsolete flag keepalived 2.2.7 no longer applies; dropped', 'info'); break;
      case 'flag-1': case 'flag-2': case 'flag-3': vs.flags.push(child.keyword); break;
      case 'sh-port': case 'sh-fallback': case 'mh-port': case 'mh-fallback': {
        // lbflags_handler() looks at the scheduler set so far
        const wants = child.keyword.slice(0, 2);
        if (vs.scheduler === wants) vs.flags.push(child.keyword);
        else if (vs.scheduler === 'sh' || vs.scheduler === 'mh') invalid(child, `it is for the ${wants} scheduler and this one is ${vs.scheduler}`);
        else invalid(child, `it applies to the ${wants} scheduler, and none is set before it (put \`lb_algo ${wants}\` first)`);
        break;
      }
      case 'lb_kind': case 'lvs_method': {
        const r = readForwarding(w, vs.forwarding);
        if (r.problem) invalid(child, r.problem);
        vs.forwarding = r.forwarding;
        break;
      }
      case 'persistence_engine': vs.engine = w[1] ?? null; vs.engineAt = posOf(child); break;
      case 'persistence_timeout': {
        if (w.length < 2) { vs.persistenceTimeout = PERSISTENT_TIMEOUT; break; }
        const t = parseUnsigned(w[1], 1, LVS_MAX_TIMEOUT);
        if (t === null) invalid(child, 'persistence_timeout must be 1-2678400 seconds');
        else vs.persistenceTimeout = t;
        break;
      }
      case 'persistence_granularity': {
        // pgr_handler(): IPv6 (or no family yet and no `.`) takes a prefix length, IPv4 a netmask
        const family = vs.family ?? ((w[1] ?? '').includes('.') ? 'ipv4' : 'ipv6');
        if (family === 'ipv6') {
          const len = parseUnsigned(w[1], 1, 128);
          if (len === null) { invalid(child, 'an IPv6 persistence_granularity is a prefix length 1-128'); break; }
          vs.granularity = len;
        } else {
          if (parseIpv4(w[1] ?? '') === null) { invalid(child, 'an IPv4 persistence_granularity is a netmask such as 255.255.255.0'); break; }
          vs.granularity = w[1]!;
        }
        vs.family ??= family;
        if (!vs.persistenceTimeout) vs.persistenceTimeout = PERSISTENT_TIMEOUT;
        break;
      }
      case 'protocol': {
        const p = (w[1] ?? '').toLowerCase();
        if (p === 'tcp' || p === 'udp' || p === 'sctp') { vs.protocol = p; vs.protocolAt = posOf(child); }
        else invalid(child, `unknown protocol \`${w[1] ?? ''}\``);
        break;
      }
      case 'ha_suspend':
        noEquivalent(child, 'keepalived suspends the checks while the VIP is not on this director; lvsync checks all the time (a backup director keeps its health current); no equivalent', 'info');
        break;
      case 'smtp_alert':
        noEquivalent(child, 'lvsync sends no mail; it logs health changes and exports lvsync_health_transitions_total', 'info');
        break;
      case 'virtualhost': vs.virtualhost = w[1] ?? null; break;
      case 'snmp_name': noEquivalent(child, 'lvsync has no SNMP agent (its metrics are Prometheus)', 'info'); break;
      case 'omega':
        noEquivalent(child, 'keepalived runs the quorum_down and notify_down scripts on shutdown; lvsync runs no scripts');
        break;
      case 'quorum_up': case 'quorum_down':
        noEquivalent(child, 'lvsync runs no scripts on health changes; watch its log or lvsync_health_transitions_total instead');
        break;
      case 'quorum': case 'hysteresis':
        noEquivalent(child, 'lvsync has no quorum: the fallback server is used only when every checked real server is down (keepalived: when the weight of the live ones falls below quorum)');
        break;
      case 'weight': {
        const n = parseUnsigned(w[1], 1, WEIGHT_MAX);
        if (n === null) invalid(child, `virtual server weight must be 1-${WEIGHT_MAX}`); else vs.weight = n;
        break;
      }
      case 'sorry_server': {
        // alloc_ssvr(): the method the virtual server has now; a later one replaces an earlier one
        const ip = parseIp(w[1] ?? '');
        const port = parsePort(w[2]);
        if (!ip || port === 'invalid') { invalid(child, 'not an IP address and port ("Invalid sorry server IP address")'); break; }
        if (ip.bracketed) notes.ignored(owner, `keepalived 2.2.7 does not accept brackets around an IPv6 address and would skip this sorry_server; imported as ${ip.text}`, posOf(child, 1));
        vs.sorry = { at: posOf(child), address: ip, writtenPort: port, forwarding: vs.forwarding };
        break;
      }
      case 'sorry_server_inhibit':
        if (!vs.sorry) invalid(child, 'there is no sorry_server before it');
        else noEquivalent(child, 'lvsync deletes the fallback server when a real server recovers (keepalived would leave it at weight 0); no equivalent', 'info');
        break;
      case 'sorry_server_lvs_method': {
        if (!vs.sorry) { invalid(child, 'there is no sorry_server before it'); break; }
        const r = readForwarding(w, vs.sorry.forwarding);
        if (r.problem) invalid(child, r.problem);
        vs.sorry.forwarding = r.forwarding;
        break;
      }
      case 'real_server': {
        const rs = parseRealServer(child, vs, notes);
        if (rs) vs.realServers.push(rs);
        break;
      }
    }
  }
  return vs;
}

function parseRealServer(node: Node, vs: VirtualServerDecl, notes: Notes): RealServerDecl | null {
  const owner = vs;
  const w = textOf(node);
  const ip = parseIp(w[1] ?? '');
  const port = parsePort(w[2]);
  if (!ip || port === 'invalid') {
    notes.ignored(owner, `\`${w.slice(1, 3).join(' ')}\` is not an IP address and port: keepalived skips this real_server ("Invalid real server ip address/port"), so does the import`, posOf(node, 1));
    return null;
  }
  if (ip.bracketed) notes.ignored(owner, `keepalived 2.2.7 does not accept brackets around an IPv6 address and would skip this real_server; imported as ${ip.text}`, posOf(node, 1));
  const rs: RealServerDecl = {
    at: posOf(node), address: ip, writtenPort: port, forwarding: vs.forwarding, weight: null, upperThreshold: 0,
    lowerThreshold: 0, inhibit: null, timing: {}, virtualhost: null, checkers: [],
  };
  const invalid = (child: Node, what: string) => notes.ignored(owner, `${what}: keepalived ignores \`${textOf(child).join(' ')}\``, posOf(child, 1));
  const noEquivalent = (child: Node, why: string, severity: 'warning' | 'info' = 'warning') => notes.unsupported(owner, `\`${textOf(child).join(' ')}\` (real server ${ip.text}): ${why}`, posOf(child), severity);
  for (const child of node.children ?? []) {
    if (!REAL_SERVER.keywords.has(child.keyword)) continue;
    const cw = textOf(child);
    if (child.keyword in CHECKERS) {
      rs.checkers.push(parseChecker(child, ip.text, notes, owner));
      continue;
    }
    if (readTiming(rs.timing, child, notes, owner, 'real_server')) continue;
    switch (child.keyword) {
      case 'weight': {
        const n = parseUnsigned(cw[1], 0, WEIGHT_MAX);
        if (n === null) invalid(child, `real server weight must be 0-${WEIGHT_MAX}`); else rs.weight = n;
        break;
      }
      case 'lvs_method': {
        const r = readForwarding(cw, rs.forwarding);
        if (r.problem) invalid(child, r.problem);
        rs.forwarding = r.forwarding;
        break;
      }
      case 'uthreshold': case 'lthreshold': {
        const n = parseUnsigned(cw[1], 0, 0xffffffff);
        if (n === null) invalid(child, `${child.keyword} must be a number`);
        else if (child.keyword === 'uthreshold') rs.upperThreshold = n; else rs.lowerThreshold = n;
        break;
      }
      case 'inhibit_on_failure': {
        const on = parseBool(cw[1]);
        if (on === null) invalid(child, `\`${cw[1]}\` is not a boolean`); else rs.inhibit = on;
        break;
      }
      case 'notify_up': case 'notify_down':
        noEquivalent(child, 'lvsync runs no scripts on health changes; watch its log or lvsync_health_transitions_total instead');
        break;
      case 'smtp_alert':
        noEquivalent(child, 'lvsync sends no mail; it logs health changes', 'info');
        break;
      case 'virtualhost': rs.virtualhost = cw[1] ?? null; break;
      case 'snmp_name': noEquivalent(child, 'lvsync has no SNMP agent', 'info'); break;
    }
  }
  return rs;
}
