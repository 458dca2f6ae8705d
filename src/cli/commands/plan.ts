import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Diagnostic } from '../../diagnostics.js';
import { renderPlanMarkdown } from '../../plan/render-markdown.js';
import { renderSavedPlan } from '../../plan/saved.js';
import { renderPlanJson } from '../../plan/render-json.js';
import { writePlanText } from '../../plan/render-text.js';
import { isEmptyPlan, type Plan } from '../../plan/types.js';
import { readInventory } from '../../state/inventory.js';
import { withLiveAddresses } from '../../live/read-addresses.js';
import { createExecRunner } from '../../realserver/exec-runner.js';
import type { LostInventoryResolution } from '../../plan/lost-inventory.js';
import type { GlobalArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';
import { declaresThresholds, drainServices, readDrainInput } from '../../reconcile/reconcile.js';
import { drainTimeoutOf, needsDrainInput, planTable, withDrains } from '../../reconcile/plan-pass.js';
import { EMPTY_DRAIN_STATE, readDrainState } from '../../state/drains.js';
import { systemClock } from '../../watch/clock.js';
import { planHealth } from '../health-round.js';
import { loadDesiredOrExit, nothingToSettle, readLiveOrExit } from '../shared.js';
import { unobservedThresholds } from '../../plan/thresholds.js';
import { hasSnapshot, missingSnapshot, snapshotPath } from '../snapshots.js';

export interface PlanArgs {
  readonly paths: string[];
  readonly live?: string | undefined;
  readonly json: boolean;
  readonly diff: boolean;
  readonly detailedExitcode: boolean;
  readonly allowMassDelete: boolean;
  readonly out?: string | undefined;
  readonly format: 'text' | 'json' | 'markdown';
  /** run one round of health checks first (--health) */
  readonly health: boolean;
  /** DIR/<director>.save is the live table (plan-fleet.ts: with allDirectors, every director's) */
  readonly liveDir?: string | undefined;
  readonly allDirectors?: boolean;
  /** --lost-inventory: what the services a lost inventory leaves in question are */
  readonly lostInventory?: LostInventoryResolution | null;
}

export async function planCommand(io: CliIo, g: GlobalArgs, args: PlanArgs): Promise<number> {
  if (args.paths.length === 0) throw new UsageError('plan needs at least one PATH');
  if (args.allDirectors && args.lostInventory) throw new UsageError('--lost-inventory settles the lost inventory of this director; --all-directors plans from snapshots, which carry no inventory');
  if (args.allDirectors) return (await import('./plan-fleet.js')).planAllDirectors(io, g, args);
  // a saved plan is applied exactly, and one round of checks now says nothing about health at apply time
  if (args.health && args.out !== undefined) throw new UsageError('--health and --out do not go together: a saved plan is applied exactly, and health can change before it is; plan --out without --health (apply PLAN.json then refuses it as stale if the table moved)');
  if (args.liveDir !== undefined && args.live !== undefined) throw new UsageError('--live and --live-dir both say where the live table is; give one');
  const liveFile = args.liveDir !== undefined ? snapshotPath(args.liveDir, g.director) : args.live;
  if (args.liveDir !== undefined && !(await hasSnapshot(args.liveDir, g.director))) {
    io.stderr(missingSnapshot(args.liveDir, g.director));
    return EXIT.failure;
  }
  const desired = await loadDesiredOrExit(io, args.paths, { director: g.director });
  // plan only reads the state directory: a file it cannot use is reported in the plan and left in place
  const stateWarnings: Diagnostic[] = [];
  const { inventory, loss, warning: inventoryWarning } = await readInventory(g.stateDir, { repair: false });
  if (inventoryWarning) stateWarnings.push(inventoryWarning);
  const read = await readLiveOrExit(io, {
    liveFile, ipvsadm: () => io.createIpvsadm(g.ipvsadm), thresholds: declaresThresholds(desired) || inventory.thresholds, settings: desired.settings,
  });
  // the VIP addresses are on this director, not in a saved snapshot (the plan then warns ADDRESSES_NOT_OBSERVED)
  const live = liveFile === undefined ? await withLiveAddresses(read, desired.vips, inventory.addresses ?? [], io.runCommand ?? createExecRunner()) : read;
  const withHealth = await planHealth(io, g.stateDir, desired, args.health, { report: (w) => stateWarnings.push(w) });
  const health = withHealth?.states;
  const planned = withHealth?.desired ?? desired;
  // against the kernel, deletes are drained as apply would drain them; a saved snapshot has no connection counts
  const drainRead = liveFile === undefined ? await readDrainState(g.stateDir, { repair: false }) : { state: EMPTY_DRAIN_STATE, warning: null };
  if (drainRead.warning) stateWarnings.push(drainRead.warning);
  const drainState = drainRead.state;
  const planOptions = {
    inventory: new Set(inventory.services), ownedAddresses: new Set(inventory.addresses), allowMassDelete: args.allowMassDelete, warnings: [...stateWarnings, ...unobservedThresholds(desired, live)],
    lostInventory: loss ? { at: loss.at, movedTo: loss.movedTo, resolution: args.lostInventory ?? null } : null,
  };
  const base = planTable({ desired: planned, live, planOptions, health });
  const timeoutMs = drainTimeoutOf(planned, drainState.timeouts);
  const plan: Plan = liveFile === undefined && needsDrainInput(base, drainState.drains, timeoutMs)
    ? withDrains(base, planned, live, await readDrainInput(io.createIpvsadm(g.ipvsadm), drainState, (io.clock ?? systemClock).now(), false, { services: drainServices(base, drainState.drains, live, timeoutMs), live })).plan
    : base.plan;
  io.trace?.(`planned: ${plan.operations.length} operations`);
  if (args.lostInventory && !plan.lostInventory) io.stderr(nothingToSettle(g.stateDir));
  if (args.out !== undefined) await writeFile(args.out, renderSavedPlan(plan, args.paths.map((p) => resolve(p))));
  const format = args.json ? 'json' : args.format;
  if (format === 'json') io.stdout(renderPlanJson(plan));
  else if (format === 'markdown') io.stdout(renderPlanMarkdown([{ director: g.director, plan }]));
  else writePlanText(plan, { color: g.color, diff: args.diff ? { live, desired: desired.table } : null }, io.stdout);
  if (plan.refusal) return EXIT.failure;
  if (args.detailedExitcode && !isEmptyPlan(plan)) return EXIT.changes;
  return EXIT.ok;
}
