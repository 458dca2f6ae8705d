import { describeTarget, hostPort } from '../model/keys.js';
import type { Table, VirtualService } from '../model/types.js';
import { orderOperations } from '../plan/order.js';
import { summarize } from '../plan/plan.js';
import type { DrainRecord, DrainView } from '../plan/annotations.js';
import { operationTargetKey, revisePlan, serverTargetKey, type Operation, type Plan } from '../plan/types.js';

/**
 * Graceful draining (issue 5), pure. Deleting a real server with live connections blackholes them
 * (facts §5: `-d` drops their packets), so a delete of a server, or of a whole service, that still
 * has active connections becomes: weight 0 now (quiesce: no new connections, existing ones carry on),
 * then the delete in a later pass once its ActiveConn reached 0 or its drain timeout ran out.
 *
 * The drains in progress are state (the caller keeps them in the state directory, so they survive a
 * restart); this function takes them and the connection counts and returns the plan to run now and
 * the drains to keep. It is also what apply's verification re-plans with, so a held delete is not
 * reported as "did not take effect".
 */

export type DrainEventKind = 'started' | 'drained' | 'timed-out' | 'cancelled';

export interface DrainEvent {
  readonly kind: DrainEventKind;
  readonly record: DrainRecord;
  readonly activeConnections: number;
}

/** Targets whose operations in this plan are drain steps (quiesce at the start, the final delete). */
export function drainStepTargets(plan: Plan): ReadonlySet<string> {
  return new Set((plan.drains ?? []).filter((v) => v.started || v.state === 'deleting').map((v) => v.record.id));
}

/** Every target this plan drains, at whatever step. */
export function drainTargets(plan: Plan): ReadonlySet<string> {
  return new Set((plan.drains ?? []).map((v) => v.record.id));
}

/** The operation acts on one of `targets`: a drained server, or a server of a drained service. */
export function onDrainTarget(op: Operation, targets: ReadonlySet<string>): boolean {
  return targets.has(operationTargetKey(op)) || targets.has(op.service.key);
}

/** Connections that must end before a delete (service key, server key); null = unknown (not in the listing). */
export type ActiveConnections = (service: string, server: string) => number | null;

export interface DrainInput {
  readonly plan: Plan;
  readonly live: Table;
  readonly drains: ReadonlyMap<string, DrainRecord>;
  readonly active: ActiveConnections;
  readonly now: number;
  /** the drain timeout of a service (its policy; for services no longer declared, what they last had) */
  readonly drainTimeoutMs: (serviceKey: string) => number;
  /** targets deleted without draining (health `onFailure: remove`) */
  readonly immediate?: ReadonlySet<string>;
  /** apply --no-drain: every delete at once, drains abandoned */
  readonly noDrain?: boolean;
}

export interface DrainResult {
  readonly plan: Plan;
  readonly drains: ReadonlyMap<string, DrainRecord>;
  readonly events: readonly DrainEvent[];
  readonly views: readonly DrainView[];
}

function serviceActive(service: VirtualService, active: ActiveConnections): number | null {
  let n = 0;
  for (const s of service.servers.values()) {
    const c = active(service.key, s.key);
    if (c === null) return null;
    n += c;
  }
  return n;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)}s`;

// weight 0 on every server of `service` that still has weight: the quiesce half of a drain
function quiesce(service: VirtualService, only: string | null, reason: string): Operation[] {
  const ops: Operation[] = [];
  for (const server of service.servers.values()) {
    if ((only !== null && server.key !== only) || server.weight === 0) continue;
    ops.push({
      kind: 'edit-server', service, server: { ...server, weight: 0 }, before: server,
      changes: [{ field: 'weight', before: String(server.weight), after: '0' }], reason,
    });
  }
  return ops;
}

export function planDrains(input: DrainInput): DrainResult {
  const { plan, live, now } = input;
  const drains = new Map<string, DrainRecord>();
  const events: DrainEvent[] = [];
  const views: DrainView[] = [];
  const ops: Operation[] = [];
  const deleting = new Set<string>();

  for (const op of plan.operations) {
    if (op.kind !== 'delete-server' && op.kind !== 'delete-service') { ops.push(op); continue; }
    const liveService = live.services.get(op.service.key);
    const server = op.kind === 'delete-server' ? op.server.key : null;
    const id = server === null ? op.service.key : serverTargetKey(op.service.key, server);
    deleting.add(id);
    if (!liveService || input.noDrain || input.immediate?.has(id)) { ops.push(op); continue; }
    const counted = server === null ? serviceActive(liveService, input.active) : input.active(op.service.key, server);
    // unknown is never "idle": it is held like a server with connections, until its deadline
    const idle = counted === 0;
    const count = counted ?? 0;
    const existing = input.drains.get(id);
    if (!existing) {
      const timeout = input.drainTimeoutMs(op.service.key);
      // nothing to wait for: delete now (kube-proxy's graceful termination does the same)
      if (idle || timeout <= 0) { ops.push(op); continue; }
      const what = op.kind === 'delete-server' ? `${hostPort(op.server.address, op.server.port)} of ${describeTarget(op.service.target)}` : describeTarget(op.service.target);
      const record: DrainRecord = { id, service: op.service.key, server, what, startedAt: now, deadline: now + timeout, persistent: liveService.persistence !== null };
      drains.set(id, record);
      events.push({ kind: 'started', record, activeConnections: count });
      views.push({ record, activeConnections: count, state: 'waiting', started: true });
      ops.push(...quiesce(liveService, server, `draining before ${op.kind === 'delete-server' ? 'delete' : 'deleting the service'} (${op.reason}): ${count} active connection(s); deleted when they reach 0, at the latest after ${seconds(timeout)}`));
      continue;
    }
    if (idle || now >= existing.deadline) {
      const timedOut = !idle;
      events.push({ kind: timedOut ? 'timed-out' : 'drained', record: existing, activeConnections: count });
      views.push({ record: existing, activeConnections: count, state: 'deleting', started: false });
      ops.push({ ...op, reason: timedOut
        ? `drain timed out after ${seconds(now - existing.startedAt)} with ${count} active connection(s) left (${op.reason})`
        : `drained: no active connections after ${seconds(now - existing.startedAt)} (${op.reason})` });
      continue;
    }
    // still draining: hold the delete, and put weight 0 back if something changed it meanwhile
    drains.set(id, existing);
    views.push({ record: existing, activeConnections: count, state: 'waiting', started: false });
    ops.push(...quiesce(liveService, server, `draining: weight set back to 0 (it was changed outside lvsync); ${count} active connection(s)`));
  }

  // drains whose delete is no longer planned: declared again, or gone from the kernel
  for (const record of input.drains.values()) {
    if (!deleting.has(record.id)) events.push({ kind: 'cancelled', record, activeConnections: 0 });
  }
  const operations = orderOperations(ops);
  return {
    plan: revisePlan(plan, { operations, summary: summarize(operations, plan.settings), drains: views }),
    drains,
    events,
    views,
  };
}

/** Anything still held: the caller comes back (watch: a pass soon; apply: waits unless --no-drain). */
export function drainsPending(result: DrainResult): boolean {
  return result.drains.size > 0;
}
