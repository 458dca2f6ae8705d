/**
 * VRRP readiness (issue 16): which services decide each VRRP instance, and how lvsync watch tells
 * keepalived that this director should not hold the instance's VIPs. keepalived reads a track file
 * per instance (a top-level `track_file` block) and adds the number in it to the instance's priority; lvsync
 * writes 0 when the instance is ready and a negative weight when it is not.
 */

export interface VrrpInstanceSpec {
  /** the instance's name, as keepalived knows it (vrrp_instance NAME) */
  readonly name: string;
  /** keys of the services that decide it (named, or on one of its `addresses`); null: every service of this director */
  readonly services: readonly string[] | null;
  readonly trackFile: string;
  /** written when not ready: -1..-254 */
  readonly weight: number;
  /** each service needs at least this many healthy real servers; 0: health does not matter */
  readonly minHealthy: number;
}

export interface VrrpSpec {
  /** SIGTERM: how long every instance is reported not ready before lvsync exits */
  readonly graceMs: number;
  /** keepalived's notify_fifo, read for its state transitions; null: not read */
  readonly notifyFifo: string | null;
  readonly instances: readonly VrrpInstanceSpec[];
}

export const VRRP_DEFAULTS = { graceMs: 5000, weight: -100, minHealthy: 1, trackDir: '/run/lvsync/vrrp' } as const;

export function defaultTrackFile(instance: string): string {
  return `${VRRP_DEFAULTS.trackDir}/${instance}.track`;
}

/** keepalived's instance states, as its notify_fifo names them. */
export const VRRP_STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP'] as const;
export type VrrpState = (typeof VRRP_STATES)[number];
