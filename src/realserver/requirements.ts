import { parseAddress } from '../model/address.js';
import { describeTarget } from '../model/keys.js';
import { addressCidr } from '../model/vips.js';
import type { Family, RealServer, TunnelType, VirtualService } from '../model/types.js';

/**
 * What a real server needs so that direct routing and tunnelling work (pure: desired table + RIP in,
 * a list of requirements out). With dr and tun the director forwards packets still addressed to the
 * VIP, so the real server must hold the VIP (on `lo` for dr, on the tunnel device for tun) without
 * announcing it: `arp_ignore=1` (answer ARP only for addresses of the receiving interface) and
 * `arp_announce=2` (never use the VIP as the source of its own ARP requests). A tunnel device also
 * needs reverse-path filtering off, or decapsulated packets from clients are dropped. The kernel uses
 * the larger of `all` and the device value for these three, so `all` is set as well as the device.
 */

/** One thing the real server must have; each knows how to check it and the one command that makes it so. */
export type Requirement =
  /** the RIP itself must be an address of this host: a guard against setting up the wrong machine */
  | { readonly kind: 'local-address'; readonly address: string }
  | { readonly kind: 'link-up'; readonly device: string }
  | { readonly kind: 'tunnel-device'; readonly device: string; readonly type: TunnelDeviceType }
  | { readonly kind: 'address'; readonly address: string; readonly family: Family; readonly device: string }
  /** `accept`: values that already satisfy it (the first is what is written) */
  | { readonly kind: 'sysctl'; readonly name: string; readonly accept: readonly string[] }
  /** a GUE receive port (`ip fou add port P gue`) */
  | { readonly kind: 'fou'; readonly port: number; readonly ipv6: boolean };

/** The kernel's fallback tunnel devices: each catches its encapsulation from any peer. */
export type TunnelDeviceType = 'ipip' | 'sit' | 'ip6tnl' | 'gre' | 'ip6gre';
const FALLBACK_DEVICE: Record<TunnelDeviceType, string> = { ipip: 'tunl0', sit: 'sit0', ip6tnl: 'ip6tnl0', gre: 'gre0', ip6gre: 'ip6gre0' };

/** One service that sends to this real server with dr or tun. */
export interface ServiceUse {
  readonly service: VirtualService;
  readonly server: RealServer;
  /** the VIP to hold; null for fwmark services, whose VIPs lvsync does not know */
  readonly vip: string | null;
  /** where the VIP goes: lo (dr) or the tunnel device (tun) */
  readonly device: string;
}

export interface RealServerNeeds {
  readonly address: string;
  /** services that use this RIP with dr or tun */
  readonly uses: readonly ServiceUse[];
  /** services that use it with nat: nothing to set up on the real server for them */
  readonly natOnly: readonly VirtualService[];
  readonly requirements: readonly Requirement[];
  /** things lvsync cannot do for the person (fwmark VIPs) */
  readonly notes: readonly string[];
}

/** The tunnel device that receives what the director sends: encapsulation × outer (RIP) × inner (VIP) family. */
export function tunnelDevice(type: TunnelType, outer: Family, inner: Family): TunnelDeviceType {
  if (type === 'gre') return outer === 'ipv6' ? 'ip6gre' : 'gre';
  // ipip, and gue (whose payload is handed to the same ipip/ipv6 handlers after the UDP header)
  if (outer === 'ipv6') return 'ip6tnl';
  return inner === 'ipv6' ? 'sit' : 'ipip';
}

export function deviceName(type: TunnelDeviceType): string {
  return FALLBACK_DEVICE[type];
}

/** Stable identity of a requirement, to list each one once however many services need it. */
export function requirementKey(r: Requirement): string {
  switch (r.kind) {
    case 'local-address': return `local|${r.address}`;
    case 'link-up': return `up|${r.device}`;
    case 'tunnel-device': return `tunnel|${r.device}`;
    case 'address': return `addr|${r.device}|${r.address}`;
    case 'sysctl': return `sysctl|${r.name}`;
    case 'fou': return `fou|${r.port}|${r.ipv6 ? 6 : 4}`;
  }
}

