import { applyPlan, type ApplyReport } from '../apply/apply.js';
import type { Ipvsadm } from '../ipvsadm/port.js';
import { withLiveSettings } from '../live/read-settings.js';
import { withLiveAddresses } from '../live/read-addresses.js';
import { nextOwnedAddresses } from '../plan/addresses.js';
import { createExecRunner } from '../realserver/exec-runner.js';
import type { CommandRunner } from '../realserver/runner.js';
import { serviceSpecArgs } from '../live/grammar.js';
import type { DesiredState, ServiceTarget, Table } from '../model/types.js';
import type { DrainEvent } from '../drain/plan-drains.js';
import type { DrainRecord } from '../plan/annotations.js';
import type { HealthState } from '../health/types.js';
import { runChecked } from '../ipvsadm/port.js';
import { parseConnectionCounts, type ConnectionCount } from '../live/parse-listing.js';
import { connectionCountsFromProc } from '../live/parse-proc.js';
import { isEmptyPlan, revisePlan, type Plan } from '../plan/types.js';
import { readDrainState, writeDrainState, type DrainState } from '../state/drains.js';
import { declaredDrainTimeouts, drainTimeoutOf, mayWait, needsDrainInput, planPass, planTable, withDrains, type PassPlan, type PassPlanInput } from './plan-pass.js';
import type { Diagnostic } from '../diagnostics.js';
import { nextInventory, readInventory, writeInventory } from '../state/inventory.js';
import { acquireLock, type LockOptions } from '../state/lock.js';
import { adoptedServices, lossOutstanding, type LostInventoryResolution } from '../plan/lost-inventory.js';
import { createProcSysctl } from '../sysctl/proc.js';
import type { Sysctl } from '../sysctl/port.js';

/**
 * One level-based pass, shared by `lvsync apply` and the `watch` daemon: (lock) → inventory → read
 * live → plan → apply + verify → inventory. Loading the desired state and rendering stay with the
 * callers, because a one-shot command exits on invalid input while the daemon keeps its last good
 * config. Errors from ipvsadm, the lock or the live table are thrown for the caller to classify.
 * A state file that cannot be used never is one (issue 13): it is reported (STATE_FILE), moved
 * aside in apply mode, and the pass goes on with that file's safe default.
 */

export interface ReconcileDeps {
  readonly ipvsadm: Ipvsadm;
  readonly stateDir: string;
  /** reads the live table; `thresholds`: also read `-L --thresholds` (facts §2.5) */
  readonly readLive: (thresholds: boolean) => Promise<Table>;
  /** takes the apply lock in the state directory; defaults to acquireLock */
  readonly lock?: (stateDir: string, options?: LockOptions) => Promise<() => Promise<void>>;
  /** reads and writes the sysctls the desired state declares; defaults to /proc/sys */
  readonly sysctl?: Sysctl;
  /** runs `ip` for the VIP addresses (vips); defaults to the real program, started only when vips are declared or owned */
  readonly ip?: CommandRunner;
  /** LVSYNC_TRACE */
  readonly trace?: (event: string) => void;
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
  /** health of the checked real servers (watch: the monitor's; apply --health: one round); absent: the config's weights */
  readonly health?: ReadonlyMap<string, HealthState> | undefined;
  /** delete at once instead of draining (apply --no-drain) */
  readonly noDrain?: boolean;
  /** the time drains are measured with (the daemon's clock); defaults to Date.now */
  readonly now?: () => number;
  /** what the operator said about the services a lost inventory leaves in question (--lost-inventory) */
  readonly lostInventory?: LostInventoryResolution | null;
  /**
   * told at once about each state file that could not be used (STATE_FILE), so it is reported even
   * when the pass fails later; absent: they are carried in the plan's warnings
   */
  readonly onStateWarning?: (warning: Diagnostic) => void;
  /**
   * the table as the last read saw it (the daemon's previous verification read), planned from instead
   * of reading `-S -n` again, when it was read with the same thresholds setting. A pass that reacts to
   * a config change then reaches the kernel one full read sooner (issue 13: seconds at 10k services in
   * the VM). The caller must read afresh when this pass does not converge: a table changed by hand
   * since then makes the plan wrong, and the apply's own verification read shows it.
   */
  readonly knownLive?: KnownLive | null;
}

/** A live table read earlier, with what it was read with. */
export interface KnownLive {
  readonly table: Table;
  /** the `-L --thresholds` listing was part of the read */
  readonly thresholds: boolean;
  /** when it was read (the caller's clock) */
  readonly readAt: number;
}

