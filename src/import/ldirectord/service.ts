import type { WrittenFallback, WrittenPersistence, WrittenServer, WrittenService } from '../../desired/written.js';
import type { Family, ForwardMethod } from '../../model/types.js';
import { mapCheck } from './check.js';
import type { RealEntry } from './check.js';
import type { Globals } from './globals.js';
import { parseFallback, parseRealAddress, parseRealFlags } from './real.js';
import type { FallbackValue, Forward } from './real.js';
import { expandRange, resolveHost, resolvePort } from './resolve.js';
import type { PortLookup } from './resolve.js';
import type { Sink, Spot } from './sink.js';
import type { Located, VirtualSpec } from './virtual.js';

/**
 * One virtual block → one lvsync service: the lookups ldirectord does after reading the block
 * (`_ld_read_config_*_resolve`, ldirectord.in lines 1832-2076), then the mapping of every field.
 */

export interface MappedService {
  readonly service: WrittenService;
  /** ldirectord's `get_virtual_id_str` (line 5072): two blocks with the same one are refused */
  readonly identity: string;
  /** where servicename= was written, for the note when two services share it */
  readonly nameAt: Spot | null;
}

export interface MapContext {
  readonly sink: Sink;
  readonly globals: Globals;
  readonly lookup: PortLookup;
}

const METHOD: Readonly<Record<Forward, ForwardMethod>> = { gate: 'dr', masq: 'nat', ipip: 'tun' };
const SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos']);
const SCHEDULER_FLAGS = new Set(['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port', 'flag-1', 'flag-2', 'flag-3']);
const MAX_WEIGHT = 2147483647;

// built field by field, in the order the YAML shows them
type Draft<T> = { -readonly [K in keyof T]: T[K] };
const MAX_PERSISTENCE = 2678400;

type Target =
  | { readonly kind: 'address'; readonly address: string; readonly port: number; readonly protocol: 'tcp' | 'udp' }
  | { readonly kind: 'fwmark'; readonly mark: number };

/** The service of one block, or null when its virtual= line cannot be resolved (the error is in the sink). */
export function mapVirtual(spec: VirtualSpec, index: number, ctx: MapContext): MappedService | null {
  const target = resolveTarget(spec, ctx);
  if (!target) return null;
  const { sink } = ctx;
  const service: Draft<WrittenService> = {};
  if (spec.servicename && spec.servicename.value !== '') service.name = spec.servicename.value;
  if (target.kind === 'address') {
    service.protocol = target.protocol;
    service.address = target.address;
    service.port = target.port;
  } else {
    service.fwmark = target.mark;
    if (spec.family === 'ipv6') service.family = 'ipv6';
  }
  // line 1385: wrr unless written (lvsync's own default is wlc, so it is always written)
  const scheduler = spec.scheduler?.value ?? 'wrr';
  if (!SCHEDULERS.has(scheduler)) {
    sink.error('IMPORT_UNSUPPORTED', spec.scheduler!.at, `scheduler ${JSON.stringify(scheduler)} is not one lvsync knows (${[...SCHEDULERS].join(', ')})`);
  }
  service.scheduler = scheduler;
  const flags = schedulerFlags(spec, sink);
  if (flags) service.schedulerFlags = flags;
  const persistence = persistenceOf(spec, index, sink);
  if (persistence) service.persistence = persistence;
  if (spec.ops?.value) {
    // line 2303: -o only for UDP services
    if (spec.protocol === 'udp') service.onePacket = true;
    else sink.unsupported(index, spec.ops.at, `ops=yes is ignored by ldirectord on a ${spec.protocol} service (one-packet scheduling is for UDP)`);
  }
  const vport = target.kind === 'address' ? target.port : 0;
  const reals = realServers(spec, target, index, ctx);
  const check = mapCheck({ spec, index, protocol: spec.protocol, vport, reals: reals.map((r) => r.entry), globals: ctx.globals }, sink);
  service.realServers = reals.map((r, i) => {
    const server: Draft<WrittenServer> = { ...r.server };
    if (check.serversOff) server.weight = 0;
    const own = check.overrides[i];
    if (own) server.healthCheck = own;
    return server;
  });
  if (check.check) service.healthCheck = check.check;
  const fallback = fallbackOf(spec, target, index, ctx);
  if (fallback) {
    if (check.check) service.fallback = fallback.server;
    else sink.unsupported(index, fallback.at, `fallback ${fallback.server.address}: a fallback server is used only while checked real servers are down, and these are not checked by lvsync${check.serversOff ? ' (ldirectord with checktype=off keeps it in the table: declare it as a real server if that is what you want)' : ''}`);
    collideFallback(fallback, reals, target, sink);
  }
  const identity = target.kind === 'address' ? `${target.protocol}:${target.address}:${target.port}` : `fwm${spec.family === 'ipv6' ? '6' : ''}:${target.mark}`;
  return { service, identity, nameAt: spec.servicename?.at ?? null };
}

