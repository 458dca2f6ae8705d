/**
 * The `ipvsadm -S -n` parser as it was before the single-pass rewrite (commit e10984e), kept verbatim
 * together with copies of the address, key and grammar helpers it called, so the differential test
 * compares the new parser with the old behaviour even after those helpers change.
 * Test code only: do not import it from src/.
 */
import type { Diagnostic } from '../../src/diagnostics.js';
import { DEFAULT_PERSISTENCE_TIMEOUT, FLAG_3, flagBit } from '../../src/model/schedulers.js';
import type { Family, ForwardMethod, Protocol, RealServer, ServiceTarget, Table, TunnelChecksum, TunnelOptions, TunnelType, VirtualService } from '../../src/model/types.js';

/**
 * Parse `ipvsadm -S -n` output (and lvsync's own canonical save text, which may add -x/-y) into the model.
 * Every line must be understood: a line lvsync cannot parse is a LIVE_PARSE error naming it, never a
 * silent skip, because a skipped service would look absent and be re-added or deleted.
 */
export function referenceParseIpvsadmSave(text: string, file = 'ipvsadm -S -n'): { table: Table; diagnostics: Diagnostic[] } {
  const services = new Map<string, { svc: MutableService; line: number }>();
  const diagnostics: Diagnostic[] = [];
  const lines = text.split(/\r?\n/);
  let lastSpec = '';
  let lastKey = '';
  let lastUsed = 0;
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    // after trim() no token is empty; most lines are single-spaced and never name ipvsadm
    let tokens = trimmed.includes('\t') || trimmed.includes('  ') ? trimmed.split(/[ \t]+/) : trimmed.split(' ');
    if (trimmed.includes('ipvsadm')) tokens = tokens.filter((t) => t !== 'ipvsadm');
    if (tokens.length === 0) return;
    const fail = (message: string): void => {
      diagnostics.push({ severity: 'error', code: 'LIVE_PARSE', message: `${message}: ${raw.trim()}`, file, line, col: 1 });
    };
    try {
      if (tokens[0] === '-A' || tokens[0] === '--add-service') {
        const svc = parseServiceLine(tokens.slice(1));
        if (services.has(svc.key)) return fail('service listed twice');
        services.set(svc.key, { svc, line });
      } else if (tokens[0] === '-a' || tokens[0] === '--add-server') {
        // consecutive -a lines name the same service: reuse its parsed target (a pure function of these tokens)
        const spec = `${tokens[1] ?? ''} ${tokens[2] ?? ''} ${tokens[3] ?? ''}`;
        if (spec !== lastSpec) {
          const { target, rest } = parseTarget(tokens.slice(1));
          lastSpec = spec;
          lastKey = serviceKey(target);
          lastUsed = tokens.length - 1 - rest.length;
        }
        const rest = tokens.slice(1 + lastUsed);
        const entry = services.get(lastKey);
        if (!entry) return fail('real server line before its service line');
        const server = parseServerLine(rest);
        if (entry.svc.servers.has(server.key)) return fail('real server listed twice');
        entry.svc.servers.set(server.key, server);
      } else {
        fail('expected an -A or -a line');
      }
    } catch (err) {
      fail(err instanceof LineError ? err.message : String(err));
    }
  });
  const table = new Map<string, VirtualService>();
  for (const [key, { svc }] of services) table.set(key, svc);
  return { table: { services: table }, diagnostics };
}

type MutableService = Omit<VirtualService, 'servers'> & { servers: Map<string, RealServer> };

class LineError extends Error {}

function parseTarget(tokens: string[]): { target: ServiceTarget; rest: string[] } {
  const sw = tokens[0] ?? '';
  const value = tokens[1];
  if (value === undefined) throw new LineError(`missing value after ${sw || 'service switch'}`);
  if (sw === '-f' || sw === '--fwmark-service') {
    if (!/^-?\d+$/.test(value)) throw new LineError(`bad fwmark "${value}"`);
    // ipvsadm 1.31 prints marks >= 2^31 as negative numbers (facts §2.7)
    const mark = Number(value) < 0 ? Number(value) + 2 ** 32 : Number(value);
    const ipv6 = tokens[2] === '-6' || tokens[2] === '--ipv6';
    return { target: { kind: 'fwmark', family: ipv6 ? 'ipv6' : 'ipv4', mark }, rest: tokens.slice(ipv6 ? 3 : 2) };
  }
  const protocol = SWITCH_PROTOCOL[sw];
  if (!protocol) throw new LineError(`unknown service switch "${sw}"`);
  const hp = splitHostPort(value);
  const parsed = hp ? parseAddress(hp.address) : null;
  if (!hp || !parsed) throw new LineError(`bad virtual address "${value}"`);
  return { target: { kind: 'address', protocol, family: parsed.family, address: detached(parsed.canonical), port: hp.port }, rest: tokens.slice(2) };
}

