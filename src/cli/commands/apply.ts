import { renderApplyReport } from '../../apply/render-report.js';
import { renderPlanText } from '../../plan/render-text.js';
import { reconcileOnce } from '../../reconcile/reconcile.js';
import type { GlobalArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';
import { loadDesiredOrExit, readLiveOrExit } from '../shared.js';

export interface ApplyArgs {
  readonly paths: string[];
  readonly yes: boolean;
  readonly perCommand: boolean;
  readonly allowMassDelete: boolean;
}

/**
 * Validate (exit 3 before touching anything), then one reconcile pass (lock, read, plan, confirm,
 * apply, verify, record the inventory; src/reconcile). Never prompts without a terminal.
 */
export async function applyCommand(io: CliIo, g: GlobalArgs, args: ApplyArgs): Promise<number> {
  if (args.paths.length === 0) throw new UsageError('apply needs at least one PATH');
  const desired = await loadDesiredOrExit(io, args.paths);
  const ipvsadm = io.createIpvsadm(g.ipvsadm);
  const outcome = await reconcileOnce(desired, {
    ipvsadm,
    stateDir: g.stateDir,
    readLive: (thresholds) => readLiveOrExit(io, { ipvsadm: () => ipvsadm, thresholds }),
  }, {
    mode: 'apply',
    perCommand: args.perCommand,
    allowMassDelete: args.allowMassDelete,
    onPlan: (plan) => io.stdout(renderPlanText(plan, { color: g.color })),
    confirm: async (plan) => {
      if (!io.interactive || args.yes) return true;
      const answer = await io.prompt(`\nApply these ${plan.operations.length} operation(s) to ${io.hostname()}? Only 'yes' will be accepted: `);
      return answer.trim() === 'yes';
    },
  });
  switch (outcome.status) {
    case 'in-sync': return EXIT.ok;
    case 'refused': return EXIT.failure;
    case 'cancelled':
      io.stderr('Apply cancelled; nothing was changed.\n');
      return EXIT.failure;
    case 'detected': return EXIT.changes; // not reached: apply mode never only detects
    case 'applied': {
      const { report } = outcome;
      (report.converged ? io.stdout : io.stderr)(`\n${renderApplyReport(report)}`);
      return report.converged ? EXIT.ok : EXIT.failure;
    }
  }
}