// the virtual= address and port, looked up with the block's final protocol (line 1832)
function resolveTarget(spec: VirtualSpec, ctx: MapContext): Target | null {
  const { sink } = ctx;
  const t = spec.target;
  if (t.kind === 'fwmark') {
    if (t.mark < 1 || t.mark > 4294967295) {
      sink.error('IMPORT_SYNTAX', spec.valueAt, `firewall mark ${t.mark} is out of range: 1..4294967295`);
      return null;
    }
    if (/^\d+\.\d/.test(spec.value)) {
      sink.warn('IMPORT_SYNTAX', spec.valueAt, `this virtual= has no port, so ldirectord reads its first number as firewall mark ${t.mark}; if you meant an address, write it with its port (virtual=ADDRESS:PORT)`);
    }
    return { kind: 'fwmark', mark: t.mark };
  }
  const protocol = spec.protocol === 'udp' ? 'udp' : 'tcp';
  const address = host(t.host, spec.family, spec.valueAt, 'virtual service', sink);
  const port = portOf(t.port, protocol, spec.valueAt, 'virtual service', ctx);
  if (address === null || port === null) return null;
  return { kind: 'address', address, port, protocol };
}

/** a host of the file as an address, with the note its lookup deserves; null after an error */
function host(name: string, family: Family, at: Spot, what: string, sink: Sink): string | null {
  const r = resolveHost(name, family);
  if (r.ok) {
    if (r.byName) sink.info('IMPORT_RESOLVED', at, `${what} host ${name} → ${r.address}`);
    return r.address;
  }
  const fam = family === 'ipv4' ? 'IPv4' : 'IPv6';
  const message = {
    family: `${what} address ${name} is not ${fam}: an ${family === 'ipv4' ? 'IPv6 address needs virtual6=/real6=/fallback6=' : 'IPv4 address needs virtual=/real=/fallback='} (ldirectord looks addresses up in the family of the block)`,
    invalid: `${what} address ${name} is not a valid ${fam} address${family === 'ipv6' && !name.startsWith('[') ? ' (IPv6 addresses are written in brackets: [2001:db8::5]:80)' : ''}`,
    name: `${what} host name ${name}: lvsync does not look host names up (ldirectord asked DNS at every start); write its address`,
  }[r.why];
  sink.error(r.why === 'name' ? 'IMPORT_UNRESOLVED' : 'IMPORT_SYNTAX', at, message);
  return null;
}

function portOf(text: string, protocol: 'tcp' | 'udp', at: Spot, what: string, ctx: MapContext): number | null {
  const r = resolvePort(text, protocol, ctx.lookup);
  if (r === null) {
    const why = /^[0-9]+$/.test(text) ? 'is not a port (0..65535)' : `is not a service name lvsync knows for ${protocol}; write the port number`;
    ctx.sink.error(/^[0-9]+$/.test(text) ? 'IMPORT_SYNTAX' : 'IMPORT_UNRESOLVED', at, `${what} port ${JSON.stringify(text)} ${why}`);
    return null;
  }
  if (r.byName) ctx.sink.info('IMPORT_RESOLVED', at, `${what} port ${text} → ${r.port}/${protocol}`);
  return r.port;
}

/** schedflags=a,b → ipvsadm -b flags (line 2311) */
function schedulerFlags(spec: VirtualSpec, sink: Sink): string[] | null {
  if (!spec.schedflags) return null;
  const flags = spec.schedflags.value.split(',').filter((f) => f !== '');
  const unknown = flags.filter((f) => !SCHEDULER_FLAGS.has(f));
  if (unknown.length > 0) sink.error('IMPORT_UNSUPPORTED', spec.schedflags.at, `scheduler flag ${unknown.join(', ')} is not one lvsync knows (${[...SCHEDULER_FLAGS].join(', ')})`);
  return flags;
}

