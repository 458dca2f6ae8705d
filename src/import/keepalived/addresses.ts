import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../model/address.js';
import type { Family } from '../../model/types.js';

/**
 * Addresses, ports and virtual_server_group members as keepalived 2.2.7 reads them
 * (lib/utils.c inet_stosockaddr and inet_stor, check/check_data.c alloc_vsg_entry), and the
 * expansion of a member range into addresses exactly as check/ipvswrapper.c
 * ipvs_group_range_cmd() walks it, so the imported services are the ones keepalived creates.
 */

export interface Ip {
  readonly family: Family;
  /** as written, without brackets */
  readonly text: string;
  /** written as `[…]`: keepalived 2.2.7 passes the text to inet_pton(), which refuses brackets */
  readonly bracketed: boolean;
}

/** inet_stosockaddr(): the family is IPv6 when the text has a `:`, then inet_pton() decides. */
export function parseIp(written: string): Ip | null {
  const bracketed = written.startsWith('[') && written.endsWith(']');
  const text = bracketed ? written.slice(1, -1) : written;
  if (text.includes(':')) return parseIpv6(text) ? { family: 'ipv6', text, bracketed } : null;
  return parseIpv4(text) !== null ? { family: 'ipv4', text, bracketed } : null;
}

/**
 * A port word: absent or all zeros is "no port" (null; keepalived 2.0.7+ accepts `0` for legacy
 * configurations, check_data.c alloc_vs), else 1..65535; 'invalid' otherwise.
 */
export function parsePort(word: string | undefined): number | null | 'invalid' {
  if (word === undefined || /^0+$/.test(word)) return null;
  if (!/^[0-9]+$/.test(word)) return 'invalid';
  const n = Number(word);
  return n >= 1 && n <= 65535 ? n : 'invalid';
}

/** read_unsigned() of lib/parser.c for a decimal value in [min, max]; null when it is not one. */
export function parseUnsigned(word: string | undefined, min: number, max: number): number | null {
  if (word === undefined || !/^[0-9]+$/.test(word)) return null;
  const n = Number(word);
  return n >= min && n <= max ? n : null;
}

export type GroupMember =
  | { readonly kind: 'addresses'; readonly family: Family; readonly addresses: readonly string[]; readonly port: number | null }
  | { readonly kind: 'fwmark'; readonly mark: number; readonly family: Family | null };

export type MemberResult =
  | { readonly ok: true; readonly member: GroupMember; readonly warning?: string }
  | { readonly ok: false; readonly message: string };

/** Beyond this many addresses from one member the import stops: lvsync would get that many services. */
export const MAX_MEMBER_ADDRESSES = 65536;

/**
 * One line of a virtual_server_group (alloc_vsg_entry): `fwmark N [inet|inet6]`, or an address
 * with an optional port, where the address may be a range: `A.B.C.D-N` (last octet, decimal),
 * `X::Y-N` (last 16-bit group, hexadecimal), `A-B` with two full addresses, or `A/len`.
 */
export function parseGroupMember(words: readonly string[]): MemberResult {
  const first = words[0]!;
  if (first === 'fwmark') {
    const mark = parseUnsigned(words[1], 0, 0xffffffff);
    if (mark === null) return { ok: false, message: `fwmark \`${words[1] ?? ''}\` must be a number in [0, 4294967295] (keepalived ignores this member)` };
    if (mark === 0) return { ok: false, message: 'fwmark 0 marks nothing: IPVS has no fwmark 0 service (lvsync refuses it); not imported' };
    const familyWord = words[2];
    if (familyWord === undefined) return { ok: true, member: { kind: 'fwmark', mark, family: null } };
    if (familyWord === 'inet' || familyWord === 'inet6') return { ok: true, member: { kind: 'fwmark', mark, family: familyWord === 'inet' ? 'ipv4' : 'ipv6' } };
    return { ok: false, message: `fwmark ${mark}: family \`${familyWord}\` is neither inet nor inet6 (keepalived ignores this member)` };
  }
  const port = parsePort(words[1]);
  if (port === 'invalid') return { ok: false, message: `\`${words[1]}\` is not a port (1-65535); keepalived skips this member` };
  const family: Family = first.includes(':') ? 'ipv6' : 'ipv4';
  // inet_stosockaddr() reads the address up to the first `-`, else up to the first `/`
  const cut = first.includes('-') ? first.indexOf('-') : first.indexOf('/');
  const baseText = cut < 0 ? first : first.slice(0, cut);
  const invalid: MemberResult = { ok: false, message: `\`${first}\` is not an address or an address range keepalived reads (it skips this member)` };
  if (family === 'ipv4' ? parseIpv4(baseText) === null : parseIpv6(baseText) === null) return invalid;
  const done = (addresses: readonly string[], warning?: string): MemberResult => addresses.length > MAX_MEMBER_ADDRESSES
    ? tooMany(first, addresses.length)
    : { ok: true, member: { kind: 'addresses', family, addresses, port }, ...(warning ? { warning } : {}) };

  if (cut >= 0 && first[cut] === '/') return maskRange(first, baseText, family, done);
  const dash = first.indexOf('-');
  if (dash < 0) return done([baseText]);
  const endText = first.slice(dash + 1);
  if ((family === 'ipv4' && endText.includes('.')) || (family === 'ipv6' && endText.includes(':'))) {
    // A-B with a full end address
    if (family === 'ipv4') {
      const a = parseIpv4(baseText)!;
      const b = parseIpv4(endText);
      if (b === null) return { ok: false, message: `the range end \`${endText}\` is not an address (keepalived: "Invalid range end", member skipped)` };
      if (a > b) return { ok: false, message: `the range ends before it starts (keepalived skips \`${first}\`)` };
      return limit(b - a + 1) ? done(walk4(a, b)) : tooMany(first, b - a + 1);
    }
    const a = parseIpv6(baseText)!;
    const b = parseIpv6(endText);
    if (!b) return { ok: false, message: `the range end \`${endText}\` is not an address (keepalived: "Invalid range end", member skipped)` };
    if (compareGroups(a, b) > 0) return { ok: false, message: `the range ends before it starts (keepalived skips \`${first}\`)` };
    return done(walk6(a, b[7]!), sameUpper(a, b) ? undefined : `keepalived walks only the last 16 bits of an IPv6 range (ipvswrapper.c ipvs_group_range_cmd): \`${first}\` is ${formatIpv6(a)} up to the last group ${b[7]!.toString(16)}, not every address in between; imported as keepalived creates it`);
  }
  // inet_stor(): a decimal last octet for IPv4, a hexadecimal last group for IPv6
  const digits = family === 'ipv4' ? /^[0-9]*/.exec(endText)![0] : /^[0-9a-fA-F]*/.exec(endText)![0];
  const end = digits === '' ? 0 : parseInt(digits, family === 'ipv4' ? 10 : 16);
  const warning = digits.length < endText.length ? `the range end \`${endText}\` has extra characters after ${digits || 'nothing'}; keepalived warns and reads ${end}` : undefined;
  if ((family === 'ipv4' && end > 255) || (family === 'ipv6' && end > 0xffff)) return { ok: false, message: `the range end \`${endText}\` is too large (keepalived skips \`${first}\`)` };
  if (family === 'ipv4') {
    const a = parseIpv4(baseText)!;
    if ((a & 0xff) >= end) return { ok: false, message: `the range end ${end} is not greater than the start (keepalived: "Address range end is not greater than address range start", member skipped)` };
    return done(walk4(a, ((a & ~0xff) | end) >>> 0), warning);
  }
  const a = parseIpv6(baseText)!;
  if (a[7]! >= end) return { ok: false, message: `the range end ${end.toString(16)} is not greater than the start (keepalived: "Address range end is not greater than address range start", member skipped)` };
  return done(walk6(a, end), warning);
}

