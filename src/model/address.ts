/** An address family; defined here, the bottom of the model, and re-exported by types.ts. */
export type Family = 'ipv4' | 'ipv6';

/**
 * Address text in the exact form `ipvsadm -S -n` prints it, so desired and live compare as strings.
 * IPv4 is strict dotted-quad (no inet_aton shorthands or octal: "010.0.0.1" means 8.0.0.1 to ipvsadm,
 * which is never what a person meant). IPv6 follows glibc's inet_ntop: lower case, the longest run of
 * two or more zero groups compressed (first one on a tie), embedded IPv4 for ::ffff:a.b.c.d and ::a.b.c.d.
 */

// Exactly /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/, scanned by hand:
// every address of both tables goes through here, several times per pass, and the regex + split
// showed up in the profile of a 50k-service plan (bench/, issue 6).
export function parseIpv4(text: string): number | null {
  const value = scanIpv4(text, 0, text.length);
  return value < 0 ? null : value;
}

/**
 * parseIpv4 of text.slice(start, end) without making the slice: the `-S -n` reader looks at
 * addresses where they stand in the input (issue 6). -1 when it is not a dotted quad.
 */
export function scanIpv4(text: string, start: number, end: number): number {
  const n = end - start;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let i = start;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      // bounded by end: the character after the region may well be a dot
      if (i >= end || text.charCodeAt(i) !== 46 /* . */) return -1;
      i++;
    }
    const first = i;
    let octet = 0;
    while (i < end && i - first < 4) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      octet = octet * 10 + c;
      i++;
    }
    const digits = i - first;
    // one to three digits, no leading zero, at most 255
    if (digits === 0 || digits > 3 || (digits > 1 && text.charCodeAt(first) === 48) || octet > 255) return -1;
    value = value * 256 + octet;
  }
  return i === end ? value : -1;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

/** 8 groups of 16 bits, or null when the text is not an IPv6 address. */
export function parseIpv6(text: string): number[] | null {
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

export function formatIpv6(words: readonly number[]): string {
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

export interface ParsedAddress {
  readonly family: Family;
  readonly canonical: string;
}

/** Canonical text and family of an IP address, or null when it is neither IPv4 nor IPv6. */
export function parseAddress(text: string): ParsedAddress | null {
  if (parseIpv4(text) !== null) return { family: 'ipv4', canonical: text };
  const v6 = parseIpv6(text);
  return v6 ? { family: 'ipv6', canonical: formatIpv6(v6) } : null;
}

/** Why the kernel would refuse this as a VIP or RIP ("address not unicast"), or null when it is fine. */
export function nonUnicastReason(address: string): string | null {
  const v4 = parseIpv4(address);
  if (v4 !== null) {
    if (v4 === 0) return 'the unspecified address 0.0.0.0';
    if (v4 === 0xffffffff) return 'the broadcast address';
    if (v4 >>> 28 === 0xe) return 'a multicast address (224.0.0.0/4)';
    return null;
  }
  const v6 = parseIpv6(address);
  if (!v6) return null;
  if (v6.every((w) => w === 0)) return 'the unspecified address ::';
  if (((v6[0] ?? 0) >>> 8) === 0xff) return 'a multicast address (ff00::/8)';
  return null;
}

export interface Cidr {
  readonly family: Family;
  /** 32 or 128 bits as a bigint */
  readonly base: bigint;
  readonly prefix: number;
  readonly text: string;
}

function toBigInt(address: string): { family: Family; value: bigint } | null {
  const v4 = parseIpv4(address);
  if (v4 !== null) return { family: 'ipv4', value: BigInt(v4) };
  const v6 = parseIpv6(address);
  if (!v6) return null;
  return { family: 'ipv6', value: v6.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n) };
}

/** "10.0.0.0/8", "2001:db8::/64", or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const parsed = toBigInt(addrText);
  if (!parsed) return null;
  const bits = parsed.family === 'ipv4' ? 32 : 128;
  const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > bits) return null;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { family: parsed.family, base: parsed.value & mask, prefix, text };
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const parsed = toBigInt(address);
  if (!parsed || parsed.family !== cidr.family) return false;
  const bits = cidr.family === 'ipv4' ? 32 : 128;
  const mask = cidr.prefix === 0 ? 0n : ((1n << BigInt(cidr.prefix)) - 1n) << BigInt(bits - cidr.prefix);
  return (parsed.value & mask) === cidr.base;
}

/** IPv4 netmask from dotted text or a prefix length; null when invalid. Non-contiguous masks are kept (the kernel accepts them). */
export function ipv4Netmask(value: string | number): string | null {
  if (typeof value === 'number' || /^\/?\d{1,2}$/.test(value)) {
    const prefix = typeof value === 'number' ? value : Number(value.replace('/', ''));
    if (!Number.isInteger(prefix) || prefix < 1 || prefix > 32) return null;
    return formatIpv4(prefix === 32 ? 0xffffffff : (0xffffffff << (32 - prefix)) >>> 0);
  }
  return parseIpv4(value) === null || value === '0.0.0.0' ? null : value;
}
