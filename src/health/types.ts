import type { Family, Protocol } from '../model/types.js';

/**
 * Health checks of real servers (issue 5): the resolved check of one real server, what a probe
 * reports, and the state a monitor keeps per server. Health is a layer over the declared weights
 * (src/health/overlay.ts); nothing here knows about ipvsadm.
 */

export type HealthCheckType = 'tcp' | 'http' | 'https' | 'exec';
export type OnFailure = 'quiesce' | 'remove';

/** One real server's check with every default applied (service block, then the server's override). */
export interface HealthCheckSpec {
  readonly type: HealthCheckType;
  /** the port probed; defaults to the real server's port (the VIP port for DR/TUN) */
  readonly port: number;
  /** http/https: request path, e.g. "/healthz" */
  readonly path: string;
  /** http/https: accepted status codes; empty = any 2xx or 3xx */
  readonly expectStatus: readonly number[];
  /** http/https: a substring the response body must contain; null = not checked */
  readonly expectBody: string | null;
  /** http/https: the Host header and TLS server name; null = the real server's address */
  readonly host: string | null;
  /** exec: argv (no shell); the real server is in the environment (see ProbeTarget) */
  readonly command: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** consecutive successes that bring a down server back */
  readonly rise: number;
  /** consecutive failures that take an up server out */
  readonly fall: number;
  readonly onFailure: OnFailure;
}

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
