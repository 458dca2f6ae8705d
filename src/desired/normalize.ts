import { ipv4Netmask, parseAddress } from '../model/address.js';
import { serverKey, serviceKey } from '../model/keys.js';
import { DEFAULT_PERSISTENCE_TIMEOUT, DEFAULT_SCHEDULER, flagBit } from '../model/schedulers.js';
import type {
  Family, ForwardMethod, Persistence, RealServer, ServiceTarget, TunnelOptions, VirtualService,
} from '../model/types.js';
import type { WrittenPersistence, WrittenServer, WrittenService } from './written.js';

/**
 * Written shape → model, with every value exactly as the kernel will store it (facts §3), so the
 * desired table compares equal to the live one. Each helper returns null where the written value
 * cannot be normalised; the rules report those cases, and the final build only runs when they passed.
 */

// the family decides netmask form and which servers may be mixed in; fwmark services say it, others imply it
export function serviceFamily(svc: WrittenService): Family | null {
  if (svc.fwmark !== undefined) return svc.family ?? 'ipv4';
  return svc.address === undefined ? null : parseAddress(svc.address)?.family ?? null;
}

// the identity the kernel knows the service by
export function toTarget(svc: WrittenService): ServiceTarget | null {
  if (svc.fwmark !== undefined) return { kind: 'fwmark', family: svc.family ?? 'ipv4', mark: svc.fwmark };
  const parsed = svc.address === undefined ? null : parseAddress(svc.address);
  if (!parsed || svc.port === undefined) return null;
  return { kind: 'address', protocol: svc.protocol ?? 'tcp', family: parsed.family, address: parsed.canonical, port: svc.port };
}

// -g is ipvsadm's default forwarding method
export function methodOf(server: WrittenServer): ForwardMethod {
  return server.method ?? 'dr';
}

// ipvsadm rewrites the port of dr/tun servers on address services to the service port (facts §3.2)
export function storedServerPort(svc: WrittenService, server: WrittenServer): number {
  if (svc.fwmark !== undefined) return server.port ?? 0;
  const servicePort = svc.port ?? 0;
  return methodOf(server) === 'nat' ? server.port ?? servicePort : servicePort;
}

// the identity of a server inside its service, or null when its address is not an IP address
export function toServerKey(svc: WrittenService, server: WrittenServer): string | null {
  const parsed = parseAddress(server.address);
  return parsed ? serverKey(parsed.canonical, storedServerPort(svc, server)) : null;
}

// `true`, or an object without `enabled: false`: the three written forms of "persistent"
export function persistenceEnabled(p: WrittenPersistence | undefined): boolean {
  if (p === undefined || typeof p === 'boolean') return p === true;
  return p.enabled ?? true;
}

// the netmask as written, wherever the persistence form allows one
export function writtenNetmask(p: WrittenPersistence | undefined): string | number | undefined {
  return p === undefined || typeof p === 'boolean' ? undefined : p.netmask;
}

// IPv4: dotted (a prefix length is converted, since ipvsadm would read -M 24 as 0.0.0.24); IPv6: prefix 1..128
export function toNetmask(family: Family, value: string | number | undefined): string | null {
  if (family === 'ipv4') return value === undefined ? '255.255.255.255' : ipv4Netmask(value);
  if (value === undefined) return '128';
  const text = String(value).replace(/^\//, '');
  if (!/^\d{1,3}$/.test(text)) return null;
  const prefix = Number(text);
  return prefix >= 1 && prefix <= 128 ? String(prefix) : null;
}

function toPersistence(svc: WrittenService, family: Family): Persistence | null {
  const p = svc.persistence;
  if (!persistenceEnabled(p)) return null;
  const timeout = typeof p === 'object' ? p.timeout ?? DEFAULT_PERSISTENCE_TIMEOUT : DEFAULT_PERSISTENCE_TIMEOUT;
  const netmask = toNetmask(family, writtenNetmask(p));
  return netmask === null ? null : { timeout, netmask };
}

// ipip has neither port nor checksum; gue/gre default to nocsum, as ipvsadm prints them
export function toTunnel(server: WrittenServer): TunnelOptions | null {
  if (methodOf(server) !== 'tun') return null;
  const type = server.tunnel?.type ?? 'ipip';
  return {
    type,
    port: type === 'gue' ? server.tunnel?.port ?? 0 : 0,
    checksum: type === 'ipip' ? null : server.tunnel?.checksum ?? 'nocsum',
  };
}

export function toServer(svc: WrittenService, server: WrittenServer): RealServer | null {
  const parsed = parseAddress(server.address);
  if (!parsed) return null;
  const port = storedServerPort(svc, server);
  return {
    key: serverKey(parsed.canonical, port), family: parsed.family, address: parsed.canonical, port,
    method: methodOf(server), weight: server.weight ?? 1,
    upperThreshold: server.upperThreshold ?? 0, lowerThreshold: server.lowerThreshold ?? 0,
    tunnel: toTunnel(server),
  };
}

/**
 * What the rules and toService ask about a service and its real servers, worked out once per pass
 * (parse.ts). Each rule used to parse the same address text again (address, mixed family,
 * duplicates, then toService: four parses and two key strings per server, issue 6). A server's
 * facts are its model form: toServer is a pure function of the written server and its service, so
 * the RealServer built here is the object toService would build, and the rules read its family,
 * canonical address, stored port and key.
 */
export interface ServiceFacts {
  /** toTarget(svc) */
  readonly target: ServiceTarget | null;
  /** serviceKey(target) */
  readonly key: string | null;
  /** serviceFamily(svc) */
  readonly family: Family | null;
  /** toServer(svc, server) for each of `svc.realServers`, in order */
  readonly servers: readonly (RealServer | null)[];
}

const NO_SERVERS: readonly (RealServer | null)[] = [];

export function serviceFacts(svc: WrittenService): ServiceFacts {
  const target = toTarget(svc);
  const written = svc.realServers;
  let servers = NO_SERVERS;
  if (written && written.length > 0) {
    const out = new Array<RealServer | null>(written.length);
    for (let i = 0; i < written.length; i++) out[i] = toServer(svc, written[i]!);
    servers = out;
  }
  // the target's family is serviceFamily's answer, without parsing the address a second time
  return { target, key: target ? serviceKey(target) : null, family: target ? target.family : serviceFamily(svc), servers };
}

// the whole service in model form; null if any part cannot be normalised (the rules have said why)
export function toService(svc: WrittenService, facts: ServiceFacts = serviceFacts(svc)): VirtualService | null {
  const target = facts.target;
  if (!target) return null;
  const servers = new Map<string, RealServer>();
  for (const server of facts.servers) {
    if (!server) return null;
    if (!servers.has(server.key)) servers.set(server.key, server);
  }
  const persistence = toPersistence(svc, target.family);
  if (persistenceEnabled(svc.persistence) && !persistence) return null;
  return {
    key: facts.key!, target, name: svc.name ?? null,
    scheduler: svc.scheduler ?? DEFAULT_SCHEDULER,
    schedulerFlags: (svc.schedulerFlags ?? []).reduce((bits, f) => bits | (flagBit(f) ?? 0), 0),
    persistence, persistenceEngine: svc.persistenceEngine ?? null, onePacket: svc.onePacket ?? false,
    servers,
  };
}
