import type { HealthCheckSpec } from '../model/health-check.js';
import type { Family, Protocol } from '../model/types.js';

/**
 * Health checks of real servers (issue 5): the resolved check of one real server, what a probe
 * reports, and the state a monitor keeps per server. Health is a layer over the declared weights
 * (src/health/overlay.ts); nothing here knows about ipvsadm.
 */

export type { HealthCheckSpec, HealthCheckType, OnFailure } from '../model/health-check.js';

/** What is probed: one real server of one virtual service. */
export interface ProbeTarget {
  /** `${serviceKey}#${serverKey}`: the same id as operationTargetKey of its server operations */
  readonly id: string;
  readonly address: string;
  readonly family: Family;
  /** the port to connect to (HealthCheckSpec.port) */
  readonly port: number;
  /** the real server's port in the table (exec gets it as LVSYNC_RS_PORT) */
  readonly serverPort: number;
  /** for people and for exec's environment: "tcp 10.0.0.1:80", "fwmark 7" */
  readonly service: string;
  readonly serviceName: string | null;
  readonly protocol: Protocol | null;
  readonly vip: string | null;
  readonly vport: number | null;
}

export interface ProbeResult {
  readonly ok: boolean;
  /** why, for logs and plans: "HTTP 200", "connect ECONNREFUSED", "timed out after 2000 ms", "exit 1: …" */
  readonly detail: string;
  readonly durationMs: number;
}

/** Runs one check once. Must settle within check.timeoutMs (the monitor also enforces it) and honour the signal. */
export type Probe = (check: HealthCheckSpec, target: ProbeTarget, signal: AbortSignal) => Promise<ProbeResult>;

/**
 * unknown: not decided yet. It counts as up (declared weight), as keepalived does by default, so a
 * daemon start never takes servers out before they have been checked.
 */
export type HealthStatus = 'unknown' | 'up' | 'down';

export interface HealthState {
  readonly id: string;
  readonly status: HealthStatus;
  /** when the current status began (ms since the epoch); null while unknown */
  readonly since: number | null;
  readonly consecutiveOk: number;
  readonly consecutiveFail: number;
  readonly lastResult: ProbeResult | null;
  readonly lastCheckAt: number | null;
}

/** What is checked: one target with its check. */
export interface HealthTarget {
  readonly target: ProbeTarget;
  readonly check: HealthCheckSpec;
}

export interface HealthTransition {
  readonly id: string;
  readonly from: HealthStatus;
  readonly to: HealthStatus;
  readonly state: HealthState;
  readonly target: ProbeTarget;
}
