import { parseAddress } from '../model/address.js';
import { addressServiceKey, serverKey, serviceKey } from '../model/keys.js';
import type { Protocol, ServiceTarget, Table } from '../model/types.js';
import type { ConnectionCount } from './parse-listing.js';

/**
 * The connection counts drains decide with, read from the kernel's own listing `/proc/net/ip_vs`
 * instead of `ipvsadm -L -n`.
 *
 * Why: at 2,300 × 16 in the emulated VM `ipvsadm -L -n` took 4–7 s (one netlink dump per service,
 * libnl's per-request set-up, then its own formatting), while a read of /proc/net/ip_vs, the same
 * counters (`dest->activeconns` / `inactconns`) printed by the kernel, took 0.13–0.35 s (issue 13).
 *
 * The file, as `ip_vs_info_seq_show` prints it (kernel 2.6.28 to 6.x), in hash order:
 *
 *     IP Virtual Server version 1.2.1 (size=4096)
 *     Prot LocalAddress:Port Scheduler Flags
 *       -> RemoteAddress:Port Forward Weight ActiveConn InActConn
 *     TCP  0A00000A:0050 wlc persistent 360 FFFFFFFF
 *       -> AC100002:1F90      Masq    1      3          0
 *     TCP  [2001:0db8:0000:0000:0000:0000:0000:0010]:0050 rr
 *       -> [2001:0db8:0000:0000:0000:0000:0000:0002]:1F90      Masq    1      0          0
 *     FWM  00000007 sh ops
 *
 * It is read only for counts: it leaves out half of a service's settings and prints the persistence
 * timeout in jiffies (facts §8). A fwmark line does not say its family, so a mark declared for both
 * families is told apart by its real servers, or not at all.
 *
 * The file is the table of the reader's network namespace, which may not be the table `ipvsadm` talks
 * to (`--ipvsadm` can be a wrapper into another namespace or host). So the counts are used only when
 * every asked-for service is in the file with exactly the real servers the live table lvsync read
 * through ipvsadm has; anything else returns null and the caller lists through ipvsadm.
 */
export function connectionCountsFromProc(text: string, live: Table, wanted: readonly ServiceTarget[]): Map<string, Map<string, ConnectionCount>> | null {
  if (!text.startsWith('IP Virtual Server version')) return null;
  const parsed = parseProcTable(text);
  if (!parsed) return null;
  const out = new Map<string, Map<string, ConnectionCount>>();
  for (const target of wanted) {
    const key = serviceKey(target);
    const svc = live.services.get(key);
    if (!svc) return null;
    const candidates = target.kind === 'fwmark' ? parsed.fwmarks.get(target.mark) ?? [] : [parsed.services.get(key)].filter((s) => s !== undefined);
    const matching = candidates.filter((servers) => sameServers(servers, svc.servers));
    // none: the tables differ (a change since the read, or another namespace); two: a mark of both families with the same servers
    if (matching.length !== 1) return null;
    out.set(key, matching[0]!);
  }
  return out;
}

function sameServers(proc: ReadonlyMap<string, ConnectionCount>, live: ReadonlyMap<string, unknown>): boolean {
  if (proc.size !== live.size) return false;
  for (const key of proc.keys()) if (!live.has(key)) return false;
  return true;
}

interface ProcTable {
  /** address services by serviceKey */
  readonly services: Map<string, Map<string, ConnectionCount>>;
  /** fwmark services by mark: one entry per family present */
  readonly fwmarks: Map<number, Map<string, ConnectionCount>[]>;
}

const PROTO: Record<string, Protocol> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };
const SERVER_PREFIX = '  -> ';

/**
 * Parses the whole file; null when a line is not what the kernel prints (the counts are then not
 * trusted at all). Written for speed: at 2,300 × 16 it reads 36,800 server rows between the plan and
 * the apply, in the VM 10–20× slower than on the host; rows are scanned in place, no string per line.
 */
export function parseProcTable(text: string): ProcTable | null {
  if (serverKeys.size > MAX_CACHED_KEYS) serverKeys.clear();
  const services = new Map<string, Map<string, ConnectionCount>>();
  const fwmarks = new Map<number, Map<string, ConnectionCount>[]>();
  let current: Map<string, ConnectionCount> | null = null;
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const start = pos;
    pos = end + 1;
    lineNo++;
    if (lineNo <= 3 || end === start) continue; // the version and the two header lines; blank lines
    if (text.startsWith(SERVER_PREFIX, start)) {
      if (!current || !readServerRow(text, start + SERVER_PREFIX.length, end, current, serverKeys)) return null;
      continue;
    }
    current = new Map();
    if (text.startsWith('FWM  ', start)) {
      const mark = parseHex(text, start + 5, start + 13);
      if (mark === null) return null;
      const list = fwmarks.get(mark);
      if (list) list.push(current);
      else fwmarks.set(mark, [current]);
      continue;
    }
    const key = parseServiceKey(text, start, end);
    // a protocol lvsync does not model (the kernel prints "ERR!" for one it cannot name): its rows are read and dropped
    if (key === undefined) continue;
    if (key === null) return null;
    services.set(key, current);
  }
  return { services, fwmarks };
}

