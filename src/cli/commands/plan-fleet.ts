import { loadDesired } from '../../desired/load.js';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../../diagnostics.js';
import type { DesiredState } from '../../model/types.js';
import { createPlan } from '../../plan/plan.js';
import { renderPlanJson } from '../../plan/render-json.js';
import { renderPlanMarkdown, type DirectorPlan } from '../../plan/render-markdown.js';
import { renderPlanText } from '../../plan/render-text.js';
import { isEmptyPlan } from '../../plan/types.js';
import type { GlobalArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';
import { CommandExit, readLiveOrExit } from '../shared.js';
import { unobservedThresholds } from '../../plan/thresholds.js';
import { missingSnapshot, snapshotPath, snapshotsIn } from '../snapshots.js';

/**
 * `lvsync plan PATH... --all-directors --live-dir DIR`: every director of the fleet planned from its
 * snapshot, DIR/<name>.save, in one run, so a pull request shows what a change does to each of them.
 * The directors are those the config names (`directors` lists, label members, pairs, override keys)
 * and every DIR/*.save; one the config names without a snapshot is an error naming the file.
 * Snapshots carry no inventory, so plans use none (as plan-all.sh did with an empty state directory).
 */

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every director's desired state; diagnostics are printed once even when every director repeats them. */
export async function loadEveryDirector(io: CliIo, paths: readonly string[], directors: readonly string[]): Promise<Map<string, DesiredState>> {
  const seen = new Set<string>();
  const all: Diagnostic[] = [];
  const states = new Map<string, DesiredState>();
  for (const director of directors) {
    const { state, diagnostics } = await loadDesired(paths, { director });
    for (const d of diagnostics) {
      const text = formatDiagnostic(d);
      if (!seen.has(text)) { seen.add(text); all.push(d); }
    }
    if (state) states.set(director, state);
  }
  for (const d of all) io.stderr(`${formatDiagnostic(d)}\n`);
  if (hasErrors(all) || states.size < directors.length) {
    const errors = all.filter((d) => d.severity === 'error').length;
    io.stderr(`lvsync: the desired state is invalid (${errors} error${errors === 1 ? '' : 's'}); nothing was changed.\n`);
    throw new CommandExit(EXIT.invalid);
  }
  return states;
}

/** The fleet's director names (sorted), from the config alone; invalid configs end the command (exit 3). */
export async function fleetDirectors(io: CliIo, paths: readonly string[]): Promise<string[]> {
  const base = await loadDesired(paths);
  if (hasErrors(base.diagnostics)) {
    for (const d of base.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
    io.stderr('lvsync: the desired state is invalid; nothing was changed.\n');
    throw new CommandExit(EXIT.invalid);
  }
  return [...(base.fleet?.directors ?? [])];
}

/** What planAllDirectors reads of plan's arguments (plan.ts's PlanArgs). */
export interface AllDirectorsArgs {
  readonly paths: readonly string[];
  readonly live?: string | undefined;
  readonly liveDir?: string | undefined;
  readonly out?: string | undefined;
  readonly json: boolean;
  readonly format: 'text' | 'json' | 'markdown';
  readonly diff: boolean;
  readonly detailedExitcode: boolean;
  readonly allowMassDelete: boolean;
}

export async function planAllDirectors(io: CliIo, g: GlobalArgs, args: AllDirectorsArgs): Promise<number> {
  if (args.liveDir === undefined) throw new UsageError('--all-directors needs --live-dir DIR (the directors\' snapshots, DIR/<name>.save)');
  if (args.live !== undefined) throw new UsageError('--all-directors reads DIR/<name>.save for each director; --live names one table, so leave it out');
  if (args.out !== undefined) throw new UsageError('--out saves one director\'s plan; run plan --director NAME --live-dir DIR --out FILE for each director to save');
  const named = await fleetDirectors(io, args.paths);
  const snapshots = await snapshotsIn(args.liveDir);
  const missing = named.filter((d) => !snapshots.includes(d));
  if (missing.length) {
    for (const d of missing) io.stderr(missingSnapshot(args.liveDir, d));
    return EXIT.failure;
  }
  const directors = [...new Set([...named, ...snapshots])].sort(byName);
  if (directors.length === 0) throw new UsageError(`the config names no directors and ${args.liveDir} holds no *.save snapshot; nothing to plan`);
  const states = await loadEveryDirector(io, args.paths, directors);
  const plans: (DirectorPlan & { file: string; diff: Parameters<typeof renderPlanText>[1] })[] = [];
  for (const director of directors) {
    const desired = states.get(director)!;
    const file = snapshotPath(args.liveDir, director);
    const live = await readLiveOrExit(io, { liveFile: file, ipvsadm: () => io.createIpvsadm(g.ipvsadm), thresholds: false });
    const plan = createPlan(desired, live, { inventory: new Set(), allowMassDelete: args.allowMassDelete, warnings: unobservedThresholds(desired, live) });
    plans.push({ director, plan, file, diff: { color: g.color, diff: args.diff ? { live, desired: desired.table } : null } });
  }
  const format = args.json ? 'json' : args.format;
  if (format === 'json') {
    const doc = { formatVersion: 1, directors: Object.fromEntries(plans.map((p) => [p.director, JSON.parse(renderPlanJson(p.plan)) as unknown])) };
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
  } else if (format === 'markdown') {
    io.stdout(renderPlanMarkdown(plans));
  } else {
    io.stdout(plans.map((p) => `=== director ${p.director} (live: ${p.file}) ===\n\n${renderPlanText(p.plan, p.diff)}`).join('\n'));
  }
  if (plans.some((p) => p.plan.refusal)) return EXIT.failure;
  if (args.detailedExitcode && plans.some((p) => !isEmptyPlan(p.plan))) return EXIT.changes;
  return EXIT.ok;
}
