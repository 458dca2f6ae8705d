import type { HealthState } from '../health/types.js';
import { targetId } from '../health/overlay.js';
import { describeTarget } from '../model/keys.js';
import type { DesiredState, VirtualService } from '../model/types.js';
import type { VrrpSpec } from '../model/vrrp.js';

/**
 * Whether this director should hold each VRRP instance's VIPs (issue 16), pure: what the daemon knows
 * in, a verdict per instance with every reason against out. An instance is ready when the config is
 * valid, the last pass succeeded, no drift is pending, and each of its services has at least
 * `minHealthy` healthy real servers. A director that cannot say (no pass yet, shutting down) is not
 * ready: the twin that can say should hold the VIP.
 */

/** What readiness is decided from: the daemon's status, reduced to what matters here. */
export interface ReadinessInput {
  /** null: not loaded yet */
  readonly configValid: boolean | null;
  /** the last pass, null before the first one finishes */
  readonly lastPass: { readonly ok: boolean; readonly outcome: string; readonly summary: string } | null;
  /** drift found and not corrected */
  readonly pendingDrift: number;
  /** the desired state in force */
  readonly desired: DesiredState | null;
  /** health of each checked real server, by target id (`service#server`) */
  readonly health: ReadonlyMap<string, { readonly state: Pick<HealthState, 'status'> }>;
  /** SIGTERM: reported not ready for the grace period, whatever else holds */
  readonly stopping: boolean;
}

export interface InstanceReadiness {
  readonly instance: string;
  readonly ready: boolean;
  /** what the track file holds: 0 when ready, the instance's weight when not */
  readonly value: number;
  /** why not, one sentence each; empty when ready */
  readonly reasons: readonly string[];
}

/** Healthy: carries weight and is not failing (or not yet through) its checks. Unchecked servers count as healthy. */
export function healthyServers(service: VirtualService, health: ReadinessInput['health']): { healthy: number; unknown: number } {
  let healthy = 0;
  let unknown = 0;
  for (const server of service.servers.values()) {
    if (server.weight <= 0) continue;
    const status = health.get(targetId(service.key, server.key))?.state.status ?? 'up';
    if (status === 'up') healthy++;
    else if (status === 'unknown') unknown++;
  }
  return { healthy, unknown };
}

function serviceLabel(service: VirtualService): string {
  return service.name ? `${service.name} (${describeTarget(service.target)})` : describeTarget(service.target);
}

// the reasons shared by every instance: the daemon itself is not in a state to hold a VIP
function daemonReasons(input: ReadinessInput): string[] {
  const reasons: string[] = [];
  if (input.stopping) reasons.push('lvsync watch is stopping (SIGTERM): handing the VIP over before it exits');
  if (input.configValid === false) reasons.push('the config is invalid');
  if (!input.lastPass) reasons.push('no pass has finished yet');
  else if (!input.lastPass.ok) reasons.push(`the last pass ${input.lastPass.outcome}: ${input.lastPass.summary}`);
  if (input.pendingDrift > 0) reasons.push(`${input.pendingDrift} difference${input.pendingDrift === 1 ? '' : 's'} from the kernel not corrected`);
  return reasons;
}

/** What decides one unit of readiness (a VRRP instance, an anycast VIP): its services and how many healthy servers each needs. */
export interface ReadinessGroup {
  readonly name: string;
  /** service keys; null: every service of this director */
  readonly services: readonly string[] | null;
  readonly minHealthy: number;
}

function serviceReasons(spec: ReadinessGroup, desired: DesiredState | null, health: ReadinessInput['health']): string[] {
  if (!desired || spec.minHealthy === 0) return [];
  const reasons: string[] = [];
  const keys = spec.services ?? [...desired.table.services.keys()];
  for (const key of keys) {
    const service = desired.table.services.get(key);
    // a named service that is not in the config in force (the new config is invalid) has nothing to count
    if (!service) continue;
    const { healthy, unknown } = healthyServers(service, health);
    if (healthy >= spec.minHealthy) continue;
    const pending = unknown ? ` (${unknown} not checked yet)` : '';
    reasons.push(`${serviceLabel(service)} has ${healthy} healthy real server${healthy === 1 ? '' : 's'}${pending}, fewer than minHealthy ${spec.minHealthy}`);
  }
  return reasons;
}

/** Each group's verdict: ready, or every reason against. */
export function groupReadiness(groups: readonly ReadinessGroup[], input: ReadinessInput): { name: string; ready: boolean; reasons: string[] }[] {
  const shared = daemonReasons(input);
  return groups.map((group) => {
    const reasons = [...shared, ...serviceReasons(group, input.desired, input.health)];
    return { name: group.name, ready: reasons.length === 0, reasons };
  });
}

export function vrrpReadiness(spec: VrrpSpec, input: ReadinessInput): InstanceReadiness[] {
  return groupReadiness(spec.instances, input).map((v, i) => ({
    instance: v.name, ready: v.ready, value: v.ready ? 0 : spec.instances[i]!.weight, reasons: v.reasons,
  }));
}
