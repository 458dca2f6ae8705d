/**
 * Address parsing and printing exactly as glibc does it for ipvsadm: inet_aton (the permissive
 * IPv4 reader ipvsadm uses for VIPs, RIPs and IPv4 masks), inet_pton (strict IPv4 / IPv6) and
 * inet_ntop (the canonical text the kernel table is printed with). Written from the glibc
 * algorithms, not from lvsync's own model, so the fake stays an independent oracle.
 */

export type Af = 'inet' | 'inet6';

/** An address as the kernel holds it: family plus 16 bytes (IPv4 uses the first 4). */
export interface RawAddr {
  readonly af: Af;
  readonly bytes: readonly number[];
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const hexValue = (c: string | undefined): number => {
  if (c === undefined) return -1;
  const v = '0123456789abcdef'.indexOf(c.toLowerCase());
  return c.length === 1 ? v : -1;
};

/**
 * glibc (2.36) inet_aton: 1–4 parts, each read by strtoul(base 0) so decimal, 0-octal or 0x-hex;
 * the text may end in whitespace. Returns the address as a host-order u32.
 */
export function inetAton(text: string): number | undefined {
  const parts: number[] = [];
  let i = 0;
  let val = 0;
  for (;;) {
    if (!isDigit(text[i])) return undefined;
    let base = 10;
    if (text[i] === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X') && hexValue(text[i + 2]) >= 0) {
      base = 16;
      i += 2;
    } else if (text[i] === '0') base = 8;
    val = 0;
    for (;;) {
      const d = hexValue(text[i]);
      if (d < 0 || d >= base) break;
      val = val * base + d;
      if (val > 0xffffffff) return undefined;
      i++;
    }
    if (text[i] === '.') {
      if (parts.length > 2 || val > 0xff) return undefined;
      parts.push(val);
      i++;
    } else break;
  }
  const c = text[i];
  if (c !== undefined && !isSpace(c)) return undefined;
  const limits = [0xffffffff, 0xffffff, 0xffff, 0xff];
  if (val > limits[parts.length]!) return undefined;
  let result = val;
  parts.forEach((p, idx) => {
    result += p * 2 ** (24 - 8 * idx);
  });
  return result >>> 0;
}

/** glibc inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
export function inetPton4(text: string): number[] | undefined {
  const out = [0];
  let sawDigit = false;
  let octets = 0;
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') {
      const cur = out[out.length - 1]!;
      const next = cur * 10 + (ch.charCodeAt(0) - 48);
      if (sawDigit && cur === 0) return undefined;
      if (next > 255) return undefined;
      out[out.length - 1] = next;
      if (!sawDigit) {
        if (++octets > 4) return undefined;
        sawDigit = true;
      }
    } else if (ch === '.' && sawDigit) {
      if (octets === 4) return undefined;
      out.push(0);
      sawDigit = false;
    } else return undefined;
  }
  if (octets < 4) return undefined;
  return out;
}

/** glibc inet_pton(AF_INET6): returns 16 bytes or undefined. */
export function inetPton6(text: string): number[] | undefined {
  const out: number[] = [];
  let colonAt = -1;
  let i = 0;
  if (text.length === 0) return undefined;
  if (text[0] === ':') {
    i++;
    if (text[i] !== ':') return undefined;
  }
  let curtok = i;
  let digits = 0;
  let val = 0;
  while (i < text.length) {
    const ch = text[i++]!;
    const d = hexValue(ch);
    if (d >= 0) {
      if (digits === 4) return undefined;
      val = (val << 4) | d;
      digits++;
      continue;
    }
    if (ch === ':') {
      curtok = i;
      if (digits === 0) {
        if (colonAt >= 0) return undefined;
        colonAt = out.length;
        continue;
      } else if (i === text.length) return undefined;
      if (out.length + 2 > 16) return undefined;
      out.push((val >> 8) & 0xff, val & 0xff);
      digits = 0;
      val = 0;
      continue;
    }
    if (ch === '.' && out.length + 4 <= 16) {
      const v4 = inetPton4(text.slice(curtok));
      if (v4) {
        out.push(...v4);
        digits = 0;
        break;
      }
    }
    return undefined;
  }
  if (digits > 0) {
    if (out.length + 2 > 16) return undefined;
    out.push((val >> 8) & 0xff, val & 0xff);
  }
  if (colonAt >= 0) {
    if (out.length === 16) return undefined;
    const tail = out.splice(colonAt);
    while (out.length + tail.length < 16) out.push(0);
    out.push(...tail);
  }
  if (out.length !== 16) return undefined;
  return out;
}

export function u32ToBytes(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

export function bytesToU32(b: readonly number[], offset = 0): number {
  return (((b[offset] ?? 0) << 24) | ((b[offset + 1] ?? 0) << 16) | ((b[offset + 2] ?? 0) << 8) | (b[offset + 3] ?? 0)) >>> 0;
}

export function ntop4(b: readonly number[], offset = 0): string {
  return [0, 1, 2, 3].map((k) => String(b[offset + k] ?? 0)).join('.');
}

/** glibc inet_ntop(AF_INET6): longest zero run (≥2 words) compressed, embedded IPv4 for ::a.b.c.d / ::ffff:a.b.c.d. */
export function ntop6(b: readonly number[]): string {
  const words = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => ((b[2 * k] ?? 0) << 8) | (b[2 * k + 1] ?? 0));
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let k = 0; k < 8; k++) {
    if (words[k] === 0) {
      if (cur.base === -1) cur = { base: k, len: 1 };
      else cur.len++;
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
  let s = '';
  for (let k = 0; k < 8; k++) {
    if (best.base !== -1 && k >= best.base && k < best.base + best.len) {
      if (k === best.base) s += ':';
      continue;
    }
    if (k !== 0) s += ':';
    if (k === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      s += ntop4(b, 12);
      return s;
    }
    s += words[k]!.toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) s += ':';
  return s;
}

export function ntop(a: RawAddr): string {
  return a.af === 'inet' ? ntop4(a.bytes) : ntop6(a.bytes);
}

export function v4(u32: number): RawAddr {
  return { af: 'inet', bytes: [...u32ToBytes(u32), ...new Array<number>(12).fill(0)] };
}

export function v6(bytes: readonly number[]): RawAddr {
  return { af: 'inet6', bytes: [...bytes] };
}

/** The four host-order 32-bit words libipvs' comparators subtract (IPv4 uses only the first). */
export function addrWords(a: RawAddr): number[] {
  return [0, 4, 8, 12].map((o) => bytesToU32(a.bytes, o));
}

export function addrEqual(a: RawAddr, b: RawAddr): boolean {
  if (a.af !== b.af) return false;
  const n = a.af === 'inet' ? 4 : 16;
  for (let k = 0; k < n; k++) if (a.bytes[k] !== b.bytes[k]) return false;
  return true;
}

/** Parse the canonical text stored in the JSON state (dotted quad or IPv6) back to raw form. */
export function parseStored(text: string): RawAddr {
  if (text.includes(':')) {
    const b = inetPton6(text);
    if (!b) throw new Error(`fake ipvs state: bad IPv6 address ${text}`);
    return v6(b);
  }
  const b = inetPton4(text);
  if (!b) throw new Error(`fake ipvs state: bad IPv4 address ${text}`);
  return v4(bytesToU32(b));
}

/**
 * Whether the kernel (ip_vs_new_dest) accepts this as a real-server address: IPv4 must be RTN_LOCAL or
 * RTN_UNICAST (so not 0.0.0.0, 255.255.255.255 or multicast; 0.1.2.3 is accepted on 6.1 [obs]); IPv6
 * must be unicast and not link-local
 * (the "unless local" exception is not modelled: the fake has no interface addresses besides ::1).
 */
export function isUnicastDest(a: RawAddr): boolean {
  if (a.af === 'inet') {
    const w = bytesToU32(a.bytes);
    if (w === 0) return false; // 0.0.0.0 (6.1 accepts the rest of 0.0.0.0/8)
    if (w === 0xffffffff) return false; // limited broadcast
    if (w >>> 28 === 0xe) return false; // multicast
    return true;
  }
  const w0 = bytesToU32(a.bytes, 0);
  const w1 = bytesToU32(a.bytes, 4);
  const w2 = bytesToU32(a.bytes, 8);
  const w3 = bytesToU32(a.bytes, 12);
  const top3 = (w0 & 0xe0000000) >>> 0;
  if (top3 !== 0 && top3 !== 0xe0000000) return true; // 2000::/3 etc.
  if ((w0 & 0xff000000) >>> 0 === 0xff000000) return false; // multicast
  if ((w0 & 0xffc00000) >>> 0 === 0xfe800000) return false; // link-local
  if ((w0 | w1) === 0) {
    if (w2 === 0) return w3 !== 0; // :: is ANY; ::1 loopback and ::a.b.c.d compat are unicast
    if (w2 === 0xffff) return false; // v4-mapped is not flagged unicast
  }
  return true;
}

export function isMulticast(a: RawAddr): boolean {
  if (a.af === 'inet') return (a.bytes[0] ?? 0) >= 224 && (a.bytes[0] ?? 0) <= 239;
  return a.bytes[0] === 0xff;
}
