import { describeTarget, hostPort } from '../model/keys.js';
import type { DesiredState, RealServer, ServicePolicy, VirtualService } from '../model/types.js';
import { serverTargetKey } from '../plan/types.js';
import type { HealthAdjustment } from '../plan/annotations.js';
import type { HealthState } from './types.js';

/**
 * Health as a layer over the declared weights (issue 5), pure: the desired state and the health of
 * each checked real server in, the table to converge to out, with a reason for every difference.
 *
 * - up or unknown: the declared weight (unknown counts as up, so a daemon start never takes servers out);
 * - down: weight 0 (`onFailure: quiesce`: existing connections finish) or left out (`remove`);
 * - a server the config sets to weight 0 stays at 0 whatever its health;
 * - every server that carries weight is checked and down: with a `fallback` the failed servers are
 *   handled as above and the sorry server is added; without one the service fails open (every server
 *   keeps its declared weight), because sending traffic to maybe-broken servers beats sending it nowhere.
 */

export interface FailOpen {
  readonly service: string;
  readonly what: string;
  readonly servers: number;
}

export interface HealthOverlay {
  readonly desired: DesiredState;
  readonly adjustments: readonly HealthAdjustment[];
  /** services whose every weighted server is down and that have no fallback: kept at declared weights */
  readonly failOpen: readonly FailOpen[];
  /** target ids (`service#server`) left out because of `onFailure: remove`: deleted at once, never drained */
  readonly removed: ReadonlySet<string>;
}

/** The id of a checked real server: the same key its operations have (plan/types.ts). */
export const targetId = serverTargetKey;

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function downReason(state: HealthState | undefined): string {
  if (!state) return 'health: down';
  const since = state.since === null ? '' : ` since ${iso(state.since)}`;
  const detail = state.lastResult ? ` (${state.lastResult.detail})` : '';
  return `health: down${since}${detail}`;
}

function describeServer(service: VirtualService, server: RealServer): string {
  return `${hostPort(server.address, server.port)} of ${describeTarget(service.target)}`;
}

function overlayService(service: VirtualService, policy: ServicePolicy, health: ReadonlyMap<string, HealthState>, out: {
  adjustments: HealthAdjustment[]; failOpen: FailOpen[]; removed: Set<string>;
}): VirtualService {
  const down = new Set<string>();
  for (const key of policy.checks.keys()) {
    if (health.get(targetId(service.key, key))?.status === 'down') down.add(key);
  }
  if (down.size === 0) return service;
  const weighted = [...service.servers.values()].filter((s) => s.weight > 0);
  const allDown = weighted.length > 0 && weighted.every((s) => down.has(s.key));
  if (allDown && !policy.fallback) {
    out.failOpen.push({ service: service.key, what: describeTarget(service.target), servers: weighted.length });
    return service;
  }
  const servers = new Map<string, RealServer>();
  for (const server of service.servers.values()) {
    const id = targetId(service.key, server.key);
    if (!down.has(server.key) || server.weight === 0) { servers.set(server.key, server); continue; }
    const check = policy.checks.get(server.key)!;
    const reason = downReason(health.get(id));
    if (check.onFailure === 'remove') {
      out.removed.add(id);
      out.adjustments.push({ service: service.key, server: server.key, what: describeServer(service, server), declaredWeight: server.weight, effectiveWeight: null, kind: 'removed', reason });
      continue;
    }
    servers.set(server.key, { ...server, weight: 0 });
    out.adjustments.push({ service: service.key, server: server.key, what: describeServer(service, server), declaredWeight: server.weight, effectiveWeight: 0, kind: 'quiesced', reason });
  }
  if (allDown && policy.fallback && !servers.has(policy.fallback.key)) {
    const fb = policy.fallback;
    servers.set(fb.key, fb);
    out.adjustments.push({ service: service.key, server: fb.key, what: describeServer(service, fb), declaredWeight: fb.weight, effectiveWeight: fb.weight, kind: 'fallback', reason: `fallback: all ${weighted.length} real servers are down` });
  }
  return { ...service, servers };
}

export function applyHealth(desired: DesiredState, health: ReadonlyMap<string, HealthState>): HealthOverlay {
  const out = { adjustments: [] as HealthAdjustment[], failOpen: [] as FailOpen[], removed: new Set<string>() };
  const policies = desired.policies;
  if (!policies || health.size === 0) return { desired, ...out };
  let changed = false;
  const services = new Map<string, VirtualService>();
  for (const service of desired.table.services.values()) {
    const policy = policies.get(service.key);
    const next = policy && policy.checks.size > 0 ? overlayService(service, policy, health, out) : service;
    if (next !== service) changed = true;
    services.set(service.key, next);
  }
  if (!changed) return { desired, ...out };
  return { desired: { ...desired, table: { ...desired.table, services } }, ...out };
}
