import { renderApplyReport } from '../../apply/render-report.js';
import { renderPlanText } from '../../plan/render-text.js';
import { reconcileOnce } from '../../reconcile/reconcile.js';
import type { GlobalArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';
import { loadDesiredOrExit, readLiveOrExit, sysctlOf } from '../shared.js';
import { isSavedPlanText, parseSavedPlan, staleReason, type SavedPlan } from '../../plan/saved.js';
import type { Plan } from '../../plan/types.js';
import { readFile } from 'node:fs/promises';

/** `apply plan.json`: one argument that holds a saved plan (lvsync plan --out) rather than YAML. */
async function readSavedPlanArg(paths: readonly string[]): Promise<SavedPlan | null> {
  if (paths.length !== 1 || !paths[0]!.endsWith('.json')) return null;
  const text = await readFile(paths[0]!, 'utf8').catch(() => null);
  if (text === null || !isSavedPlanText(text)) {
    if (text !== null) parseSavedPlan(text, paths[0]!); // throws the reason it is not a saved plan
    return null;
  }
  return parseSavedPlan(text, paths[0]!);
}

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
  const saved = await readSavedPlanArg(args.paths);
  const desired = await loadDesiredOrExit(io, saved ? [...saved.paths] : args.paths, { director: g.director });
  const ipvsadm = io.createIpvsadm(g.ipvsadm);
  const outcome = await reconcileOnce(desired, {
    ipvsadm,
    stateDir: g.stateDir,
    readLive: (thresholds) => readLiveOrExit(io, { ipvsadm: () => ipvsadm, thresholds }),
    sysctl: sysctlOf(io),
  }, {
    mode: 'apply',
    perCommand: args.perCommand,
    allowMassDelete: args.allowMassDelete,
    onPlan: (plan) => io.stdout(renderPlanText(plan, { color: g.color })),
    ...(saved ? { stale: (plan: Plan) => staleReason(saved, plan) } : {}),
    confirm: async (plan) => {
      if (!io.interactive || args.yes) return true;
      const answer = await io.prompt(`\nApply these ${plan.operations.length + plan.settings.length} operation(s) to ${io.hostname()}? Only 'yes' will be accepted: `);
      return answer.trim() === 'yes';
    },
  });
  switch (outcome.status) {
    case 'in-sync': return EXIT.ok;
    case 'refused': return EXIT.failure;
    case 'stale':
      io.stderr(`lvsync: plan is stale: ${outcome.reason}; nothing was changed. Run lvsync plan --out again and review the new plan.\n`);
      return EXIT.failure;
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
