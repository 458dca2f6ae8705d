import type { Diagnostic } from '../diagnostics.js';
import { planDrains, type ActiveConnections, type DrainEvent } from '../drain/plan-drains.js';
import type { DrainRecord } from '../plan/annotations.js';
import { applyHealth, targetId, type HealthOverlay } from '../health/overlay.js';
import type { HealthState } from '../health/types.js';
import { DEFAULT_DRAIN_TIMEOUT_MS, type DesiredState, type Table } from '../model/types.js';
import { createPlan, type PlanOptions } from '../plan/plan.js';
import { operationTargetKey, revisePlan, type Operation, type Plan } from '../plan/types.js';

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

/** Deletes or drains in progress: only then do connection counts matter (no extra read in the steady state). */
export function needsDrainInput(base: PassPlan, records: ReadonlyMap<string, DrainRecord>): boolean {
  return records.size > 0 || base.plan.operations.some((op) => op.kind === 'delete-server' || op.kind === 'delete-service');
}

/** The second half: the plan of planTable with its deletes turned into drain steps. */
export function withDrains(base: PassPlan, desired: DesiredState, live: Table, d: NonNullable<PassPlanInput['drains']>): PassPlan {
  const policies = desired.policies;
  const drained = planDrains({
    plan: base.plan,
    live,
    drains: d.records,
    active: d.active,
    now: d.now,
    drainTimeoutMs: (key) => policies?.get(key)?.drainTimeoutMs ?? d.lastTimeouts[key] ?? DEFAULT_DRAIN_TIMEOUT_MS,
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
