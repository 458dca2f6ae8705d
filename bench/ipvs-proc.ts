/**
 * "The kernel holds exactly this table", judged the same way for every tool of the peer comparison
 * (bench/vm-peers.ts): from /proc/net/ip_vs, which the kernel prints itself (ip_vs_ctl.c,
 * ip_vs_info_seq_show), so no tool's own reader is the judge. Addresses and ports there are hex:
 *
 *   IP Virtual Server version 1.2.1 (size=4096)
 *   Prot LocalAddress:Port Scheduler Flags
 *     -> RemoteAddress:Port Forward Weight ActiveConn InActConn
 *   TCP  0A000001:0050 wrr
 *     -> AC100001:1F90      Masq    1      0          0
 *
 * A table is a set of keys: one per service (protocol, address:port, scheduler) and one per real
 * server (its service's key, address:port, forwarding method, weight). Connection counters are not
 * part of it. Only what the generated tables use is covered: IPv4 TCP services.
 */
import type { Service } from './generate.js';

const HEADER_LINES = 3;

function hexAddress(dotted: string, port: number): string {
  const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number];
  const n = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  return `${n.toString(16).toUpperCase().padStart(8, '0')}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The keys /proc/net/ip_vs shows for `services` (TCP, wrr, NAT = "Masq"). */
export function expectedProcKeys(services: readonly Service[]): string[] {
  const out: string[] = [];
  for (const s of services) {
    const svc = `TCP ${hexAddress(s.address, s.port)} wrr`;
    out.push(svc);
    for (const r of s.servers) out.push(`${svc}|${hexAddress(r.address, r.port)} Masq ${r.weight}`);
  }
  return out;
}

function words(line: string): string[] {
  return line.split(' ').filter((w) => w !== '');
}

/**
 * Does the text of /proc/net/ip_vs hold exactly `expected`? The line count is checked first (a
 * table still loading fails there without any parsing); then every line must be an expected key,
 * which with equal counts and the kernel's unique entries means the sets are equal. Stops at the
 * first line that is not expected.
 */
export function procTableMatches(text: string, expected: ReadonlySet<string>): boolean {
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  if (lines - HEADER_LINES !== expected.size) return false;
  let start = 0;
  for (let skip = 0; skip < HEADER_LINES; skip++) start = text.indexOf('\n', start) + 1;
  let service = '';
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.startsWith('  ->')) {
      // "  -> AC100001:1F90      Masq    1      0          0": address:port, forward, weight
      const w = words(line);
      if (!expected.has(`${service}|${w[1]} ${w[2]} ${w[3]}`)) return false;
    } else {
      // "TCP  0A000001:0050 wrr " (+ "ops", "persistent …": flags this bench never declares)
      const w = words(line);
      service = w.slice(0, 3).join(' ');
      if (w.length > 3 || !expected.has(service)) return false;
    }
  }
  return true;
}

/**
 * An order-independent digest of a /proc/net/ip_vs text, computed on its bytes: the poller's fast
 * check. Every record (a service line, or a real-server line together with its service) is hashed,
 * and the hashes are summed twice with different mixes. A service line is hashed over its
 * whitespace-separated words; a real-server line over the fixed-width columns the kernel prints
 * first ("  -> %08X:%04X      %-7s %-6d ": address:port, forwarding method, weight), so the
 * connection counters after them are left out. Under TCG, splitting a 50,000-line table into
 * strings took seconds per read; this is one pass over the bytes with the line ends found natively.
 * A digest equal to the expected one is confirmed by procTableMatches.
 */
export interface ProcDigest {
  readonly records: number;
  readonly a: number;
  readonly b: number;
}

const NL = 10;
const SP = 32;
/** "  -> " then address:port (13), six spaces, the method (%-7s), a space, the weight (%-6d) */
const SERVER_COLUMNS: readonly [number, number] = [5, 38];

/** FNV-1a over the whitespace-separated words in [from, to), one space between them. */
function hashWords(bytes: Uint8Array, from: number, to: number, seed: number): number {
  let h = seed;
  let i = from;
  let words = 0;
  while (i < to) {
    while (i < to && bytes[i] === SP) i++;
    if (i >= to) break;
    if (words > 0) h = Math.imul(h ^ SP, 0x01000193);
    while (i < to && bytes[i] !== SP) h = Math.imul(h ^ bytes[i++]!, 0x01000193);
    words++;
  }
  return h >>> 0;
}

/** FNV-1a over the bytes [from, to), as they are. */
function hashBytes(bytes: Uint8Array, from: number, to: number, seed: number): number {
  let h = seed;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const FNV_SEED = 0x811c9dc5;

/** The digest of the records after `headerLines` lines of `bytes[0, length)`. */
export function procDigest(bytes: Buffer, length: number, headerLines = HEADER_LINES): ProcDigest {
  let i = 0;
  for (let skip = 0; skip < headerLines && i < length; skip++) {
    const nl = bytes.indexOf(NL, i);
    i = nl < 0 ? length : nl + 1;
  }
  let service = FNV_SEED;
  let records = 0;
  let a = 0;
  let b = 0;
  while (i < length) {
    let end = bytes.indexOf(NL, i);
    if (end < 0 || end > length) end = length;
    let h: number;
    if (bytes[i + 2] === 45 && bytes[i + 3] === 62 && bytes[i] === SP) {
      const [from, to] = SERVER_COLUMNS;
      // shorter than the columns: not a line the kernel prints for an IPv4 server; hash what is there
      h = end - i >= to ? hashBytes(bytes, i + from, i + to, Math.imul(service ^ 124, 0x01000193)) : hashWords(bytes, i, end, 0);
    } else {
      service = hashWords(bytes, i, end, FNV_SEED);
      h = service;
    }
    records++;
    a = (a + fmix(h)) >>> 0;
    b = (b + fmix(h ^ 0x9e3779b9)) >>> 0;
    i = end + 1;
  }
  return { records, a, b };
}

/**
 * The digest `procDigest` gives for exactly the table of `keys` (expectedProcKeys order: each
 * service, then its servers), from the lines the kernel would print for it.
 */
export function expectedDigest(keys: readonly string[]): ProcDigest {
  const text = keys.map((k) => {
    const bar = k.indexOf('|');
    if (bar < 0) return `${k}\n`;
    const [target, method, weight] = k.slice(bar + 1).split(' ') as [string, string, string];
    return `  -> ${target}      ${method.padEnd(7)} ${weight.padEnd(6)} 0          0         \n`;
  }).join('');
  const bytes = Buffer.from(text, 'latin1');
  return procDigest(bytes, bytes.length, 0);
}

export function sameDigest(x: ProcDigest, y: ProcDigest): boolean {
  return x.records === y.records && x.a === y.a && x.b === y.b;
}
