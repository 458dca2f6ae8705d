import { applyPlan, type ApplyReport } from '../apply/apply.js';
import type { Ipvsadm } from '../ipvsadm/port.js';
import { withLiveSettings } from '../live/read-settings.js';
import type { DesiredState, Table } from '../model/types.js';
import { createPlan } from '../plan/plan.js';
import { isEmptyPlan, type Plan } from '../plan/types.js';
import { nextInventory, readInventory, writeInventory } from '../state/inventory.js';
import { acquireLock } from '../state/lock.js';
import { createProcSysctl } from '../sysctl/proc.js';
import type { Sysctl } from '../sysctl/port.js';

/**
 * One level-based pass, shared by `lvsync apply` and the `watch` daemon: (lock) → inventory → read
 * live → plan → apply + verify → inventory. Loading the desired state and rendering stay with the
 * callers, because a one-shot command exits on invalid input while the daemon keeps its last good
 * config. Errors from ipvsadm, the lock or the live table are thrown for the caller to classify.
 */

export interface ReconcileDeps {
  readonly ipvsadm: Ipvsadm;
  readonly stateDir: string;
  /** reads the live table; `thresholds`: also read `-L --thresholds` (facts §2.5) */
  readonly readLive: (thresholds: boolean) => Promise<Table>;
  /** takes the apply lock in the state directory; defaults to acquireLock */
  readonly lock?: (stateDir: string) => Promise<() => Promise<void>>;
  /** reads and writes the sysctls the desired state declares; defaults to /proc/sys */
  readonly sysctl?: Sysctl;
}

export interface ReconcileOptions {
  /** 'detect-only' reads and plans but never changes the kernel, the lock or the inventory */
  readonly mode: 'apply' | 'detect-only';
  readonly perCommand: boolean;
  readonly allowMassDelete: boolean;
  /** called once with the plan, before anything is changed (apply prints it) */
  readonly onPlan?: (plan: Plan) => void;
  /** asked before applying a non-empty, allowed plan; false cancels */
  readonly confirm?: (plan: Plan) => Promise<boolean>;
  /** a saved plan being applied: returns why the fresh plan is not that plan (stale), or null */
  readonly stale?: (plan: Plan) => string | null;
}

/** What a pass found and did. `live` is the table the plan was made from. */
export type ReconcileOutcome =
  | { readonly status: 'in-sync'; readonly plan: Plan; readonly live: Table }
  /** the plan needs --allow-mass-delete; nothing was changed */
  | { readonly status: 'refused'; readonly plan: Plan; readonly live: Table }
  /** detect-only: the plan has changes that were not applied */
  | { readonly status: 'detected'; readonly plan: Plan; readonly live: Table }
  | { readonly status: 'cancelled'; readonly plan: Plan; readonly live: Table }
  /** a saved plan no longer matches the config or the live table; nothing was changed */
  | { readonly status: 'stale'; readonly plan: Plan; readonly live: Table; readonly reason: string }
  /** applied and verified; `report.converged` tells whether the kernel now matches */
  | { readonly status: 'applied'; readonly plan: Plan; readonly live: Table; readonly report: ApplyReport };

/** Does any declared real server set thresholds? They are only visible in `-L --thresholds`. */
export function declaresThresholds(desired: DesiredState): boolean {
  for (const svc of desired.table.services.values()) {
    for (const s of svc.servers.values()) if (s.upperThreshold || s.lowerThreshold) return true;
  }
  return false;
}

export async function reconcileOnce(desired: DesiredState, deps: ReconcileDeps, options: ReconcileOptions): Promise<ReconcileOutcome> {
  const apply = options.mode === 'apply';
  const release = apply ? await (deps.lock ?? acquireLock)(deps.stateDir) : async () => undefined;
  try {
    const inventory = await readInventory(deps.stateDir);
    const declared = declaresThresholds(desired);
    // keep reading thresholds after they were declared once, so clearing them is noticed
    const thresholds = declared || inventory.thresholds;
    const sysctl = deps.sysctl ?? createProcSysctl();
    // the kernel-wide settings the desired state declares are read with the table, every time
    const readLive = async () => withLiveSettings(await deps.readLive(thresholds), desired.settings, deps.ipvsadm, sysctl);
    const planOptions = { inventory: new Set(inventory.services), allowMassDelete: options.allowMassDelete };
    const live = await readLive();
    const plan = createPlan(desired, live, planOptions);
    const stale = options.stale?.(plan) ?? null;
    if (stale !== null) return { status: 'stale', plan, live, reason: stale };
    options.onPlan?.(plan);
    if (plan.refusal) return { status: 'refused', plan, live };
    const record = (after: Table) => writeInventory(deps.stateDir, nextInventory(inventory, desired.table.services.keys(), new Set(after.services.keys()), declared));
    if (isEmptyPlan(plan)) {
      if (apply) await record(live);
      return { status: 'in-sync', plan, live };
    }
    if (!apply) return { status: 'detected', plan, live };
    if (options.confirm && !(await options.confirm(plan))) return { status: 'cancelled', plan, live };
    const report = await applyPlan(desired, plan, { ipvsadm: deps.ipvsadm, readLive, sysctl }, { perCommand: options.perCommand, planOptions });
    await record(report.liveAfter);
    return { status: 'applied', plan, live, report };
  } finally {
    await release();
  }
}