/** Walks "switch [value]" pairs; `take` insists on a value. */
class Cursor {
  private i = 0;
  constructor(private readonly tokens: string[]) {}
  next(): string | undefined { return this.tokens[this.i++]; }
  take(sw: string): string {
    const v = this.tokens[this.i++];
    if (v === undefined) throw new LineError(`missing value after ${sw}`);
    return v;
  }
  peekIsValue(): boolean { const v = this.tokens[this.i]; return v !== undefined && !v.startsWith('-'); }
}

function int(text: string, what: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max) throw new LineError(`bad ${what} "${text}"`);
  return Number(text);
}

function parseServiceLine(tokens: string[]): MutableService {
  const { target, rest } = parseTarget(tokens);
  let scheduler: string | null = null;
  let flags = 0;
  let timeout: number | null = null;
  let netmask: string | null = null;
  let engine: string | null = null;
  let onePacket = false;
  const c = new Cursor(rest);
  for (let sw = c.next(); sw !== undefined; sw = c.next()) {
    switch (sw) {
      case '-s': case '--scheduler': scheduler = c.take(sw); break;
      case '-p': case '--persistent': timeout = c.peekIsValue() ? int(c.take(sw), 'persistence timeout', 2678400) : DEFAULT_PERSISTENCE_TIMEOUT; break;
      case '-M': case '--netmask': netmask = c.take(sw); break;
      case '--pe': engine = c.take(sw); break;
      case '-o': case '--ops': onePacket = true; break;
      case '-b': case '--sched-flags': {
        // 1.31 prints a dangling "-b" when only flag-3 is set under sh/mh (facts §2.2)
        if (!c.peekIsValue()) { flags |= FLAG_3; break; }
        for (const name of c.take(sw).split(',')) {
          const bit = flagBit(name);
          if (bit === undefined) throw new LineError(`unknown scheduler flag "${name}"`);
          flags |= bit;
        }
        break;
      }
      default: throw new LineError(`unexpected "${sw}"`);
    }
  }
  const family: Family = target.family;
  return {
    key: serviceKey(target),
    target,
    name: null,
    scheduler: scheduler ?? 'none',
    schedulerFlags: flags,
    persistence: timeout === null ? null : { timeout, netmask: normaliseLiveNetmask(netmask, family) },
    persistenceEngine: engine,
    onePacket,
    servers: new Map(),
  };
}

function normaliseLiveNetmask(mask: string | null, family: Family): string {
  if (family === 'ipv6') return mask ?? '128';
  return mask ?? '255.255.255.255';
}

function parseServerLine(tokens: string[]): RealServer {
  if (tokens[0] !== '-r' && tokens[0] !== '--real-server') throw new LineError('expected -r after the service');
  const value = tokens[1] ?? '';
  const hp = splitHostPort(value);
  const parsed = hp ? parseAddress(hp.address) : null;
  if (!hp || !parsed) throw new LineError(`bad real server address "${value}"`);
  let method: ForwardMethod = 'dr';
  let weight = 1;
  let upper: number | null = null;
  let lower: number | null = null;
  let tunType: TunnelType | null = null;
  let tunPort = 0;
  let checksum: TunnelOptions['checksum'] = null;
  const c = new Cursor(tokens.slice(2));
  for (let sw = c.next(); sw !== undefined; sw = c.next()) {
    const m = SWITCH_METHOD[sw];
    const cs = SWITCH_CHECKSUM[sw];
    if (m) method = m;
    else if (cs) checksum = cs;
    else if (sw === '-w' || sw === '--weight') weight = int(c.take(sw), 'weight', 2147483647);
    else if (sw === '-x' || sw === '--u-threshold') upper = int(c.take(sw), 'upper threshold', 2147483647);
    else if (sw === '-y' || sw === '--l-threshold') lower = int(c.take(sw), 'lower threshold', 2147483647);
    else if (sw === '--tun-type') {
      const t = c.take(sw);
      if (t !== 'ipip' && t !== 'gue' && t !== 'gre') throw new LineError(`unknown tunnel type "${t}"`);
      tunType = t;
    } else if (sw === '--tun-port') tunPort = int(c.take(sw), 'tunnel port', 65535);
    else throw new LineError(`unexpected "${sw}"`);
  }
  let tunnel: TunnelOptions | null = null;
  if (method === 'tun') {
    // pre-1.31 ipvsadm printed "-i" alone: that is ipip (facts §9)
    const type = tunType ?? 'ipip';
    tunnel = { type, port: type === 'gue' ? tunPort : 0, checksum: type === 'ipip' ? null : checksum ?? 'nocsum' };
  } else if (tunType !== null) {
    throw new LineError('tunnel options on a server that is not -i');
  }
  return {
    key: serverKey(parsed.canonical, hp.port),
    family: parsed.family,
    address: detached(parsed.canonical),
    port: hp.port,
    method,
    weight,
    upperThreshold: upper,
    lowerThreshold: lower,
    tunnel,
  };
}

