import type { WrittenFallback, WrittenHealthCheck, WrittenServer, WrittenService, WrittenTunnel } from '../../desired/written.js';
import type { Family, Protocol } from '../../model/types.js';
import { parseAddress } from '../../model/address.js';
import type { SourcePos } from '../types.js';
import type { GroupMember } from './addresses.js';
import { parseGroupMember } from './addresses.js';
import type { ResolvedCheck } from './health.js';
import { checkFor, factorChecks, resolveCheck } from './health.js';
import type { Notes } from './notes.js';
import type { Node } from './tree.js';
import { posOf, textOf } from './values.js';
import type { Forwarding, Method, RealServerDecl, VirtualServerDecl } from './virtual-server.js';
import { PERSISTENT_TIMEOUT } from './virtual-server.js';

/**
 * virtual_server blocks → lvsync services, with keepalived 2.2.7's corrections applied the way
 * check_data.c validate_check_config() applies them (each one a note): no real server → the
 * virtual server is ignored; no protocol → UDP; `ops` without UDP → dropped; port 0 without
 * persistence → persistence 360 s; no forwarding method → NAT; a duplicated real server → the
 * second one dropped; a DR/TUN real server's port → the virtual server's; a fwmark DR/TUN server's
 * port → none. A `virtual_server group` becomes one service per address of its members and one
 * per fwmark member, as ipvswrapper.c ipvs_group_cmd() creates them.
 */

export interface GroupDecl {
  readonly name: string;
  readonly at: SourcePos;
  readonly members: readonly { readonly member: GroupMember; readonly at: SourcePos }[];
}

export interface BuiltService {
  readonly service: WrittenService;
  readonly owner: VirtualServerDecl;
}

/** virtual_server_group blocks by name (the first of a name wins, as keepalived looks groups up in order). */
export function readGroups(nodes: readonly Node[], notes: Notes): Map<string, GroupDecl> {
  const groups = new Map<string, GroupDecl>();
  for (const node of nodes) {
    if (node.keyword !== 'virtual_server_group') continue;
    const name = textOf(node)[1];
    if (name === undefined) { notes.ignored(null, '`virtual_server_group` needs a name: ignored', posOf(node)); continue; }
    const members: { member: GroupMember; at: SourcePos }[] = [];
    for (const line of node.children ?? []) {
      const result = parseGroupMember(textOf(line));
      if (!result.ok) { notes.ignored(null, `virtual_server_group ${name}: ${result.message}`, posOf(line)); continue; }
      if (result.warning) notes.ignored(null, `virtual_server_group ${name}: ${result.warning}`, posOf(line));
      members.push({ member: result.member, at: posOf(line) });
    }
    if (members.length === 0) { notes.ignored(null, `virtual_server_group ${name} has no usable members: keepalived removes it`, posOf(node)); continue; }
    const has = (f: Family) => members.some(({ member }) => member.family === f);
    if (has('ipv4') && has('ipv6') && members.some(({ member }) => member.kind === 'fwmark' && member.family === null)) {
      notes.ignored(null, `virtual_server_group ${name} has IPv4 and IPv6 members and a fwmark without family: keepalived removes it`, posOf(node));
      continue;
    }
    if (groups.has(name)) { notes.ignored(null, `a second virtual_server_group ${name}: keepalived uses the first one`, posOf(node)); continue; }
    groups.set(name, { name, at: posOf(node), members });
  }
  return groups;
}

type Place =
  | { readonly kind: 'address'; readonly address: string; readonly port: number; readonly family: Family }
  | { readonly kind: 'fwmark'; readonly mark: number; readonly family: Family | null };

const methodOf = (f: Forwarding | null): Method | null => f?.method ?? null;

