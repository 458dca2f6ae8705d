import type { ForwardMethod, Protocol, ServiceTarget, TunnelChecksum } from '../model/types.js';
import { hostPort } from '../model/keys.js';

/**
 * The one bidirectional table of ipvsadm's switches. The `-S` parser and the command renderer
 * both use it, so the grammar lvsync reads is the grammar it writes.
 */

export const PROTOCOL_SWITCH: Record<Protocol, string> = { tcp: '-t', udp: '-u', sctp: '--sctp-service' };
export const SWITCH_PROTOCOL: Record<string, Protocol> = {
  '-t': 'tcp', '--tcp-service': 'tcp',
  '-u': 'udp', '--udp-service': 'udp',
  '--sctp-service': 'sctp',
};

export const METHOD_SWITCH: Record<ForwardMethod, string> = { nat: '-m', dr: '-g', tun: '-i' };
export const SWITCH_METHOD: Record<string, ForwardMethod> = {
  '-m': 'nat', '--masquerading': 'nat',
  '-g': 'dr', '--gatewaying': 'dr',
  '-i': 'tun', '--ipip': 'tun',
};

export const CHECKSUM_SWITCH: Record<TunnelChecksum, string> = {
  nocsum: '--tun-nocsum', csum: '--tun-csum', remcsum: '--tun-remcsum',
};
export const SWITCH_CHECKSUM: Record<string, TunnelChecksum> = {
  '--tun-nocsum': 'nocsum', '--tun-csum': 'csum', '--tun-remcsum': 'remcsum',
};

/** The service part of every -A/-E/-D/-a/-e/-d line. It must come first on the line: `-t [v6]` and `-6` reset `-M` (facts §3.1). */
export function serviceSpecArgs(target: ServiceTarget): string[] {
  if (target.kind === 'fwmark') {
    return target.family === 'ipv6' ? ['-f', String(target.mark), '-6'] : ['-f', String(target.mark)];
  }
  return [PROTOCOL_SWITCH[target.protocol], hostPort(target.address, target.port)];
}

/** Split "10.0.0.1:80" / "[2001:db8::1]:80" into address text and port; null when malformed. */
export function splitHostPort(text: string): { address: string; port: number } | null {
  let address: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close < 0) return null;
    address = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return null;
    address = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  return port > 65535 ? null : { address, port };
}