function needsFor(use: ServiceUse, rip: Family): Requirement[] {
  const out: Requirement[] = [];
  const { server, device, vip } = use;
  const inner = use.service.target.family;
  if (server.method === 'tun') {
    const tunnel = server.tunnel ?? { type: 'ipip' as const, port: 0, checksum: null };
    if (tunnel.type === 'gue') out.push({ kind: 'fou', port: tunnel.port, ipv6: rip === 'ipv6' });
    out.push({ kind: 'tunnel-device', device, type: tunnelDevice(tunnel.type, rip, inner) });
  }
  out.push({ kind: 'link-up', device });
  if (vip) out.push({ kind: 'address', address: vip, family: inner, device });
  if (inner === 'ipv4') {
    // ARP exists only for IPv4; IPv6 neighbour discovery answers only for the receiving interface's addresses
    for (const dev of ['all', device]) {
      out.push({ kind: 'sysctl', name: `net.ipv4.conf.${dev}.arp_ignore`, accept: ['1'] });
      out.push({ kind: 'sysctl', name: `net.ipv4.conf.${dev}.arp_announce`, accept: ['2'] });
    }
  }
  if (server.method === 'tun' && inner === 'ipv4') {
    // effective rp_filter is max(all, device): the device off, and `all` not strict (1); loose (2) keeps
    // the rest of the host protected, so that is what is written when `all` is strict
    out.push({ kind: 'sysctl', name: `net.ipv4.conf.${device}.rp_filter`, accept: ['0'] });
    out.push({ kind: 'sysctl', name: 'net.ipv4.conf.all.rp_filter', accept: ['2', '0'] });
  }
  return out;
}

// the canonical RIP and what uses it, or why the address cannot be a real server
export function realServerNeeds(services: Iterable<VirtualService>, address: string): RealServerNeeds | { error: string } {
  const parsed = parseAddress(address);
  if (!parsed) return { error: `--address ${JSON.stringify(address)} is not an IP address; give the real server's address as written in the desired state` };
  const uses: ServiceUse[] = [];
  const natOnly: VirtualService[] = [];
  const notes: string[] = [];
  for (const service of services) {
    for (const server of service.servers.values()) {
      if (server.address !== parsed.canonical) continue;
      if (server.method === 'nat') { natOnly.push(service); continue; }
      const type = server.tunnel?.type ?? 'ipip';
      const device = server.method === 'dr' ? 'lo' : deviceName(tunnelDevice(type, parsed.family, service.target.family));
      const vip = service.target.kind === 'address' ? service.target.address : null;
      if (!vip) notes.push(`${describeTarget(service.target)}: lvsync does not know which VIPs the firewall mark covers; add each of them to ${device} yourself (ip addr add VIP dev ${device})`);
      uses.push({ service, server, vip, device });
    }
  }
  const seen = new Set<string>();
  const requirements: Requirement[] = [];
  const add = (r: Requirement): void => {
    const key = requirementKey(r);
    if (!seen.has(key)) { seen.add(key); requirements.push(r); }
  };
  if (uses.length) add({ kind: 'local-address', address: parsed.canonical });
  for (const use of uses) for (const r of needsFor(use, parsed.family)) add(r);
  return { address: parsed.canonical, uses, natOnly, requirements, notes };
}

/** The one command that makes a requirement true (none for the RIP guard: that is the person's to fix). */
export function requirementCommand(r: Requirement): string[] | null {
  switch (r.kind) {
    case 'local-address': return null;
    case 'link-up': return ['ip', 'link', 'set', 'dev', r.device, 'up'];
    case 'tunnel-device': return ['ip', 'link', 'add', 'name', r.device, 'type', r.type];
    case 'address': return ['ip', 'addr', 'add', addressCidr(r), 'dev', r.device];
    case 'sysctl': return ['sysctl', '-w', `${r.name}=${r.accept[0]}`];
    case 'fou': return ['ip', ...(r.ipv6 ? ['-6'] : []), 'fou', 'add', 'port', String(r.port), 'gue'];
  }
}

/** For people: what the requirement is, as a checklist line. */
export function describeRequirement(r: Requirement): string {
  switch (r.kind) {
    case 'local-address': return `${r.address} is an address of this host`;
    case 'link-up': return `${r.device} is up`;
    case 'tunnel-device': return `tunnel device ${r.device} (${r.type}) exists`;
    case 'address': return `${addressCidr(r)} is on ${r.device}`;
    case 'sysctl': return `${r.name} = ${r.accept.join(' or ')}`;
    case 'fou': return `GUE receive port ${r.port}${r.ipv6 ? ' (IPv6)' : ''}`;
  }
}