export function buildServices(vs: VirtualServerDecl, groups: ReadonlyMap<string, GroupDecl>, notes: Notes): BuiltService[] {
  const owner = vs;
  const said = new Set<string>();
  const once = (key: string) => !said.has(key) && !!said.add(key);
  const t = vs.target;

  // where the service lives: one place, or one per address and fwmark of the group
  let places: Place[];
  let group: GroupDecl | null = null;
  if (t.kind === 'address') places = [{ kind: 'address', address: t.ip.text, port: t.port ?? 0, family: t.ip.family }];
  else if (t.kind === 'fwmark') places = [{ kind: 'fwmark', mark: t.mark, family: null }];
  else {
    group = groups.get(t.name) ?? null;
    if (!group) {
      notes.ignored(null, `virtual_server group ${t.name}: there is no virtual_server_group ${t.name}; keepalived drops this virtual_server, so does the import`, vs.at);
      return [];
    }
    places = group.members.flatMap(({ member }): Place[] => member.kind === 'fwmark'
      ? [{ kind: 'fwmark', mark: member.mark, family: member.family }]
      : member.addresses.map((address) => ({ kind: 'address', address, port: member.port ?? 0, family: member.family })));
  }

  // rs_end_handler(): a real server that is not tunnelled must be of the virtual server's family
  // (the first such server sets it when the address does not)
  const servers: RealServerDecl[] = [];
  for (const rs of vs.realServers) {
    if (methodOf(rs.forwarding) !== 'tun') {
      if (vs.family === null) vs.family = rs.address.family;
      else if (vs.family !== rs.address.family) {
        notes.ignored(owner, `real server ${rs.address.text} is ${rs.address.family} and the virtual server ${vs.family}: keepalived skips it ("Address family of virtual server and real server don't match"), so does the import`, rs.at);
        continue;
      }
    }
    servers.push(rs);
  }
  // vs_end_handler(): the same for the sorry server
  if (vs.sorry && methodOf(vs.sorry.forwarding) !== 'tun') {
    if (vs.family === null) vs.family = vs.sorry.address.family;
    else if (vs.family !== vs.sorry.address.family) {
      notes.ignored(owner, `the sorry server ${vs.sorry.address.text} is not of the virtual server's family: keepalived skips it`, vs.sorry.at);
      vs.sorry = null;
    }
  }
  if (servers.length === 0) {
    notes.ignored(null, `${describe(vs)} has no real servers: keepalived ignores it ("has no real servers - ignoring"), so does the import`, vs.at);
    return [];
  }
  // a fwmark without family: the family of the real servers, IPv4 when they disagree (all tunnelled)
  const fwmarkFamily: Family = vs.family ?? (new Set(servers.map((s) => s.address.family)).size === 1 ? servers[0]!.address.family : 'ipv4');

  const hasAddress = places.some((p) => p.kind === 'address');
  let protocol: Protocol | null = vs.protocol;
  if (hasAddress && protocol === null) {
    notes.ignored(owner, `${describe(vs)} has no \`protocol\`: keepalived 2.2.7 defaults it to UDP ("no protocol set - defaulting to UDP", check_data.c), so the import writes protocol: udp; add \`protocol TCP\` if TCP was meant`, vs.at);
    protocol = 'udp';
  }
  if (!hasAddress && vs.protocol !== null) {
    notes.unsupported(owner, '`protocol` on a fwmark virtual server: keepalived ignores it (a fwmark service has no protocol)', vs.protocolAt!, 'info');
  }
  let onePacket = vs.onePacket !== null;
  if (onePacket && hasAddress && protocol !== 'udp') {
    notes.ignored(owner, `\`ops\` needs UDP and this virtual server is ${protocol}: keepalived drops it ("one packet scheduling requires UDP")`, vs.onePacket!);
    onePacket = false;
  }
  let persistence = vs.persistenceTimeout;
  if (!persistence && places.some((p) => p.kind === 'address' && p.port === 0)) {
    notes.ignored(owner, `${describe(vs)} has port 0 and no persistence: keepalived makes it persistent for ${PERSISTENT_TIMEOUT} s ("zero port only valid for persistent services - setting"); imported so`, vs.at);
    persistence = PERSISTENT_TIMEOUT;
  }
  // the sip engine is the only one IPVS has (lvsync's schema lists only it)
  let engine = vs.engine;
  if (engine !== null && engine !== 'sip') {
    notes.unsupported(owner, `persistence_engine ${engine}: IPVS has only the sip engine (lvsync accepts only sip); dropped`, vs.engineAt!);
    engine = null;
  }
  if (engine !== null && !persistence) {
    notes.unsupported(owner, 'persistence_engine without persistence: IPVS uses an engine only on persistent services; dropped', vs.engineAt!, 'info');
    engine = null;
  }

  // duplicates: the second of two real servers with the same address and port is removed
  const unique: RealServerDecl[] = [];
  for (const rs of servers) {
    const key = (r: RealServerDecl) => `${parseAddress(r.address.text)?.canonical ?? r.address.text}|${r.writtenPort ?? 0}`;
    if (unique.some((u) => key(u) === key(rs))) {
      notes.ignored(owner, `real server ${rs.address.text}${rs.writtenPort ? ` port ${rs.writtenPort}` : ''} is declared twice: keepalived removes the second one`, rs.at);
      continue;
    }
    unique.push(rs);
  }

  // the forwarding method: the server's own, else the virtual server's, else NAT
  const vsForwarding: Forwarding = vs.forwarding ?? { method: 'nat', tunnel: { type: 'ipip', port: 0, checksum: 'nocsum' } };
  const forwardingOf = (f: Forwarding | null): Forwarding => f ?? vsForwarding;

  const resolved = new Map<RealServerDecl, ResolvedCheck | null>();
  for (const rs of unique) resolved.set(rs, resolveCheck(vs, rs, notes, once));

  if (vs.sorry && forwardingOf(vs.sorry.forwarding).method === 'tun' && !isDefaultTunnel(forwardingOf(vs.sorry.forwarding))) {
    notes.unsupported(owner, 'the sorry server\'s tunnel options: lvsync\'s fallback takes no tunnel settings (it uses ipip)', vs.sorry.at);
  }

  const out: BuiltService[] = [];
  for (const place of places) {
    const servicePort = place.kind === 'address' ? place.port : 0;
    const portOf = (rs: { writtenPort: number | null; at: SourcePos; address: { text: string } }, method: Method): { effective: number; write: number | null } => {
      if (method === 'nat') {
        const effective = rs.writtenPort ?? servicePort;
        return { effective, write: rs.writtenPort !== null && rs.writtenPort !== servicePort ? rs.writtenPort : null };
      }
      if (rs.writtenPort !== null && rs.writtenPort !== servicePort && once(`port-${rs.at.line}`)) {
        notes.ignored(owner, place.kind === 'fwmark'
          ? `real server ${rs.address.text}: a ${method.toUpperCase()} server of a fwmark service has no port; keepalived ignores ${rs.writtenPort} for IPVS (its checker still connects to it)`
          : `real server ${rs.address.text}: with ${method.toUpperCase()} the port must be the virtual server's; keepalived uses ${servicePort} instead of ${rs.writtenPort} ("ports don't match - resetting"), its checker still connects to ${rs.writtenPort}`, rs.at);
      }
      return { effective: servicePort, write: null };
    };

    const written: WrittenServer[] = [];
    const checks: (WrittenHealthCheck | null)[] = [];
    for (const rs of unique) {
      const f = forwardingOf(rs.forwarding);
      const { effective, write } = portOf(rs, f.method);
      const server: { -readonly [K in keyof WrittenServer]: WrittenServer[K] } = { address: rs.address.text };
      if (write !== null) server.port = write;
      server.method = f.method;
      const weight = rs.weight ?? vs.weight;
      if (weight !== 1) server.weight = weight;
      if (rs.upperThreshold) server.upperThreshold = rs.upperThreshold;
      if (rs.lowerThreshold) server.lowerThreshold = rs.lowerThreshold;
      const tunnel = tunnelOf(f);
      if (tunnel) server.tunnel = tunnel;
      written.push(server);
      const r = resolved.get(rs) ?? null;
      checks.push(r ? checkFor(r, effective, vs, rs, notes, once) : null);
    }
    const factored = factorChecks(checks);
    const realServers = written.map((server, k) => {
      const own = factored.servers[k];
      return own === null || own === undefined ? server : { ...server, healthCheck: own };
    });

    const service: { -readonly [K in keyof WrittenService]: WrittenService[K] } = {};
    if (place.kind === 'address') {
      service.protocol = protocol!;
      service.address = place.address;
      service.port = place.port;
    } else {
      service.fwmark = place.mark;
      const family = place.family ?? fwmarkFamily;
      if (family === 'ipv6') service.family = 'ipv6';
    }
    if (vs.scheduler) service.scheduler = vs.scheduler;
    if (vs.flags.length > 0) service.schedulerFlags = [...new Set(vs.flags)];
    if (persistence) {
      const netmask = vs.granularity;
      service.persistence = netmask === null || netmask === '255.255.255.255' || netmask === 128 ? { timeout: persistence } : { timeout: persistence, netmask };
      if (engine) service.persistenceEngine = engine;
    }
    if (onePacket) service.onePacket = true;
    service.realServers = realServers;
    if (factored.service) service.healthCheck = factored.service;
    const fallback = fallbackOf(vs, forwardingOf, portOf, servicePort, realServers, notes, once);
    if (fallback) service.fallback = fallback;
    out.push({ service, owner });
  }

  if (group && out.length > 0) {
    notes.comment(owner, `virtual_server group ${group.name}: one service per address and fwmark of virtual_server_group ${group.name} (${group.at.file}:${group.at.line}), ${out.length} in all, with the same real servers`, vs.at);
  }
  return out;
}