/**
 * What a pass found and did. `live` is the table the plan was made from; `drains` what is still being
 * drained; `liveKnown` that `live` was the caller's `knownLive`, not read in this pass; `thresholds`
 * whether the reads of this pass included the thresholds listing.
 */
export type ReconcileOutcome = ReconcileResult & DrainOutcome & { readonly liveKnown: boolean; readonly thresholds: boolean };

export interface DrainOutcome {
  /** drains still in progress after this pass: come back soon (watch) or wait (apply) */
  readonly drains: ReadonlyMap<string, DrainRecord>;
  readonly drainEvents: readonly DrainEvent[];
}

type ReconcileResult =
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

const thresholdsDeclared = new WeakMap<DesiredState, boolean>();

/**
 * Does any declared real server set thresholds? They are only visible in `-L --thresholds`. Asked
 * on every pass of the same (read-only) desired state: a walk over every real server, remembered.
 */
export function declaresThresholds(desired: DesiredState): boolean {
  let known = thresholdsDeclared.get(desired);
  if (known === undefined) {
    known = false;
    for (const svc of desired.table.services.values()) {
      for (const s of svc.servers.values()) if (s.upperThreshold || s.lowerThreshold) { known = true; break; }
      if (known) break;
    }
    thresholdsDeclared.set(desired, known);
  }
  return known;
}

/** The services whose connection counts a drain decision needs, and the live table they were found in. */
export interface CountsWanted {
  readonly services: readonly ServiceTarget[];
  readonly live: Table;
}

/**
 * The drains in progress plus the connection counts of the kernel: what planDrains decides with.
 * TCP and SCTP count ActiveConn: their InActConn entries are TIME_WAIT/FIN/CLOSE states that no
 * longer carry data a delete could break (waiting for them would add up to 2 minutes to every
 * drain). UDP flows are never "active" in IPVS, so UDP services (and fwmark services, whose
 * traffic may be UDP) count every entry. A server missing from the listing (a race with a change)
 * is unknown, and unknown is never zero.
 */
export async function readDrainInput(ipvsadm: Ipvsadm, state: DrainState, now: number, noDrain: boolean, only?: CountsWanted): Promise<NonNullable<PassPlanInput['drains']>> {
  const conns = await readConnectionCounts(ipvsadm, only);
  const active = (service: string, server: string): number | null => {
    const row = conns.get(service)?.get(server);
    if (!row) return null;
    return service.startsWith('tcp|') || service.startsWith('sctp|') ? row.active : row.active + row.inactive;
  };
  return { records: state.drains, active, now, lastTimeouts: state.timeouts, noDrain };
}

/**
 * The connection counts drains decide with. Only the services with a delete or a drain matter.
 *
 * First from /proc/net/ip_vs (src/live/parse-proc.ts): the kernel prints the same counters there,
 * and at 2,300 × 16 in the emulated VM reading it took 0.35 s where `ipvsadm -L -n` took 4–7 s
 * (issue 13). It is used only when it shows exactly the live table's servers for every service asked.
 *
 * Else through ipvsadm, which lists a table one service at a time anyway (one netlink dump per
 * service, facts §2.5), so listing a few of them costs a share of the full listing: when they are at
 * most half the table, they are listed by one `ipvsadm -R` whose lines are `-L -n -t VIP:PORT` (any
 * command works inside `-R`, and a listing prints to stdout: conformance case
 * restore-listing-inside). One of them gone meanwhile (`No such service`: a race with a change by
 * hand) stops that `-R` and falls back to the full listing, which is always right.
 */
async function readConnectionCounts(ipvsadm: Ipvsadm, only: CountsWanted | undefined): Promise<Map<string, Map<string, ConnectionCount>>> {
  // nothing of the table is asked for (the drains' services are all gone): nothing to list
  if (only && only.services.length === 0) return new Map();
  if (only && ipvsadm.readProcTable) {
    const text = await ipvsadm.readProcTable();
    const counts = text === null ? null : connectionCountsFromProc(text, only.live, only.services);
    if (counts) return counts;
  }
  const text = await listConnections(ipvsadm, only);
  const conns = parseConnectionCounts(text);
  if (!conns) throw new Error(`ipvsadm -L -n printed columns other than ${'`Forward Weight ActiveConn InActConn`'}: cannot tell how many connections a real server has`);
  return conns;
}

async function listConnections(ipvsadm: Ipvsadm, only: CountsWanted | undefined): Promise<string> {
  if (only && only.services.length * 2 <= only.live.services.size) {
    const lines = only.services.map((t) => ['-L', '-n', ...serviceSpecArgs(t)]);
    const r = lines.length === 1 ? await ipvsadm.run(lines[0]!) : await ipvsadm.run(['-R'], lines.map((l) => `${l.join(' ')}\n`).join(''));
    if (r.exitCode === 0) return r.stdout;
  }
  return runChecked(ipvsadm, ['-L', '-n']);
}

