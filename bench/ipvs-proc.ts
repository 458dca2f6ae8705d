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
 * check. Every record (a service line, or a real-server line together with its service) is hashed
 * over the same tokens as its key above, whitespace runs counting as one space and the connection
 * counters left out, and the hashes are summed twice with different mixes. Under TCG, splitting a
 * 50,000-line table into strings took seconds per read; this is one pass over the bytes. A digest
 * equal to the expected one is confirmed by procTableMatches.
 */
export interface ProcDigest {
  readonly records: number;
  readonly a: number;
  readonly b: number;
}

const NL = 10;
const SP = 32;

/** FNV-1a over the whitespace-separated tokens in [from, to), `max` of them at most; returns [hash, end]. */
function hashTokens(bytes: Uint8Array, from: number, to: number, max: number, seed: number): number {
  let h = seed;
  let i = from;
  let tokens = 0;
  while (i < to && tokens < max) {
    while (i < to && bytes[i] === SP) i++;
    if (i >= to) break;
    if (tokens > 0) h = Math.imul(h ^ SP, 0x01000193);
    while (i < to && bytes[i] !== SP) h = Math.imul(h ^ bytes[i++]!, 0x01000193);
    tokens++;
  }
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
export function procDigest(bytes: Uint8Array, length: number, headerLines = HEADER_LINES): ProcDigest {
  let i = 0;
  for (let skip = 0; skip < headerLines && i < length; skip++) {
    while (i < length && bytes[i] !== NL) i++;
    i++;
  }
  let service = FNV_SEED;
  let records = 0;
  let a = 0;
  let b = 0;
  while (i < length) {
    let end = i;
    while (end < length && bytes[end] !== NL) end++;
    let h: number;
    if (bytes[i] === SP && bytes[i + 2] === 45 && bytes[i + 3] === 62) {
      // "  -> address:port forward weight active inactive": the first three after the arrow
      h = hashTokens(bytes, i + 4, end, 3, Math.imul(service ^ 124, 0x01000193));
    } else {
      service = hashTokens(bytes, i, end, 64, FNV_SEED);
      h = service;
    }
    records++;
    a = (a + fmix(h)) >>> 0;
    b = (b + fmix(h ^ 0x9e3779b9)) >>> 0;
    i = end + 1;
  }
  return { records, a, b };
}

/** The digest `procDigest` gives for exactly the table of `keys` (expectedProcKeys order: each service, then its servers). */
export function expectedDigest(keys: readonly string[]): ProcDigest {
  const text = keys.map((k) => {
    const bar = k.indexOf('|');
    return bar < 0 ? `${k}\n` : `  -> ${k.slice(bar + 1)}\n`;
  }).join('');
  const bytes = Buffer.from(text, 'latin1');
  return procDigest(bytes, bytes.length, 0);
}

export function sameDigest(x: ProcDigest, y: ProcDigest): boolean {
  return x.records === y.records && x.a === y.a && x.b === y.b;
}