/** persistent=N [netmask=M] → -p N [-M M] (lines 2307-2310): netmask without persistent is not used */
function persistenceOf(spec: VirtualSpec, index: number, sink: Sink): WrittenPersistence | null {
  if (!spec.persistent) {
    if (spec.netmask) sink.unsupported(index, spec.netmask.at, `netmask=${spec.netmask.value}: ldirectord uses it only with persistent=, which this block does not set`);
    return null;
  }
  const timeout = spec.persistent.value;
  if (timeout < 1 || timeout > MAX_PERSISTENCE) {
    sink.error('IMPORT_SYNTAX', spec.persistent.at, `persistent=${timeout}: ipvsadm takes a persistence timeout of 1..${MAX_PERSISTENCE} seconds`);
    return null;
  }
  if (!spec.netmask) return { timeout };
  const mask = spec.family === 'ipv6' ? Number(spec.netmask.value) : spec.netmask.value;
  return { timeout, netmask: mask };
}

interface MappedReal {
  readonly server: WrittenServer;
  readonly entry: RealEntry;
  readonly key: string;
}

// every real= line, ranges expanded, looked up (_ld_read_config_real_resolve, line 2002)
function realServers(spec: VirtualSpec, target: Target, index: number, ctx: MapContext): MappedReal[] {
  const { sink } = ctx;
  const out: MappedReal[] = [];
  const seen = new Map<string, Spot>();
  // getservbyname(port, "") looks in any protocol (line 2047); the block's own is the best guess
  const protocol = spec.protocol === 'udp' ? 'udp' : 'tcp';
  for (const line of spec.reals) {
    for (const real of realLine(line, spec, target, protocol, index, ctx)) {
      const earlier = seen.get(real.key);
      if (earlier) {
        sink.error('IMPORT_COLLISION', line.at, `real server ${real.entry.address}:${real.entry.storedPort} is declared twice in this virtual service (the kernel keeps one server per address and port${real.server.method === 'nat' ? '' : '; with gate/ipip the port is always the service port'})`, earlier);
        continue;
      }
      seen.set(real.key, line.at);
      out.push(real);
    }
  }
  return out;
}

function realLine(line: Located<string>, spec: VirtualSpec, target: Target, protocol: 'tcp' | 'udp', index: number, ctx: MapContext): MappedReal[] {
  const { sink } = ctx;
  const at = line.at;
  const parts = parseRealAddress(line.value);
  if (!parts) {
    sink.error('IMPORT_SYNTAX', at, `invalid address for real server (wrong format): write real=ADDRESS[:PORT] gate|masq|ipip [WEIGHT], e.g. real=192.168.6.2:80 gate`);
    return [];
  }
  if (parts.skipped !== '') {
    sink.warn('IMPORT_SYNTAX', at, `ldirectord does not read this real= from its start: it skips ${JSON.stringify(parts.skipped)} and reads ${JSON.stringify(line.value.slice(parts.skipped.length).trimEnd())}; write real=ADDRESS[:PORT] gate|masq|ipip`);
  }
  const flags = parseRealFlags(parts.flags);
  if ('error' in flags) {
    sink.error('IMPORT_SYNTAX', at, flags.error);
    return [];
  }
  if (flags.ignored.length > 0) {
    sink.warn('IMPORT_SYNTAX', at, `ldirectord ignores ${flags.ignored.map((t) => JSON.stringify(t)).join(' and ')} on this line: it reads the weight, then "request", "receive", then l:, then u:, each once and in that order, skipping what comes before each; write them in that order`);
  }
  const first = host(parts.first, spec.family, at, 'real server', sink);
  const last = parts.last === null ? null : host(parts.last, spec.family, at, 'real server', sink);
  const rawPort = portOf(parts.port, protocol, at, 'real server', ctx);
  if (first === null || rawPort === null || (parts.last !== null && last === null)) return [];
  if (flags.weight > MAX_WEIGHT) {
    sink.error('IMPORT_SYNTAX', at, `weight ${flags.weight} is above ${MAX_WEIGHT}`);
    return [];
  }
  let addresses: readonly string[] = [first];
  if (last !== null) {
    if (spec.family === 'ipv6') {
      sink.error('IMPORT_SYNTAX', at, 'an address range is not supported for IPv6 (ldirectord: "Address range for IPv6 is not supported yet")');
      return [];
    }
    const range = expandRange(first, last);
    if (!range.ok) { sink.error('IMPORT_SYNTAX', at, range.message); return []; }
    if (range.addresses.length !== range.numericCount) {
      sink.warn('IMPORT_SYNTAX', at, `ldirectord compares the range ends as text, not numbers, so ${parts.first}->${parts.last} gives ${range.addresses.length} of its ${range.numericCount} addresses; imported as ldirectord reads it: split the range where the addresses change their number of digits`);
    }
    addresses = range.addresses;
  }
  const method = METHOD[flags.forward];
  const { port, stored } = serverPort(rawPort, method, target, at, index, sink);
  return addresses.map((address) => {
    const server: Draft<WrittenServer> = { address };
    if (port !== null) server.port = port;
    server.method = method;
    if (flags.weight !== 1) server.weight = flags.weight;
    if (flags.upperThreshold) server.upperThreshold = flags.upperThreshold;
    if (flags.lowerThreshold) server.lowerThreshold = flags.lowerThreshold;
    return {
      server,
      entry: { address, rawPort, storedPort: stored, request: flags.request, receive: flags.receive, at },
      key: `${address}|${stored}`,
    };
  });
}