/** The services a drain decision needs connection counts of: those with a delete that may wait, and those of drains in progress. */
export function drainServices(base: PassPlan, records: ReadonlyMap<string, DrainRecord>, live: Table, timeoutMs: (serviceKey: string) => number): ServiceTarget[] {
  const keys = new Set<string>();
  for (const op of base.plan.operations) if (mayWait(op, base.overlay, timeoutMs)) keys.add(op.service.key);
  for (const r of records.values()) keys.add(r.service);
  const out: ServiceTarget[] = [];
  for (const key of keys) {
    const svc = live.services.get(key);
    if (svc) out.push(svc.target);
  }
  return out;
}

// a drain target that still exists in the table
function stillLive(record: DrainRecord, table: Table): boolean {
  const svc = table.services.get(record.service);
  return !!svc && (record.server === null || svc.servers.has(record.server));
}

const QUIESCENT_TEMPLATE = 'net.ipv4.vs.expire_quiescent_template';

// facts §5: weight 0 does not move persistent clients unless expire_quiescent_template=1
async function persistentDrainWarning(drains: ReadonlyMap<string, DrainRecord>, sysctl: Sysctl): Promise<Diagnostic[]> {
  const persistent = [...drains.values()].filter((d) => d.persistent);
  if (persistent.length === 0) return [];
  const value = await sysctl.read(QUIESCENT_TEMPLATE).catch(() => null);
  if (value === null || value.trim() !== '0') return [];
  return [{
    severity: 'warning', code: 'DRAIN_PERSISTENT',
    message: `draining ${persistent.map((d) => d.what).join(', ')} of a persistent service while ${QUIESCENT_TEMPLATE} = 0: persistent clients keep being sent to a weight-0 server by their templates, so the drain may only end at its timeout; set \`sysctls: { ${QUIESCENT_TEMPLATE}: 1 }\` to move them`,
  }];
}

