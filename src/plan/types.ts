import type { Diagnostic } from '../diagnostics.js';
import type { DrainView, HealthAdjustment } from './annotations.js';
import type { LostInventoryView } from './lost-inventory.js';
import type { DaemonRole, SyncDaemon, Timeouts } from '../model/settings.js';
import type { RealServer, VirtualService } from '../model/types.js';
import type { BoundAddress } from '../model/vips.js';

/** One attribute that differs, rendered for people: `weight: 1 → 3`. */
export interface FieldChange {
  readonly field: string;
  readonly before: string;
  readonly after: string;
}

/**
 * A closed set of operations, named after the ipvsadm verbs they become (-A -E -D -a -e -d).
 * Every operation carries the service it belongs to (for the command's service spec) and a reason.
 */
export type Operation =
  | { readonly kind: 'add-service'; readonly service: VirtualService; readonly reason: string }
  | { readonly kind: 'edit-service'; readonly service: VirtualService; readonly before: VirtualService; readonly changes: readonly FieldChange[]; readonly reason: string }
  | { readonly kind: 'delete-service'; readonly service: VirtualService; readonly reason: string }
  | { readonly kind: 'add-server'; readonly service: VirtualService; readonly server: RealServer; readonly reason: string }
  | { readonly kind: 'edit-server'; readonly service: VirtualService; readonly server: RealServer; readonly before: RealServer; readonly changes: readonly FieldChange[]; readonly reason: string }
  | { readonly kind: 'delete-server'; readonly service: VirtualService; readonly server: RealServer; readonly reason: string };

export type OperationKind = Operation['kind'];

/**
 * A change to a kernel-wide setting, beside the table operations: a closed set like Operation, each
 * with a reason. A sync daemon cannot be edited in place, so a different daemon is a restart
 * (`--stop-daemon` + `--start-daemon`). src/plan/settings.ts turns them into commands.
 */
export type SettingChange =
  /** ipvsadm --set: `set` holds the values to send, 0 for those left as they are */
  | { readonly kind: 'set-timeouts'; readonly before: Timeouts; readonly set: Timeouts; readonly changes: readonly FieldChange[]; readonly reason: string }
  | { readonly kind: 'start-daemon'; readonly role: DaemonRole; readonly daemon: SyncDaemon; readonly reason: string }
  | { readonly kind: 'stop-daemon'; readonly role: DaemonRole; readonly before: SyncDaemon; readonly reason: string }
  | { readonly kind: 'restart-daemon'; readonly role: DaemonRole; readonly daemon: SyncDaemon; readonly before: SyncDaemon; readonly changes: readonly FieldChange[]; readonly reason: string }
  /** written through /proc/sys; `before` null: the kernel has no such sysctl (yet) */
  | { readonly kind: 'set-sysctl'; readonly name: string; readonly before: string | null; readonly after: string; readonly reason: string }
  /**
   * a VIP on the director (`ip addr add/del`, never ipvsadm): adds run before the table operations
   * (the VIP is local before traffic for it arrives), deletes after them (src/plan/addresses.ts)
   */
  | { readonly kind: 'add-address'; readonly address: BoundAddress; readonly reason: string }
  | { readonly kind: 'delete-address'; readonly address: BoundAddress; readonly reason: string };

export interface PlanSummary {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

/**
 * What it takes to turn the live table into the desired one: ordered operations, counts, and the
 * digests that let a later apply detect that either side moved on.
 */
export interface Plan {
  readonly formatVersion: 1;
  readonly operations: readonly Operation[];
  /** kernel-wide settings to change, applied before the operations; empty when none are declared or all match */
  readonly settings: readonly SettingChange[];
  /** counts of operations and setting changes */
  readonly summary: PlanSummary;
  /** live services lvsync does not own and therefore left alone */
  readonly ignoredServices: number;
  /** owned, undeclared live services kept because scope.prune is false */
  readonly keptServices: number;
  readonly desiredDigest: string;
  readonly liveDigest: string;
  /** set when the plan must not be applied without an override (mass delete) */
  readonly refusal: Diagnostic | null;
  readonly warnings: readonly Diagnostic[];
  /** weights that differ from the config because of health checks (absent: health not considered) */
  readonly health?: readonly HealthAdjustment[];
  /** real servers and services being drained before their delete (absent: no drain in progress) */
  readonly drains?: readonly DrainView[];
  /** the inventory was lost and live services may have been lvsync's (absent: nothing in question) */
  readonly lostInventory?: LostInventoryView;
}

/**
 * A copy of `plan` with some fields replaced. Use it rather than a spread: a plan's digests are
 * computed when first read (createPlan), and a spread would compute both to copy them; this copy
 * shares them, still unread.
 */
export function revisePlan(plan: Plan, changes: Partial<Omit<Plan, 'desiredDigest' | 'liveDigest'>>): Plan {
  return Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(plan), ...Object.getOwnPropertyDescriptors(changes) }) as Plan;
}

/** Nothing to do: no table operation and no setting change. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.operations.length === 0 && plan.settings.length === 0;
}

/** Identity of an operation's target, to match operations across plans (what took effect). */
export function operationTargetKey(op: Operation): string {
  return 'server' in op ? serverTargetKey(op.service.key, op.server.key) : op.service.key;
}

/** `service#server`: one real server of one service, as operations, health states and drains name it. */
export function serverTargetKey(serviceKey: string, serverKey: string): string {
  return `${serviceKey}#${serverKey}`;
}