// ---- helpers as they were at e10984e ----

function parseIpv4(text: string): number | null {
  const n = text.length;
  if (n < 7 || n > 15) return null;
  let value = 0;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (text.charCodeAt(i) !== 46 /* . */) return null;
      i++;
    }
    const start = i;
    let octet = 0;
    while (i < n && i - start < 4) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      octet = octet * 10 + c;
      i++;
    }
    const digits = i - start;
    // one to three digits, no leading zero, at most 255
    if (digits === 0 || digits > 3 || (digits > 1 && text.charCodeAt(start) === 48) || octet > 255) return null;
    value = value * 256 + octet;
  }
  return i === n ? value : null;
}

function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function parseIpv6(text: string): number[] | null {
  if (text.length === 0 || text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null || lastColon < 0) return null;
    tail.push(v4 >>> 16, v4 & 0xffff);
    head = text.slice(0, lastColon + 1);
    // "::1.2.3.4" keeps its "::"; "::ffff:1.2.3.4" drops the separator before the IPv4 part
    if (!head.endsWith('::') && head.endsWith(':')) head = head.slice(0, -1);
  }
  const parts = head.split('::');
  if (parts.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = groups(parts[0] ?? '');
  const right = parts.length === 2 ? groups(parts[1] ?? '') : [];
  if (!left || !right) return null;
  const known = left.length + right.length + tail.length;
  if (parts.length === 2) {
    if (known > 7) return null;
    return [...left, ...new Array<number>(8 - known).fill(0), ...right, ...tail];
  }
  if (known !== 8) return null;
  return [...left, ...tail];
}

function formatIpv6(words: readonly number[]): string {
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestBase = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      const w6 = words[6] ?? 0;
      const w7 = words[7] ?? 0;
      out += formatIpv4(((w6 << 16) | w7) >>> 0);
      return out;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

interface ParsedAddress {
  readonly family: Family;
  readonly canonical: string;
}

/** Canonical text and family of an IP address, or null when it is neither IPv4 nor IPv6. */
function parseAddress(text: string): ParsedAddress | null {
  if (parseIpv4(text) !== null) return { family: 'ipv4', canonical: text };
  const v6 = parseIpv6(text);
  return v6 ? { family: 'ipv6', canonical: formatIpv6(v6) } : null;
}

const SWITCH_PROTOCOL: Record<string, Protocol> = {
  '-t': 'tcp', '--tcp-service': 'tcp',
  '-u': 'udp', '--udp-service': 'udp',
  '--sctp-service': 'sctp',
};

const SWITCH_METHOD: Record<string, ForwardMethod> = {
  '-m': 'nat', '--masquerading': 'nat',
  '-g': 'dr', '--gatewaying': 'dr',
  '-i': 'tun', '--ipip': 'tun',
};

const SWITCH_CHECKSUM: Record<string, TunnelChecksum> = {
  '--tun-nocsum': 'nocsum', '--tun-csum': 'csum', '--tun-remcsum': 'remcsum',
};

/** Split "10.0.0.1:80" / "[2001:db8::1]:80" into address text and port; null when malformed. */
function splitHostPort(text: string): { address: string; port: number } | null {
  let address: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close < 0) return null;
    address = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return null;
    address = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  return port > 65535 ? null : { address, port };
}
function serviceKey(target: ServiceTarget): string {
  return target.kind === 'fwmark'
    ? `fwmark|${target.family}|${target.mark}`
    : `${target.protocol}|${target.address}|${target.port}`;
}

function serverKey(address: string, port: number): string {
  return `${address}|${port}`;
}

function detached(s: string): string {
  return s.length >= 13 ? (` ${s}`).slice(1) : s;
}
