/**
 * ipvsadm 1.31's argument readers: parse_service (VIP/RIP with inet_aton, IPv6 brackets, names
 * and /etc/services ports), string_to_number (strtol, so "+80" and " 80" pass), parse_fwmark,
 * parse_netmask and parse_sched_flags, each with the exact failure ipvsadm reports.
 */
import { inetAton, inetPton6, v4, v6 } from './addr.js';
import type { Af, RawAddr } from './addr.js';
import { serviceToPort } from '../../src/live/etc-services.js';
import { IP_VS_SVC_F_SCHED1, IP_VS_SVC_F_SCHED2, IP_VS_SVC_F_SCHED3 } from './kernel.js';
import type { FakeKernel, Protocol } from './kernel.js';

/** Thrown by fail()/exit() inside the emulation; carries the process exit status. */
export class IpvsadmExit {
  constructor(readonly code: number) {}
}

export const INT_MAX = 2147483647;
export const MAX_TIMEOUT = 86400 * 31;

/** The service half of ipvsadm's command entry (ipvs_service_t). af null = never set (0). */
export interface SvcEntry {
  af: Af | null;
  protocol: Protocol | null;
  addr: RawAddr;
  port: number;
  fwmark: number;
  schedName: string;
  peName: string;
  flags: number;
  timeout: number;
  netmask: number;
}

export const SERVICE_ADDR = 1;
export const SERVICE_PORT = 2;

/** glibc strtol(s, &end, 10) + "whole string consumed" + range check; -1 on failure, like string_to_number. */
export function stringToNumber(s: string, min: number, max: number): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(s);
  if (!m) return -1;
  const digits = m[2]!.replace(/^0+(?=\d)/, '');
  if (digits.length > 19) return -1; // ERANGE for a 64-bit long
  const big = BigInt(digits) * (m[1] === '-' ? -1n : 1n);
  if (big > 9223372036854775807n || big < -9223372036854775808n) return -1;
  if (big < BigInt(min) || big > BigInt(max)) return -1;
  return Number(big);
}

/** atoi: leading whitespace, sign, digits; anything else stops it; no digits gives 0. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  let v = BigInt(m[1]!);
  if (v > 9223372036854775807n) v = 9223372036854775807n;
  if (v < -9223372036854775808n) v = -9223372036854775808n;
  return Number(BigInt.asIntN(32, v));
}

/** parse_fwmark: strtol into an unsigned long, so negatives wrap and fail the UINT_MAX check. */
export function parseFwmark(s: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(s);
  if (!m) return undefined;
  const big = BigInt(m[2]!) * (m[1] === '-' ? -1n : 1n);
  if (big > 9223372036854775807n || big < -9223372036854775808n) return undefined;
  if (big <= 0n || big > 4294967295n) return undefined;
  return Number(big);
}

/** gethostbyname() through the fake's hosts table (IPv4 answers only, like host_to_addr). */
export function hostToAddr(kernel: FakeKernel, name: string): number | undefined {
  const entry = kernel.state.hosts.find((h) => h.names.includes(name) && !h.addr.includes(':'));
  return entry ? inetAton(entry.addr) : undefined;
}

function strIsDigit(s: string): boolean {
  return /^\d*$/.test(s);
}

/** parse_service: fills addr/af/port of `svc` (a copy for -r) and returns SERVICE_* bits, 0 on failure. */
export function parseService(kernel: FakeKernel, buf: string, svc: SvcEntry): number {
  if (strIsDigit(buf)) return 0;
  let text = buf;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']', 1);
    if (close < 0) return 0;
    if (text[close + 1] !== ':') return 0;
    portText = text.slice(close + 2);
    text = text.slice(1, close);
  }
  const six = inetPton6(text);
  if (six) {
    svc.addr = v6(six);
    svc.af = 'inet6';
    svc.netmask = 128;
  } else {
    const colon = text.lastIndexOf(':');
    // the bracket form's port is dropped here: strrchr() finds no ':' left in "[a.b.c.d]"
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
    const host = colon >= 0 ? text.slice(0, colon) : text;
    const ip = inetAton(host) ?? hostToAddr(kernel, host);
    if (ip === undefined) return 0;
    svc.addr = v4(ip);
    svc.af = 'inet';
  }
  let result = SERVICE_ADDR;
  if (portText !== undefined) {
    result |= SERVICE_PORT;
    let port = stringToNumber(portText, 0, 65535);
    if (port === -1) port = (svc.protocol ? serviceToPort(portText, svc.protocol) : undefined) ?? -1;
    if (port === -1) return 0;
    svc.port = port;
  }
  return result;
}

/** parse_netmask for IPv4 services: inet_aton, else a host name. Host-order u32 or undefined. */
export function parseNetmask(kernel: FakeKernel, buf: string): number | undefined {
  return inetAton(buf) ?? hostToAddr(kernel, buf);
}

/** parse_sched_flags: the compatibility check uses the -s of the same command line (default wlc). */
export function parseSchedFlags(sched: string, arg: string, fail: (msg: string) => never): number {
  const s = sched || 'wlc';
  const tokens = arg.split(',').filter((t) => t.length > 0);
  // strtok() returning NULL on the first call makes ipvsadm dereference NULL
  if (tokens.length === 0) throw new IpvsadmExit(139);
  let flags = 0;
  for (const flag of tokens) {
    if (flag === 'flag-1') flags |= IP_VS_SVC_F_SCHED1;
    else if (flag === 'flag-2') flags |= IP_VS_SVC_F_SCHED2;
    else if (flag === 'flag-3') flags |= IP_VS_SVC_F_SCHED3;
    else if (flag === 'sh-fallback' || flag === 'mh-fallback' || flag === 'sh-port' || flag === 'mh-port') {
      flags |= flag.endsWith('fallback') ? IP_VS_SVC_F_SCHED1 : IP_VS_SVC_F_SCHED2;
      if (s !== flag.slice(0, 2)) fail(`incompatible scheduler flag \`${flag}'`);
    } else fail(`invalid scheduler flag \`${flag}'`);
  }
  return flags;
}
