import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../model/address.js';
import type { Family } from '../../model/types.js';

/**
 * The name lookups ldirectord does while it reads its file, without touching the network or
 * /etc: host names (`ld_gethostbyname`, ldirectord.in line 5284: getaddrinfo with the block's
 * family, then the numeric form) and service names as ports (`ld_getservbyname`, line 5335).
 */

/** A service name → its port for a protocol, null when unknown; the lookup can be swapped (a shared /etc/services reader). */
export type PortLookup = (name: string, proto: 'tcp' | 'udp') => number | null;

// the names of /etc/services that ldirectord files use most, per protocol as Debian's netbase 6.4
// lists them: most are tcp only there, so `:www` on a UDP service does not resolve (nor did it for ldirectord)
const TCP: Readonly<Record<string, number>> = {
  'ftp-data': 20, ftp: 21, ssh: 22, telnet: 23, smtp: 25, mail: 25, domain: 53, http: 80, www: 80,
  pop3: 110, 'pop-3': 110, nntp: 119, imap2: 143, imap: 143, snmp: 161, ldap: 389, https: 443,
  submission: 587, ldaps: 636, imaps: 993, pop3s: 995, radius: 1812, mysql: 3306,
  sip: 5060, 'sip-tls': 5061, postgresql: 5432, postgres: 5432, 'http-alt': 8080, webcache: 8080,
};
const UDP: Readonly<Record<string, number>> = {
  domain: 53, ntp: 123, snmp: 161, ldap: 389, https: 443, ldaps: 636, radius: 1812, sip: 5060, 'sip-tls': 5061,
};

/** The built-in lookup: a small table of common names, for the protocol asked. */
export const wellKnownPort: PortLookup = (name, proto) => (proto === 'tcp' ? TCP : UDP)[name] ?? null;

export interface ResolvedPort {
  readonly port: number;
  /** a service name was looked up (worth an IMPORT_RESOLVED note) */
  readonly byName: boolean;
}

/** `ld_getservbyname`: digits are a port when 0..65535 (line 5340), anything else a service name. */
export function resolvePort(text: string, proto: 'tcp' | 'udp', lookup: PortLookup): ResolvedPort | null {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    return n < 65536 ? { port: n, byName: false } : null;
  }
  const port = lookup(text, proto);
  return port === null || !Number.isInteger(port) || port < 0 || port > 65535 ? null : { port, byName: true };
}

export type ResolvedHost =
  | { readonly ok: true; readonly address: string; readonly byName: boolean }
  /** family: a literal of the other family; invalid: looks like an address but is not one; name: a host name */
  | { readonly ok: false; readonly why: 'family' | 'invalid' | 'name' };

/**
 * `ld_gethostbyname(name, af)`: brackets are taken off (line 5288), then the address is read for
 * the block's family. Only literals and `localhost` are resolved here; any other name is the
 * operator's to write as an address (ldirectord would ask DNS at every start).
 */
export function resolveHost(name: string, family: Family): ResolvedHost {
  const bare = /\[(.*)\]/.exec(name)?.[1] ?? name;
  if (bare === 'localhost') return { ok: true, address: family === 'ipv4' ? '127.0.0.1' : '::1', byName: true };
  const v4 = parseIpv4(bare);
  const v6 = v4 === null ? parseIpv6(bare) : null;
  if (v4 !== null) return family === 'ipv4' ? { ok: true, address: formatIpv4(v4), byName: false } : { ok: false, why: 'family' };
  if (v6 !== null) return family === 'ipv6' ? { ok: true, address: formatIpv6(v6), byName: false } : { ok: false, why: 'family' };
  // a dotted quad with an octet over 255 or a leading zero (getaddrinfo would read 010 as octal), or hex with colons
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bare) || bare.includes(':')) return { ok: false, why: 'invalid' };
  return { ok: false, why: 'name' };
}

/** the most addresses one `real=a->b` line may expand to here */
export const MAX_RANGE = 65536;

export type RangeResult =
  | { readonly ok: true; readonly addresses: readonly string[]; readonly numericCount: number }
  | { readonly ok: false; readonly message: string };

/**
 * `add_real_server_range` (lines 2078-2125), IPv4 only: both ends as integers (`ip_to_int`), the
 * first not above the last, then every address from the first while `$i le $last_i`. `le` is
 * Perl's *string* comparison, so the loop compares the decimal texts of the integers: a range whose
 * ends have a different number of digits stops early (10.0.0.0 is 167772160, nine digits; 100.0.0.0
 * is ten). That is what ldirectord adds, so it is what we return, with the numeric count beside it
 * so the caller can say when the two differ.
 */
export function expandRange(first: string, last: string): RangeResult {
  const a = parseIpv4(first);
  const b = parseIpv4(last);
  if (a === null || b === null) return { ok: false, message: `an address range is only possible between two IPv4 addresses (${first}->${last})` };
  if (a > b) return { ok: false, message: `the range ${first}->${last} runs backwards: the first address must not be above the last` };
  const addresses: string[] = [];
  const lastText = String(b);
  for (let i = a; String(i) <= lastText; i++) {
    // past the last address while the text still compares lower only when the last is all nines
    // (99999999 → 100000000…): ldirectord would add hundreds of millions of servers
    if (addresses.length >= MAX_RANGE) {
      return { ok: false, message: `the range ${first}->${last} expands to more than ${MAX_RANGE} real servers as ldirectord reads it; split it` };
    }
    addresses.push(formatIpv4(i >>> 0));
  }
  return { ok: true, addresses, numericCount: b - a + 1 };
}
