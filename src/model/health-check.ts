/**
 * A real server's health check as the desired state declares it, with every default applied. It is
 * part of the model (ServicePolicy carries it), so it lives on the ground floor; src/health/ runs it.
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
