import { parseIpv4, parseIpv6 } from './address.js';
import type { RealServer, VirtualService } from './types.js';

/**
 * A deterministic, human-friendly order for services and servers: addresses numerically (IPv4 before
 * IPv6), then port, then protocol; fwmark services after address services. ipvsadm's own order is
 * not usable (its comparator is broken, facts §2.4), so plans and canonical text use this one.
 */

const PROTOCOL_RANK: Record<string, number> = { tcp: 0, udp: 1, sctp: 2 };

function addressRank(address: string): bigint {
  const v4 = parseIpv4(address);
  if (v4 !== null) return BigInt(v4);
  const v6 = parseIpv6(address) ?? [];
  return (1n << 160n) + v6.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareServices(a: VirtualService, b: VirtualService): number {
  const ta = a.target;
  const tb = b.target;
  if (ta.kind !== tb.kind) return ta.kind === 'address' ? -1 : 1;
  if (ta.kind === 'fwmark' && tb.kind === 'fwmark') {
    return ta.mark - tb.mark || (ta.family === tb.family ? 0 : ta.family === 'ipv4' ? -1 : 1);
  }
  if (ta.kind === 'address' && tb.kind === 'address') {
    return cmpBig(addressRank(ta.address), addressRank(tb.address)) || ta.port - tb.port
      || (PROTOCOL_RANK[ta.protocol] ?? 0) - (PROTOCOL_RANK[tb.protocol] ?? 0);
  }
  return 0;
}

export function compareServers(a: RealServer, b: RealServer): number {
  return cmpBig(addressRank(a.address), addressRank(b.address)) || a.port - b.port;
}

export function sortedServices(services: Iterable<VirtualService>): VirtualService[] {
  return [...services].sort(compareServices);
}

export function sortedServers(servers: Iterable<RealServer>): RealServer[] {
  return [...servers].sort(compareServers);
}
