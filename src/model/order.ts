import { parseIpv4, parseIpv6 } from './address.js';
import type { RealServer, VirtualService } from './types.js';

/**
 * A deterministic, human-friendly order for services and servers: addresses numerically (IPv4 before
 * IPv6), then port, then protocol; fwmark services after address services. ipvsadm's own order is
 * not usable (its comparator is broken, facts §2.4), so plans and canonical text use this one.
 */

const PROTOCOL_RANK: Record<string, number> = { tcp: 0, udp: 1, sctp: 2 };

// IPv4 as a plain number (no BigInt per server: sorting 250k servers allocated one each, issue 6);
// `<` between a number and a bigint is exact, and every IPv6 rank is above 2^160 > any IPv4 rank
function addressRank(address: string): bigint | number {
  const v4 = parseIpv4(address);
  if (v4 !== null) return v4;
  const v6 = parseIpv6(address) ?? [];
  return (1n << 160n) + v6.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}

function cmpBig(a: bigint | number, b: bigint | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What services are ordered by, computed once per service (parsing an address per comparison dominated sorts). */
interface ServiceRank {
  readonly fwmark: boolean;
  readonly address: bigint | number;
  readonly n1: number;
  readonly n2: number;
}

function serviceRank(svc: VirtualService): ServiceRank {
  const t = svc.target;
  if (t.kind === 'fwmark') return { fwmark: true, address: 0n, n1: t.mark, n2: t.family === 'ipv4' ? 0 : 1 };
  return { fwmark: false, address: addressRank(t.address), n1: t.port, n2: PROTOCOL_RANK[t.protocol] ?? 0 };
}

function compareServiceRanks(a: ServiceRank, b: ServiceRank): number {
  if (a.fwmark !== b.fwmark) return a.fwmark ? 1 : -1;
  return cmpBig(a.address, b.address) || a.n1 - b.n1 || a.n2 - b.n2;
}

export function compareServices(a: VirtualService, b: VirtualService): number {
  return compareServiceRanks(serviceRank(a), serviceRank(b));
}

export function compareServers(a: RealServer, b: RealServer): number {
  return cmpBig(addressRank(a.address), addressRank(b.address)) || a.port - b.port;
}

// decorate, sort, undecorate: n address parses instead of 2 per comparison (n log n)
export function sortedServices(services: Iterable<VirtualService>): VirtualService[] {
  return [...services]
    .map((svc) => ({ svc, rank: serviceRank(svc) }))
    .sort((a, b) => compareServiceRanks(a.rank, b.rank))
    .map((x) => x.svc);
}

export function sortedServers(servers: Iterable<RealServer>): RealServer[] {
  const list = [...servers];
  const n = list.length;
  if (n < 2) return list;
  if (n <= 16) {
    // a service's few servers: insertion sort on ranks computed once (stable, like Array.prototype.sort,
    // with the same comparison); plans sort every service's servers four times (issue 6 profiles)
    const ranks = list.map((server) => addressRank(server.address));
    for (let i = 1; i < n; i++) {
      const server = list[i]!;
      const rank = ranks[i]!;
      let j = i - 1;
      while (j >= 0 && (cmpBig(ranks[j]!, rank) || list[j]!.port - server.port) > 0) {
        list[j + 1] = list[j]!;
        ranks[j + 1] = ranks[j]!;
        j--;
      }
      list[j + 1] = server;
      ranks[j + 1] = rank;
    }
    return list;
  }
  return list
    .map((server) => ({ server, rank: addressRank(server.address) }))
    .sort((a, b) => cmpBig(a.rank, b.rank) || a.server.port - b.server.port)
    .map((x) => x.server);
}