export async function reconcileOnce(desired: DesiredState, deps: ReconcileDeps, options: ReconcileOptions): Promise<ReconcileOutcome> {
  const apply = options.mode === 'apply';
  const stateWarnings: Diagnostic[] = [];
  const warn = options.onStateWarning ?? ((w: Diagnostic) => { stateWarnings.push(w); });
  // only a pass that writes the state directory moves bad files aside; detect-only just reports them
  const recover = { repair: apply, ...(options.now ? { now: options.now } : {}) };
  const release = apply ? await (deps.lock ?? acquireLock)(deps.stateDir, { report: warn, ...(options.now ? { now: options.now } : {}) }) : async () => undefined;
  try {
    deps.trace?.(apply ? 'apply lock taken' : 'detect-only: no lock');
    const { inventory, loss, warning: inventoryWarning } = await readInventory(deps.stateDir, recover);
    if (inventoryWarning) warn(inventoryWarning);
    const { state: drainState, warning: drainStateWarning } = await readDrainState(deps.stateDir, recover);
    if (drainStateWarning) warn(drainStateWarning);
    deps.trace?.('state files read');
    const declared = declaresThresholds(desired);
    // keep reading thresholds after they were declared once, so clearing them is noticed
    const thresholds = declared || inventory.thresholds;
    const sysctl = deps.sysctl ?? createProcSysctl();
    const ip = deps.ip ?? createExecRunner();
    const ownedAddresses = inventory.addresses ?? [];
    // the kernel-wide settings and the VIP addresses (declared or owned) are read with the table, every time
    const withKernelState = async (table: Table) => withLiveAddresses(await withLiveSettings(table, desired.settings, deps.ipvsadm, sysctl), desired.vips, ownedAddresses, ip);
    const readLive = async () => withKernelState(await deps.readLive(thresholds));
    const planOptions = {
      inventory: new Set(inventory.services), ownedAddresses: new Set(ownedAddresses), allowMassDelete: options.allowMassDelete,
      lostInventory: loss ? { at: loss.at, movedTo: loss.movedTo, resolution: options.lostInventory ?? null } : null,
      ...(stateWarnings.length ? { warnings: stateWarnings } : {}),
    };
    const known = options.knownLive && options.knownLive.thresholds === thresholds ? options.knownLive : null;
    // the kernel-wide settings are cheap to read (a listing or a sysctl each) and the config may have
    // just declared one: read them afresh even when the table itself is taken from the last read
    const live = known ? await withKernelState(known.table) : await readLive();
    if (known) deps.trace?.(`live table as last read (${live.services.size} services), not read again`);
    const seen = { liveKnown: known !== null, thresholds };
    const now = (options.now ?? Date.now)();
    const plain = planTable({ desired, live, planOptions, health: options.health });
    deps.trace?.(`live table read and planned: ${plain.plan.operations.length} operations`);
    // drains are steps of an apply: detect-only reports plain deletes and a refused plan stays as planned
    const timeoutMs = drainTimeoutOf(desired, drainState.timeouts);
    const drainInput = apply && !plain.plan.refusal && needsDrainInput(plain, drainState.drains, timeoutMs, options.noDrain)
      ? await readDrainInput(deps.ipvsadm, drainState, now, options.noDrain ?? false, { services: drainServices(plain, drainState.drains, live, timeoutMs), live })
      : undefined;
    if (drainInput) deps.trace?.('connection counts read for the drains');
    const passPlan = drainInput ? withDrains(plain, desired, live, drainInput) : plain;
    const drains = drainInput ? passPlan.drains : drainState.drains;
    // deletes this plan makes to finish drains: if one does not take effect, its record must survive
    const finishing = (passPlan.plan.drains ?? []).filter((v) => v.state === 'deleting').map((v) => v.record);
    const warnings = await persistentDrainWarning(drains, sysctl);
    const plan: Plan = warnings.length ? revisePlan(passPlan.plan, { warnings: [...passPlan.plan.warnings, ...warnings] }) : passPlan.plan;
    if (drainInput) deps.trace?.(`drains planned: ${passPlan.plan.operations.length} operations, ${drains.size} drains in progress`);
    const drained = { drains, drainEvents: passPlan.drainEvents };
    const untouched = { drains: drainState.drains, drainEvents: [] };
    const stale = options.stale?.(plan) ?? null;
    if (stale !== null) return { status: 'stale', plan, live, reason: stale, ...untouched, ...seen };
    options.onPlan?.(plan);
    if (plan.refusal) return { status: 'refused', plan, live, ...untouched, ...seen };
    // services --lost-inventory delete adopted stay in the inventory while they live (a drain finishes
    // them); the loss is recorded until it is settled or nothing is in question any more
    const owned = { ...inventory, services: [...inventory.services, ...adoptedServices(plan.lostInventory)] };
    const outstanding = lossOutstanding(plan.lostInventory) ? loss : null;
    const record = async (after: Table, kept: ReadonlyMap<string, DrainRecord>, added: Plan['settings'] = []) => {
      const addresses = nextOwnedAddresses(ownedAddresses, added, after.addresses);
      await writeInventory(deps.stateDir, nextInventory(owned, desired.table.services.keys(), new Set(after.services.keys()), declared, outstanding, addresses));
      await writeDrainState(deps.stateDir, { version: 1, drains: kept, timeouts: declaredDrainTimeouts(desired, drainState.timeouts, after) }, drainState);
    };
    if (isEmptyPlan(plan)) {
      if (apply) await record(live, drains);
      return { status: 'in-sync', plan, live, ...drained, ...seen };
    }
    if (!apply) return { status: 'detected', plan, live, ...drained, ...seen };
    if (options.confirm && !(await options.confirm(plan))) return { status: 'cancelled', plan, live, ...untouched, ...seen };
    // verification plans the same way, with the drains after this plan plus the ones it finishes:
    // a finishing delete that did not take effect is then planned again, i.e. reported as pending
    const verifyRecords = new Map([...drains, ...finishing.map((r) => [r.id, r] as const)]);
    const replan = (after: Table) => planPass({
      desired, live: after, planOptions, health: options.health,
      ...(drainInput ? { drains: { ...drainInput, records: verifyRecords } } : {}),
    }).plan;
    // planned from an earlier read: what did not take effect is planned again by the caller from a
    // fresh read (with connection counts), not retried from this re-plan (which has none)
    const report = await applyPlan(plan, { ipvsadm: deps.ipvsadm, readLive, sysctl, ip }, { perCommand: options.perCommand, replan, ...(known ? { retry: false } : {}) });
    // a drain whose target is gone (deleted by hand meanwhile) has nothing left to wait for
    const kept = new Map([...drains].filter(([, r]) => stillLive(r, report.liveAfter)));
    for (const r of finishing) if (stillLive(r, report.liveAfter)) kept.set(r.id, r);
    await record(report.liveAfter, kept, plan.settings);
    return { status: 'applied', plan, live, report, drains: kept, drainEvents: passPlan.drainEvents, ...seen };
  } finally {
    await release();
  }
}
