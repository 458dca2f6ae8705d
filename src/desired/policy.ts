import type { HealthCheckSpec } from '../model/health-check.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, type RealServer, type ServicePolicy, type VirtualService } from '../model/types.js';
import { parseDuration } from '../watch/duration.js';
import { storedServerPort, toServer, toServerKey } from './normalize.js';
import type { WrittenDuration, WrittenHealthCheck, WrittenServer, WrittenService } from './written.js';

/**
 * Written health checks, fallback server and drain timeout → the ServicePolicy of one service
 * (issue 5). A real server's `healthCheck` overrides fields of the service's block, so a service
 * declares one check and a server changes only its port or path; `false` opts a server out.
 */

export const HEALTH_DEFAULTS = {
  type: 'tcp',
  path: '/',
  intervalMs: 5000,
  timeoutMs: 2000,
  rise: 2,
  fall: 3,
  onFailure: 'quiesce',
} as const;

/** "5s" / 5 / "500ms" → ms; the schema has already checked the form, so null never reaches the model. */
export function durationMs(value: WrittenDuration | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return Math.round(value * 1000);
  return parseDuration(value) ?? fallback;
}

/** The service block with the server's override on top; null when the server is not checked. */
export function mergedCheck(svc: WrittenService, server: WrittenServer): WrittenHealthCheck | null {
  if (server.healthCheck === false) return null;
  if (!svc.healthCheck && !server.healthCheck) return null;
  return { ...svc.healthCheck, ...server.healthCheck };
}

/** The port a check connects to: its own, else the server's stored port (0 for portless fwmark servers, which a rule refuses). */
export function checkPort(svc: WrittenService, server: WrittenServer, check: WrittenHealthCheck): number {
  return check.port ?? storedServerPort(svc, server);
}

export function toCheckSpec(svc: WrittenService, server: WrittenServer, check: WrittenHealthCheck): HealthCheckSpec {
  const status = check.expectStatus;
  const command = check.command;
  return {
    type: check.type ?? HEALTH_DEFAULTS.type,
    port: checkPort(svc, server, check),
    path: check.path ?? HEALTH_DEFAULTS.path,
    expectStatus: status === undefined ? [] : typeof status === 'number' ? [status] : [...status],
    expectBody: check.expectBody ?? null,
    host: check.host ?? null,
    // a string is a shell line, the way health-check scripts are written today
    command: command === undefined ? [] : typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command],
    intervalMs: durationMs(check.interval, HEALTH_DEFAULTS.intervalMs),
    timeoutMs: durationMs(check.timeout, HEALTH_DEFAULTS.timeoutMs),
    rise: check.rise ?? HEALTH_DEFAULTS.rise,
    fall: check.fall ?? HEALTH_DEFAULTS.fall,
    onFailure: check.onFailure ?? HEALTH_DEFAULTS.onFailure,
  };
}

export function toFallback(svc: WrittenService): RealServer | null {
  if (!svc.fallback) return null;
  return toServer(svc, { ...svc.fallback, weight: svc.fallback.weight ?? 1 });
}

/** A policy that changes nothing: no checks, no fallback, the default drain. */
export const DEFAULT_POLICY: ServicePolicy = { drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS, checks: new Map(), fallback: null };

export function toPolicy(svc: WrittenService, service: VirtualService): ServicePolicy {
  // most services declare none of it: share one object instead of a Map per service (50k-service tables)
  const metrics = svc.metrics?.servers === undefined ? {} : { metricsServers: svc.metrics.servers };
  if (!svc.healthCheck && !svc.fallback && svc.drainTimeout === undefined && !(svc.realServers ?? []).some((s) => s.healthCheck)) {
    return svc.metrics?.servers === undefined ? DEFAULT_POLICY : { ...DEFAULT_POLICY, ...metrics };
  }
  const checks = new Map<string, HealthCheckSpec>();
  for (const server of svc.realServers ?? []) {
    const check = mergedCheck(svc, server);
    const key = toServerKey(svc, server);
    if (check && key && service.servers.has(key) && !checks.has(key)) checks.set(key, toCheckSpec(svc, server, check));
  }
  return { drainTimeoutMs: durationMs(svc.drainTimeout, DEFAULT_DRAIN_TIMEOUT_MS), checks, fallback: toFallback(svc), ...metrics };
}