/** "TCP  0A00000A:0050 wlc …" or "UDP  [v6 in full]:0035 rr …"; undefined for an unknown protocol, null for a malformed line */
function parseServiceKey(text: string, start: number, end: number): string | null | undefined {
  const sp = text.indexOf('  ', start);
  if (sp < 0 || sp >= end) return null;
  const protocol = PROTO[text.slice(start, sp)];
  if (!protocol) return undefined;
  const hp = scanHostPort(text, sp + 2, end);
  return hp && (hp.next === end || text.charCodeAt(hp.next) === SPACE) ? addressServiceKey(protocol, hp.address, hp.port) : null;
}

const SPACE = 32;

/** "AC100002:1F90      Masq    1      3          0         " from `at` to `end`, into `into`; false when malformed */
function readServerRow(text: string, at: number, end: number, into: Map<string, ConnectionCount>, keys: ServerKeyCache): boolean {
  let key: string;
  let i: number;
  if (text.charCodeAt(at) === 91) {
    const hp = scanHostPort(text, at, end);
    if (!hp) return false;
    key = serverKey(hp.address, hp.port);
    i = hp.next;
  } else {
    // IPv4, the common row: its key from the numbers, made once per address and port (keys.ts serverKey)
    const id = scanIpv4HostPort(text, at, end);
    if (id < 0) return false;
    let known = keys.get(id);
    if (known === undefined) {
      known = serverKey(ipv4Text(Math.floor(id / 65536)), id % 65536);
      keys.set(id, known);
    }
    key = known;
    i = at + 13;
  }
  // then blanks, the forwarding method, blanks, weight, active, inactive, trailing blanks
  if (text.charCodeAt(i) !== SPACE) return false;
  while (i < end && text.charCodeAt(i) === SPACE) i++;
  const word = i;
  while (i < end && text.charCodeAt(i) !== SPACE) i++;
  if (i === word) return false;
  let active = 0;
  let inactive = 0;
  for (let n = 0; n < 3; n++) {
    if (text.charCodeAt(i) !== SPACE) return false;
    while (i < end && text.charCodeAt(i) === SPACE) i++;
    const digits = i;
    let value = 0;
    while (i < end) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      value = value * 10 + c;
      i++;
    }
    if (i === digits || i - digits > 15) return false;
    if (n === 1) active = value;
    else if (n === 2) inactive = value;
  }
  while (i < end && text.charCodeAt(i) === SPACE) i++;
  if (i !== end) return false;
  into.set(key, { active, inactive });
  return true;
}

/**
 * Server keys by IPv4 address and port (ip × 65536 + port), kept between reads: a daemon reads the
 * same servers pass after pass, and making the key string was a third of a row's time. Emptied when
 * it outgrows MAX_CACHED_KEYS, so a table that keeps changing cannot grow it without bound.
 */
type ServerKeyCache = Map<number, string>;
const serverKeys: ServerKeyCache = new Map();
const MAX_CACHED_KEYS = 200_000;

function ipv4Text(ip: number): string {
  return `${OCTETS[ip >>> 24]!}.${OCTETS[(ip >>> 16) & 255]!}.${OCTETS[(ip >>> 8) & 255]!}.${OCTETS[ip & 255]!}`;
}

const OCTETS = Array.from({ length: 256 }, (_, i) => String(i));

/**
 * The address and port at `at`, in place: "0A00000A:0050" (IPv4 in host order, hex) or
 * "[2001:0db8:…]:0050" (%pI6: eight groups in full); `next` is where the text after them starts.
 */
function scanHostPort(text: string, at: number, end: number): { address: string; port: number; next: number } | null {
  if (text.charCodeAt(at) === 91) {
    const close = text.indexOf(']', at);
    if (close < 0 || close + 6 > end || text.charCodeAt(close + 1) !== 58) return null;
    const parsed = parseAddress(text.slice(at + 1, close));
    const port = parseHex(text, close + 2, close + 6);
    return parsed && parsed.family === 'ipv6' && port !== null ? { address: parsed.canonical, port, next: close + 6 } : null;
  }
  const id = scanIpv4HostPort(text, at, end);
  return id < 0 ? null : { address: ipv4Text(Math.floor(id / 65536)), port: id % 65536, next: at + 13 };
}

/** "0A00000A:0050" at `at` (13 characters) as ip × 65536 + port, a number and no object per row; -1 when malformed */
function scanIpv4HostPort(text: string, at: number, end: number): number {
  if (at + 13 > end || text.charCodeAt(at + 8) !== 58) return -1;
  const ip = parseHex(text, at, at + 8);
  const port = parseHex(text, at + 9, at + 13);
  return ip === null || port === null ? -1 : ip * 65536 + port;
}

function parseHex(text: string, from: number, to: number): number | null {
  if (to <= from || to > text.length) return null;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return null;
    n = n * 16 + d;
  }
  return n;
}