/**
 * The port to write and the port the kernel stores (facts §3.2): a real server of an address
 * service without a port gets the service's; with gate or ipip any port becomes the service's
 * (ipvsadm rewrites it, as ldirectord's man page says); a firewall-mark server keeps its own, 0 if none.
 */
function serverPort(rawPort: number, method: ForwardMethod, target: Target, at: Spot, index: number, sink: Sink): { port: number | null; stored: number } {
  if (target.kind === 'fwmark') return { port: rawPort === 0 ? null : rawPort, stored: rawPort };
  if (rawPort === 0 || rawPort === target.port) return { port: null, stored: target.port };
  if (method === 'nat') return { port: rawPort, stored: rawPort };
  sink.unsupported(index, at, `port ${rawPort} with ${method === 'dr' ? 'gate' : 'ipip'}: the kernel uses the service port ${target.port} for direct routing and tunnelling, so the port is left out (use masq to forward to port ${rawPort})`, 'warning');
  return { port: null, stored: target.port };
}

interface MappedFallback {
  readonly server: WrittenFallback;
  readonly at: Spot;
  readonly key: string;
}

/** `fallback_find` (line 4340): the block's own fallback, else the global one of its family and protocol */
function fallbackOf(spec: VirtualSpec, target: Target, index: number, ctx: MapContext): MappedFallback | null {
  const { sink, globals } = ctx;
  const own = spec.fallback;
  const global = spec.family === 'ipv6' ? globals.fallback6 : globals.fallback;
  const chosen = own ?? global;
  if (!chosen) return null;
  if (!own && target.kind === 'fwmark') {
    sink.unsupported(index, spec.valueAt, `the global fallback ${chosen.value.server} is not used for this firewall-mark service: ldirectord keeps global fallbacks per tcp/udp, and for fwm it would add a server without an address; write fallback= in the block if you want one`, 'warning');
    return null;
  }
  const value: FallbackValue = chosen.value;
  const address = host(value.server, spec.family, chosen.at, 'fallback server', sink);
  // parse_fallback (line 2230): the block's own fallback takes the virtual's port when it has none
  let rawPort: number | null;
  if (value.port !== null || own) {
    const text = value.port ?? (spec.target.kind === 'address' ? spec.target.port : '0');
    rawPort = portOf(text, spec.protocol === 'udp' ? 'udp' : 'tcp', chosen.at, 'fallback server', ctx);
  } else {
    rawPort = target.kind === 'address' ? target.port : 0;
  }
  if (address === null || rawPort === null) return null;
  const method = METHOD[value.forward];
  const { port, stored } = serverPort(rawPort, method, target, chosen.at, index, sink);
  const server: Draft<WrittenFallback> = { address };
  if (port !== null) server.port = port;
  server.method = method;
  return { server, at: chosen.at, key: `${address}|${stored}` };
}

// lvsync refuses a sorry server that is also a real server (FALLBACK_CONFLICT)
function collideFallback(fallback: MappedFallback, reals: readonly MappedReal[], target: Target, sink: Sink): void {
  const same = reals.find((r) => r.key === fallback.key);
  if (!same) return;
  const port = target.kind === 'address' ? ` port ${fallback.key.split('|')[1]}` : '';
  sink.error('IMPORT_COLLISION', fallback.at, `the fallback server ${fallback.server.address}${port} is also a real server of this service; lvsync needs the sorry server to be another address or port`, same.entry.at);
}
