import type { HealthCheckSpec, HealthTarget, ProbeResult, ProbeTarget } from '../../src/health/types.js';

/** A resolved check with test-friendly defaults; override what the test is about. */
export function spec(overrides: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return {
    type: 'tcp',
    port: 80,
    path: '/',
    expectStatus: [],
    expectBody: null,
    host: null,
    command: [],
    intervalMs: 1_000,
    timeoutMs: 500,
    rise: 2,
    fall: 3,
    onFailure: 'quiesce',
    ...overrides,
  };
}

/** A probe target on 127.0.0.1; `id` is free-form in tests. */
export function probeTarget(overrides: Partial<ProbeTarget> = {}): ProbeTarget {
  return {
    id: 'tcp|10.0.0.1|80#127.0.0.1|80',
    address: '127.0.0.1',
    family: 'ipv4',
    port: 80,
    serverPort: 80,
    service: 'tcp 10.0.0.1:80',
    serviceName: 'web',
    protocol: 'tcp',
    vip: '10.0.0.1',
    vport: 80,
    ...overrides,
  };
}

export function healthTarget(id: string, check: Partial<HealthCheckSpec> = {}): HealthTarget {
  return { target: probeTarget({ id }), check: spec(check) };
}

export const OK: ProbeResult = { ok: true, detail: 'connected', durationMs: 1 };
export const FAIL: ProbeResult = { ok: false, detail: 'connect ECONNREFUSED', durationMs: 1 };
