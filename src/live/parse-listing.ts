import { parseAddress } from '../model/address.js';
import { serverKey, serviceKey } from '../model/keys.js';
import type { Protocol, ServiceTarget } from '../model/types.js';
import { splitHostPort } from './grammar.js';

/**
 * Parse the `ipvsadm -L -n` family of listings (default, --thresholds, --stats, --rate,
 * --persistent-conn; use --exact for counters) into numbers per service and per server, keyed like
 * the model. Column names come from the header lines, so one parser serves every listing.
 */
export interface ListingRow {
  readonly values: Readonly<Record<string, number>>;
  /** default listing only: Masq | Route | Tunnel | Local */
  readonly forward?: string;
}

export interface Listing {
  readonly services: ReadonlyMap<string, { readonly values: Readonly<Record<string, number>>; readonly servers: ReadonlyMap<string, ListingRow> }>;
}

const PROTO: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

function parseTargetColumns(tokens: string[]): { target: ServiceTarget; used: number } | null {
  const [proto, where, maybeV6] = tokens;
  if (proto === 'FWM') {
    if (!where || !/^-?\d+$/.test(where)) return null;
    const mark = Number(where) < 0 ? Number(where) + 2 ** 32 : Number(where);
    const ipv6 = maybeV6 === 'IPv6';
    return { target: { kind: 'fwmark', family: ipv6 ? 'ipv6' : 'ipv4', mark }, used: ipv6 ? 3 : 2 };
  }
  const protocol = proto ? PROTO[proto] : undefined;
  const hp = where ? splitHostPort(where) : null;
  const addr = hp ? parseAddress(hp.address) : null;
  if (!protocol || !hp || !addr) return null;
  return { target: { kind: 'address', protocol, family: addr.family, address: addr.canonical, port: hp.port }, used: 2 };
}

function toNumber(text: string): number {
  const m = /^(\d+)([KMGT]?)$/.exec(text);
  if (!m) return Number.NaN;
  const scale = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] as '' | 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * scale;
}

export function parseListing(text: string): Listing {
  const services = new Map<string, { values: Record<string, number>; servers: Map<string, ListingRow> }>();
  let serviceColumns: string[] = [];
  let serverColumns: string[] = [];
  let current: { values: Record<string, number>; servers: Map<string, ListingRow> } | null = null;
  for (const raw of text.split('\n')) {
    const tokens = raw.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0 || raw.startsWith('IP Virtual Server')) continue;
    if (tokens[0] === 'Prot') { serviceColumns = tokens.slice(2); continue; }
    if (tokens[0] === '->' && tokens[1] === 'RemoteAddress:Port') {
      serverColumns = tokens.slice(2);
      if (serverColumns.length === 0) serverColumns = serviceColumns; // --stats/--rate/--thresholds share the service header's columns
      continue;
    }
    if (tokens[0] === '->') {
      const hp = tokens[1] ? splitHostPort(tokens[1]) : null;
      const addr = hp ? parseAddress(hp.address) : null;
      if (!current || !hp || !addr) continue;
      let rest = tokens.slice(2);
      let forward: string | undefined;
      if (serverColumns[0] === 'Forward') { forward = rest[0]; rest = rest.slice(1); }
      const cols = serverColumns[0] === 'Forward' ? serverColumns.slice(1) : serverColumns;
      const values: Record<string, number> = {};
      cols.forEach((name, i) => { const v = rest[i]; if (v !== undefined) values[name] = toNumber(v); });
      current.servers.set(serverKey(addr.canonical, hp.port), forward === undefined ? { values } : { values, forward });
      continue;
    }
    const parsed = parseTargetColumns(tokens);
    if (!parsed) continue;
    const values: Record<string, number> = {};
    const rest = tokens.slice(parsed.used);
    // in counter listings the service line carries numbers; in the default listing it carries the scheduler
    if (rest.every((t) => /^\d+[KMGT]?$/.test(t))) serviceColumns.forEach((name, i) => { const v = rest[i]; if (v !== undefined) values[name] = toNumber(v); });
    current = { values, servers: new Map() };
    services.set(serviceKey(parsed.target), current);
  }
  return { services };
}

/** ActiveConn and InActConn of one real server, as the default listing prints them. */
export interface ConnectionCount {
  readonly active: number;
  readonly inactive: number;
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const DEFAULT_SERVER_COLUMNS = 'Forward Weight ActiveConn InActConn';
const SERVER_PREFIX = '  -> ';

/** the space-separated words of `line` from `from` on, at most `max` (no regex, no line copy: the hot loop) */
function words(line: string, from: number, max: number): string[] {
  const out: string[] = [];
  let i = from;
  while (out.length < max) {
    while (i < line.length && line.charCodeAt(i) === 32) i++;
    if (i >= line.length) break;
    let j = line.indexOf(' ', i);
    if (j < 0) j = line.length;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

const isCount = (w: string | undefined): w is string => w !== undefined && w.length > 0 && w.length < 16 && /^\d+$/.test(w);

/**
 * The connection counts of the default `ipvsadm -L -n` listing (or of several one-service listings
 * one after the other), per service key and server key: what drains decide with. parseListing
 * builds a record per row for any listing's columns; at 2,300 × 16 that was 150–300 ms on the host
 * and seconds in the emulated VM, between the listing and the apply (issue 13), so this reads the
 * two numbers and nothing else. Returns null when the columns are not the default listing's.
 */
export function parseConnectionCounts(text: string): Map<string, Map<string, ConnectionCount>> | null {
  const services = new Map<string, Map<string, ConnectionCount>>();
  let current: Map<string, ConnectionCount> | null = null;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    if (line.startsWith(SERVER_PREFIX)) {
      const w = words(line, SERVER_PREFIX.length, 5);
      if (w[0] === 'RemoteAddress:Port') {
        if (w.slice(1).join(' ') !== DEFAULT_SERVER_COLUMNS) return null;
        continue;
      }
      if (!current || !isCount(w[3]) || !isCount(w[4])) continue;
      const hp = splitHostPort(w[0]!);
      if (!hp) continue;
      // ipvsadm prints addresses with inet_ntop: an IPv4 one is already canonical
      const address = IPV4.test(hp.address) ? hp.address : parseAddress(hp.address)?.canonical;
      if (address === undefined) continue;
      current.set(serverKey(address, hp.port), { active: Number(w[3]), inactive: Number(w[4]) });
      continue;
    }
    if (line === '' || line.startsWith('Prot ') || line.startsWith('IP Virtual Server')) continue;
    const parsed = parseTargetColumns(words(line, 0, 3));
    if (!parsed) { current = null; continue; }
    current = new Map();
    services.set(serviceKey(parsed.target), current);
  }
  return services;
}
