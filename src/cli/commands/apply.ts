import { applyPlan } from '../../apply/apply.js';
import { renderApplyReport } from '../../apply/render-report.js';
import { createPlan } from '../../plan/plan.js';
import { renderPlanText } from '../../plan/render-text.js';
import { nextInventory, readInventory, writeInventory } from '../../state/inventory.js';
import { acquireLock } from '../../state/lock.js';
import type { GlobalArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';
import { loadDesiredOrExit, needsThresholds, readLiveOrExit } from '../shared.js';

export interface ApplyArgs {
  readonly paths: string[];
  readonly yes: boolean;
  readonly perCommand: boolean;
  readonly allowMassDelete: boolean;
}

/**
 * Validate (exit 3 before touching anything), lock, read, plan, confirm, apply, verify, record the
 * inventory. Never prompts without a terminal: automation runs it as-is.
 */
export async function applyCommand(io: CliIo, g: GlobalArgs, args: ApplyArgs): Promise<number> {
  if (args.paths.length === 0) throw new UsageError('apply needs at least one PATH');
  const desired = await loadDesiredOrExit(io, args.paths);
  const release = await acquireLock(g.stateDir);
  try {
    const ipvsadm = io.createIpvsadm(g.ipvsadm);
    const inventory = await readInventory(g.stateDir);
    const thresholds = needsThresholds(desired, inventory.thresholds);
    const readLive = () => readLiveOrExit(io, { ipvsadm: () => ipvsadm, thresholds });
    const planOptions = { inventory: new Set(inventory.services), allowMassDelete: args.allowMassDelete };
    const live = await readLive();
    const plan = createPlan(desired, live, planOptions);
    io.stdout(renderPlanText(plan, { color: g.color }));
    const declaredThresholds = needsThresholds(desired, false);
    if (plan.refusal) return EXIT.failure;
    if (plan.operations.length === 0) {
      await writeInventory(g.stateDir, nextInventory(inventory, desired.table.services.keys(), new Set(live.services.keys()), declaredThresholds));
      return EXIT.ok;
    }
    if (io.interactive && !args.yes) {
      const answer = await io.prompt(`\nApply these ${plan.operations.length} operation(s) to ${io.hostname()}? Only 'yes' will be accepted: `);
      if (answer.trim() !== 'yes') {
        io.stderr('Apply cancelled; nothing was changed.\n');
        return EXIT.failure;
      }
    }
    const report = await applyPlan(desired, plan, { ipvsadm, readLive }, { perCommand: args.perCommand, planOptions });
    await writeInventory(g.stateDir, nextInventory(inventory, desired.table.services.keys(), new Set(report.liveAfter.services.keys()), declaredThresholds));
    (report.converged ? io.stdout : io.stderr)(`\n${renderApplyReport(report)}`);
    return report.converged ? EXIT.ok : EXIT.failure;
  } finally {
    await release();
  }
}
