import { renderApplyReport } from '../../apply/render-report.js';
import { writePlanText } from '../../plan/render-text.js';
import { reconcileOnce, type ReconcileOutcome } from '../../reconcile/reconcile.js';
import { systemClock } from '../../watch/clock.js';
import { formatDuration } from '../../watch/duration.js';
import { planHealth, recordedHealth } from '../health-round.js';
import { LockedError } from '../../state/lock.js';
import type { GlobalArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';
import { loadDesiredOrExit, nothingToSettle, readLiveOrExit, sysctlOf } from '../shared.js';
import { isSavedPlanText, parseSavedPlan, staleReason, type SavedPlan } from '../../plan/saved.js';
import type { Plan } from '../../plan/types.js';
import { readFile } from 'node:fs/promises';
import { formatDiagnostic, type Diagnostic } from '../../diagnostics.js';
import type { LostInventoryResolution } from '../../plan/lost-inventory.js';

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
  /** run one round of health checks first */
  readonly health: boolean;
  /** delete at once instead of draining */
  readonly noDrain: boolean;
  /** --lost-inventory: what the services a lost inventory leaves in question are */
  readonly lostInventory?: LostInventoryResolution | null;
}

/** A saved plan carries the --lost-inventory it was made with; apply PLAN.json makes the same plan with it. */
function lostInventoryOf(args: ApplyArgs, saved: SavedPlan | null): LostInventoryResolution | null {
  const given = args.lostInventory ?? null;
  if (!saved) return given;
  if (given !== null && given !== saved.lostInventory) {
    throw new UsageError(`--lost-inventory ${given}: the saved plan was made with ${saved.lostInventory === null ? 'no --lost-inventory' : `--lost-inventory ${saved.lostInventory}`} and is applied as it was made; make a new plan with lvsync plan --out`);
  }
  return saved.lostInventory;
}

/** How often apply looks at the connection counts of what it drains. */
export const DRAIN_POLL_MS = 1000;

function drainProgress(outcome: ReconcileOutcome, now: number): string {
  const views = outcome.plan.drains ?? [];
  const parts = views.filter((v) => v.state === 'waiting').map((v) => `${v.record.what}: ${v.activeConnections} active, ${formatDuration(Math.max(0, v.record.deadline - now))} left`);
  return `draining ${parts.join('; ')}`;
}

// a pass that left the kernel as planned (drains may still be waiting)
function settled(outcome: ReconcileOutcome): boolean {
  return outcome.status === 'in-sync' || (outcome.status === 'applied' && outcome.report.converged);
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
  const clock = io.clock ?? systemClock;
  // apply writes the state directory: a file it cannot use is moved aside and reported on stderr at once
  const stateWarning = (w: Diagnostic) => io.stderr(`${formatDiagnostic(w)}\n`);
  const lostInventory = lostInventoryOf(args, saved);
  const withHealth = await planHealth(io, g.stateDir, desired, args.health, { repair: true, report: stateWarning });
  const planned = withHealth?.desired ?? desired;
  const deps = {
    ipvsadm,
    stateDir: g.stateDir,
    readLive: (thresholds: boolean) => readLiveOrExit(io, { ipvsadm: () => ipvsadm, thresholds }),
    sysctl: sysctlOf(io),
    ...(io.runCommand ? { ip: io.runCommand } : {}),
  };
  const common = {
    mode: 'apply' as const, perCommand: args.perCommand, allowMassDelete: args.allowMassDelete, noDrain: args.noDrain, now: () => clock.now(),
    lostInventory, onStateWarning: stateWarning,
  };
  let outcome = await reconcileOnce(planned, deps, {
    ...common,
    health: withHealth?.states,
    onPlan: (plan) => {
      io.trace?.(`planned: ${plan.operations.length} operations`);
      writePlanText(plan, { color: g.color }, io.stdout);
      io.trace?.('plan printed');
    },
    ...(saved ? { stale: (plan: Plan) => staleReason(saved, plan) } : {}),
    confirm: async (plan) => {
      if (!io.interactive || args.yes) return true;
      const answer = await io.prompt(`\nApply these ${plan.operations.length + plan.settings.length} operation(s) to ${io.hostname()}? Only 'yes' will be accepted: `);
      return answer.trim() === 'yes';
    },
  });
  if (lostInventory && !outcome.plan.lostInventory) io.stderr(nothingToSettle(g.stateDir));
  // The plan was confirmed once; drains then finish on their own (Ctrl-C leaves them recorded for the
  // next run). Each wait pass plans afresh with the health watch recorded meanwhile (not a stale
  // one), and a pass of the daemon holding the lock just means trying again a second later.
  let shown = '';
  let lastPrinted = -Infinity;
  const timedOut = [...outcome.drainEvents];
  while (outcome.drains.size > 0 && settled(outcome)) {
    if (outcome.status === 'applied') io.stdout(`\n${renderApplyReport(outcome.report)}`);
    if (shown === '') io.stdout(`Waiting for ${outcome.drains.size} drain(s) to finish (Ctrl-C stops waiting; the drains are recorded and the next apply or watch pass finishes them; --no-drain deletes at once).\n`);
    const line = drainProgress(outcome, clock.now());
    // without a terminal: a line when the connection counts change, or every 10 s
    const counts = line.replace(/, \S+ left/g, '');
    if (io.interactive) io.stderr(`\r\x1b[K${line}`);
    else if (counts !== shown || clock.now() - lastPrinted >= 10_000) { io.stderr(`${line}\n`); lastPrinted = clock.now(); }
    shown = counts;
    await new Promise<void>((resolve) => { clock.setTimeout(resolve, DRAIN_POLL_MS); });
    const fresh = args.health ? withHealth : await recordedHealth(io, g.stateDir, desired, { quiet: true, repair: true, report: stateWarning });
    try {
      outcome = await reconcileOnce(fresh?.desired ?? desired, deps, {
        ...common,
        health: fresh?.states,
        // what a later pass does (the deletes of finished drains) is shown like the first plan
        onPlan: (plan) => {
          if (plan.operations.length === 0) return;
          if (io.interactive) io.stderr('\r\x1b[K');
          io.stdout('\n');
          writePlanText(plan, { color: g.color }, io.stdout);
        },
      });
    } catch (err) {
      if (!(err instanceof LockedError)) throw err;
      continue;
    }
    timedOut.push(...outcome.drainEvents);
  }
  if (io.interactive && shown) io.stderr('\r\x1b[K');
  for (const e of timedOut) {
    if (e.kind === 'timed-out') io.stderr(`lvsync: drain of ${e.record.what} timed out with ${e.activeConnections} active connection(s); deleted anyway\n`);
  }
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
