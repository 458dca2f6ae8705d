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