function tooMany(first: string, count: number): MemberResult {
  return { ok: false, message: `\`${first}\` is ${count} addresses, one lvsync service each; the import stops at ${MAX_MEMBER_ADDRESSES}` };
}

function maskRange(first: string, baseText: string, family: Family, done: (a: readonly string[], w?: string) => MemberResult): MemberResult {
  const lenText = first.slice(first.indexOf('/') + 1);
  const len = /^[0-9]+$/.test(lenText) ? Number(lenText) : NaN;
  if (!(len >= 1) || (family === 'ipv4' && len > 32) || (family === 'ipv6' && len > 128)) {
    return { ok: false, message: `\`${first}\`: invalid netmask (keepalived skips this member)` };
  }
  if (family === 'ipv4') {
    const a = parseIpv4(baseText)!;
    const host = len === 32 ? 0 : (2 ** (32 - len)) - 1;
    if ((a & host) !== 0) return { ok: false, message: `\`${first}\`: the address has bits set beyond the mask (keepalived: "Address mask bits not empty", member skipped)` };
    const count = host + 1;
    return limit(count) ? done(walk4(a, a + host)) : tooMany(first, count);
  }
  const a = parseIpv6(baseText)!;
  const end = [...a];
  if (len < 128) {
    const g = Math.floor(len / 16);
    const bits = 16 - (len % 16);
    const mask = bits === 16 ? 0xffff : (1 << bits) - 1;
    if ((a[g]! & mask) !== 0 || a.slice(g + 1).some((x) => x !== 0)) {
      return { ok: false, message: `\`${first}\`: the address has bits set beyond the mask (keepalived: "Address mask bits not empty", member skipped)` };
    }
    end[g] = a[g]! | mask;
    for (let k = g + 1; k < 8; k++) end[k] = 0xffff;
  }
  return done(walk6(a, end[7]!), len < 112 ? `keepalived walks only the last 16 bits of an IPv6 range (ipvswrapper.c ipvs_group_range_cmd): \`${first}\` becomes the ${end[7]! - a[7]! + 1} addresses ${formatIpv6(a)} to ${formatIpv6([...a.slice(0, 7), end[7]!])}; imported as keepalived creates them` : undefined);
}

const limit = (count: number) => count <= MAX_MEMBER_ADDRESSES;

// IPv4: every address from a to b (ipvs_group_range_cmd adds 1 to the whole address)
function walk4(a: number, b: number): string[] {
  const out: string[] = [];
  for (let v = a; v <= b && out.length <= MAX_MEMBER_ADDRESSES; v++) out.push(formatIpv4(v >>> 0));
  return out;
}

// IPv6: the first seven groups stay, the last one counts up (wrapping at 0xffff) until it equals `last`
function walk6(a: readonly number[], last: number): string[] {
  const out: string[] = [];
  const cur = [...a];
  while (out.length <= MAX_MEMBER_ADDRESSES) {
    out.push(formatIpv6(cur));
    if (cur[7] === last) break;
    cur[7] = (cur[7]! + 1) & 0xffff;
  }
  return out;
}

function compareGroups(a: readonly number[], b: readonly number[]): number {
  for (let k = 0; k < 8; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
  return 0;
}

function sameUpper(a: readonly number[], b: readonly number[]): boolean {
  return a.slice(0, 7).every((x, k) => x === b[k]);
}
