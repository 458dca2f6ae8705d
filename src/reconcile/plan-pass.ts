import type { Diagnostic } from '../diagnostics.js';
import { planDrains, type ActiveConnections, type DrainEvent } from '../drain/plan-drains.js';
import type { DrainRecord } from '../plan/annotations.js';
import { applyHealth, targetId, type HealthOverlay } from '../health/overlay.js';
import type { HealthState } from '../health/types.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, type DesiredState, type Table } from '../model/types.js';
import { createPlan, type PlanOptions } from '../plan/plan.js';
import { operationTargetKey, revisePlan, serverTargetKey, type Operation, type Plan } from '../plan/types.js';

/**
 * The whole planning step of a pass, pure: health overlay → minimal plan → drains. `plan`, `apply`,
 * apply's verification and `watch` all plan through here, so what a dry run shows is what a pass
 * does, and a held delete is never mistaken for one that failed.
 */

export interface PassPlanInput {
  readonly desired: DesiredState;
  readonly live: Table;
  readonly planOptions: PlanOptions;
  /** health of checked real servers; absent: health is not considered (the config's weights) */
  readonly health?: ReadonlyMap<string, HealthState> | undefined;
  /** drains in progress and connection counts; absent: deletes are planned as they are (no kernel to ask) */
  readonly drains?: {
    readonly records: ReadonlyMap<string, DrainRecord>;
    readonly active: ActiveConnections;
    readonly now: number;
    /** drain timeouts of services no longer declared, as they last were */
    readonly lastTimeouts: Readonly<Record<string, number>>;
    readonly noDrain: boolean;
  } | undefined;
}

export interface PassPlan {
  readonly plan: Plan;
  readonly overlay: HealthOverlay;
  /** the drains to keep after this plan (unchanged input when drains were not considered) */
  readonly drains: ReadonlyMap<string, DrainRecord>;
  readonly drainEvents: readonly DrainEvent[];
}

// a weight that differs from the config because of health says so, instead of "attributes differ"
function annotate(ops: readonly Operation[], overlay: HealthOverlay): Operation[] {
  if (overlay.adjustments.length === 0) return [...ops];
  const reasons = new Map(overlay.adjustments.map((a) => [targetId(a.service, a.server), `${a.reason}; declared weight ${a.declaredWeight}`]));
  return ops.map((op) => {
    const reason = reasons.get(operationTargetKey(op));
    return reason ? { ...op, reason } : op;
  });
}

function failOpenWarnings(overlay: HealthOverlay): Diagnostic[] {
  return overlay.failOpen.map((f) => ({
    severity: 'warning' as const, code: 'HEALTH_FAIL_OPEN' as const,
    message: `all ${f.servers} real servers of ${f.what} failed their health checks: failing open (every server keeps its declared weight, since sending traffic nowhere is worse); declare \`fallback\` for a sorry server`,
  }));
}

/** The health overlay and the minimal plan, without drains: the first half of planPass. */
export function planTable(input: Omit<PassPlanInput, 'drains'>): PassPlan {
  const overlay = applyHealth(input.desired, input.health ?? new Map());
  const raw = createPlan(overlay.desired, input.live, {
    ...input.planOptions,
    warnings: [...(input.planOptions.warnings ?? []), ...failOpenWarnings(overlay)],
  });
  const plan = revisePlan(raw, {
    operations: annotate(raw.operations, overlay),
    ...(input.health ? { health: overlay.adjustments } : {}),
  });
  return { plan, overlay, drains: new Map(), drainEvents: [] };
}

/** A service's drain timeout: as declared, else as last declared (a service no longer declared), else the default. */
export function drainTimeoutOf(desired: DesiredState, lastTimeouts: Readonly<Record<string, number>>): (serviceKey: string) => number {
  const policies = desired.policies;
  return (key) => policies?.get(key)?.drainTimeoutMs ?? lastTimeouts[key] ?? DEFAULT_DRAIN_TIMEOUT_MS;
}

/**
 * A delete that a drain could hold: its service waits for connections (drainTimeout above 0) and
 * health did not remove the server (those go at once). Only these need connection counts.
 */
export function mayWait(op: Operation, overlay: HealthOverlay, timeoutMs: (serviceKey: string) => number): boolean {
  if (op.kind !== 'delete-server' && op.kind !== 'delete-service') return false;
  if (timeoutMs(op.service.key) <= 0) return false;
  return !overlay.removed.has(op.kind === 'delete-server' ? serverTargetKey(op.service.key, op.server.key) : op.service.key);
}

/**
 * Drains in progress, or deletes that may wait for connections: only then are connection counts read
 * (no extra read in the steady state, nor for deletes that go at once: `drainTimeout: 0s`, --no-drain,
 * or health's removals).
 */
export function needsDrainInput(base: PassPlan, records: ReadonlyMap<string, DrainRecord>, timeoutMs: (serviceKey: string) => number, noDrain = false): boolean {
  if (records.size > 0) return true;
  return !noDrain && base.plan.operations.some((op) => mayWait(op, base.overlay, timeoutMs));
}

/** The second half: the plan of planTable with its deletes turned into drain steps. */
export function withDrains(base: PassPlan, desired: DesiredState, live: Table, d: NonNullable<PassPlanInput['drains']>): PassPlan {
  const drained = planDrains({
    plan: base.plan,
    live,
    drains: d.records,
    active: d.active,
    now: d.now,
    drainTimeoutMs: drainTimeoutOf(desired, d.lastTimeouts),
    immediate: base.overlay.removed,
    noDrain: d.noDrain,
  });
  return { plan: drained.plan, overlay: base.overlay, drains: drained.drains, drainEvents: drained.events };
}

export function planPass(input: PassPlanInput): PassPlan {
  const base = planTable(input);
  return input.drains ? withDrains(base, input.desired, input.live, input.drains) : base;
}

/** The non-default drain timeouts of the declared services, to remember for when they are removed. */
export function declaredDrainTimeouts(desired: DesiredState, previous: Readonly<Record<string, number>>, live: Table): Record<string, number> {
  const out: Record<string, number> = {};
  // keep what was known of removed services that still exist: one of them may be draining now
  for (const [k, v] of Object.entries(previous)) if (!desired.table.services.has(k) && live.services.has(k)) out[k] = v;
  for (const [key, policy] of desired.policies ?? []) if (policy.drainTimeoutMs !== DEFAULT_DRAIN_TIMEOUT_MS) out[key] = policy.drainTimeoutMs;
  return out;
}