function fallbackOf(
  vs: VirtualServerDecl,
  forwardingOf: (f: Forwarding | null) => Forwarding,
  portOf: (rs: { writtenPort: number | null; at: SourcePos; address: { text: string } }, method: Method) => { effective: number; write: number | null },
  servicePort: number,
  realServers: readonly WrittenServer[],
  notes: Notes,
  once: (key: string) => boolean,
): WrittenFallback | null {
  const sorry = vs.sorry;
  if (!sorry) return null;
  const method = forwardingOf(sorry.forwarding).method;
  const { effective, write } = portOf(sorry, method);
  const canonical = parseAddress(sorry.address.text)?.canonical;
  const clash = realServers.some((s) => parseAddress(s.address)?.canonical === canonical && (s.port ?? servicePort) === effective);
  if (clash) {
    if (once('sorry-clash')) notes.unsupported(vs, `the sorry server ${sorry.address.text} is also a real server: keepalived then keeps it in and only changes its weight; lvsync's fallback must be another server (FALLBACK_CONFLICT), so it is not imported`, sorry.at);
    return null;
  }
  const fallback: { -readonly [K in keyof WrittenFallback]: WrittenFallback[K] } = { address: sorry.address.text };
  if (write !== null) fallback.port = write;
  fallback.method = method;
  return fallback;
}

function isDefaultTunnel(f: Forwarding): boolean {
  return f.tunnel.type === 'ipip' && f.tunnel.checksum === 'nocsum';
}

function tunnelOf(f: Forwarding): WrittenTunnel | null {
  if (f.method !== 'tun' || isDefaultTunnel(f)) return null;
  const tunnel: { -readonly [K in keyof WrittenTunnel]: WrittenTunnel[K] } = { type: f.tunnel.type };
  if (f.tunnel.type === 'gue') tunnel.port = f.tunnel.port;
  if (f.tunnel.checksum !== 'nocsum') tunnel.checksum = f.tunnel.checksum;
  return tunnel;
}

export function describe(vs: VirtualServerDecl): string {
  const t = vs.target;
  if (t.kind === 'address') return `virtual_server ${t.ip.text}${t.port ? ` ${t.port}` : ''}`;
  if (t.kind === 'fwmark') return `virtual_server fwmark ${t.mark}`;
  return `virtual_server group ${t.name}`;
}
