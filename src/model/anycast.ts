/**
 * Active-active directors behind BGP ECMP (issue 17): the VIPs this director announces while it
 * should receive their traffic. lvsync does not speak BGP: `lvsync watch` decides each VIP's
 * readiness and writes it with the route's attributes to a state file, and `lvsync exabgp`, which
 * ExaBGP runs as a process, turns that file into `announce route` / `withdraw route` lines.
 */

export interface AnycastRoute {
  /** 'self' or an IP address */
  readonly nextHop: string;
  readonly med: number | null;
  readonly communities: readonly string[];
}

export interface AnycastVip extends AnycastRoute {
  /** canonical address */
  readonly address: string;
  /** `10.70.0.10/32`, `2001:db8::10/128`: what is announced */
  readonly prefix: string;
  /** keys of the address services on this VIP, which decide it */
  readonly services: readonly string[];
  readonly minHealthy: number;
}

export interface AnycastSpec {
  /** SIGTERM: withdraw, then wait for the traffic to stop, at most this long */
  readonly graceMs: number;
  readonly stateFile: string;
  readonly vips: readonly AnycastVip[];
}

export const ANYCAST_DEFAULTS = { graceMs: 30_000, stateFile: '/run/lvsync/anycast.json', minHealthy: 1, nextHop: 'self' } as const;
