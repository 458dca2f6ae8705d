import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { hostPort } from '../model/keys.js';
import { checkBudget } from '../health/budget.js';
import { readOpenFileLimit } from '../health/fd-limit.js';
import { createHealthMonitor } from '../health/monitor.js';
import { healthTargets } from '../health/targets.js';
import type { HealthState } from '../health/types.js';
import type { DesiredState, ServicePolicy } from '../model/types.js';
import { systemClock } from '../watch/clock.js';
import { formatDuration } from '../watch/duration.js';
import { healthFilePath, readHealthFile } from '../state/health-file.js';
import type { CliIo } from './io.js';

/**
 * The health that `plan` and `apply` plan with:
 *  - `--health`: one round of every declared check now. A one-shot has no history, so a failed check
 *    counts as down, and `onFailure: remove` is only a quiesce (one failed probe must not delete a
 *    server and its connections).
 *  - otherwise the states the watch daemon recorded in health.json, when they are fresh, so a manual
 *    apply on a director does not put servers the daemon took out back into rotation.
 * What was found goes to stderr; stdout stays the plan.
 */

/** A recorded state older than this is not trusted (the daemon checks every few seconds). */
export const RECORDED_HEALTH_MAX_AGE_MS = 60_000;

export interface PlanHealth {
  readonly states: ReadonlyMap<string, HealthState>;
  /** the desired state to plan with: for a one-shot round, `remove` downgraded to quiesce */
  readonly desired: DesiredState;
}

function quiesceOnly(desired: DesiredState): DesiredState {
  if (!desired.policies) return desired;
  const policies = new Map<string, ServicePolicy>();
  for (const [key, p] of desired.policies) {
    const checks = new Map([...p.checks].map(([k, c]) => [k, c.onFailure === 'remove' ? { ...c, onFailure: 'quiesce' as const } : c]));
    policies.set(key, { ...p, checks });
  }
  return { ...desired, policies };
}

export async function runHealthRound(io: CliIo, desired: DesiredState): Promise<PlanHealth> {
  const targets = healthTargets(desired);
  if (targets.length === 0) {
    io.stderr('lvsync: --health: no real server declares a health check\n');
    return { states: new Map(), desired };
  }
  // the probes (and execa, for exec checks) are loaded only when a round runs: plan and apply without --health never need them
  const probe = io.probe ?? (await import('../health/probe.js')).createProbe();
  // as many checks at once as the open-file limit allows: a hanging server then costs one timeout, not its share of a queue
  const budget = checkBudget(readOpenFileLimit());
  const monitor = createHealthMonitor({ clock: io.clock ?? systemClock, probe, concurrency: budget.sockets, execConcurrency: budget.exec });
  const states = await monitor.runRound(targets);
  await monitor.stop();
  const down = targets.filter((t) => states.get(t.target.id)?.status === 'down');
  io.stderr(`lvsync: --health: checked ${targets.length} real server(s), ${down.length} down\n`);
  for (const t of down) {
    const detail = states.get(t.target.id)?.lastResult?.detail ?? 'failed';
    io.stderr(`  down: ${hostPort(t.target.address, t.target.port)} of ${t.target.service} (${t.check.type}): ${detail}\n`);
  }
  return { states, desired: quiesceOnly(desired) };
}

export interface RecordedHealthOptions {
  readonly quiet?: boolean;
  /** move an unusable health.json aside (apply); plan only reports it */
  readonly repair?: boolean;
  /** where its STATE_FILE warning goes; default: stderr */
  readonly report?: (warning: Diagnostic) => void;
}

/** The daemon's recorded health, when fresh and some server is down; undefined otherwise (plan the config). */
export async function recordedHealth(io: CliIo, stateDir: string, desired: DesiredState, options: RecordedHealthOptions = {}): Promise<PlanHealth | undefined> {
  const clock = io.clock ?? systemClock;
  const { states: recorded, warning } = await readHealthFile(stateDir, { repair: options.repair ?? false, now: () => clock.now() });
  if (warning) (options.report ?? ((w: Diagnostic) => io.stderr(`${formatDiagnostic(w)}\n`)))(warning);
  if (recorded.length === 0) return undefined;
  const now = clock.now();
  const ids = new Set(healthTargets(desired).map((t) => t.target.id));
  const fresh = recorded.filter((s) => ids.has(s.id) && s.lastCheckAt !== null && now - s.lastCheckAt <= RECORDED_HEALTH_MAX_AGE_MS);
  const down = fresh.filter((s) => s.status === 'down');
  if (down.length === 0) return undefined;
  const oldest = Math.max(...fresh.map((s) => now - (s.lastCheckAt ?? now)));
  if (!options.quiet) io.stderr(`lvsync: using the health recorded by lvsync watch (${healthFilePath(stateDir)}, checked at most ${formatDuration(oldest)} ago): ${down.length} real server(s) down; --health checks now\n`);
  return { states: new Map(fresh.map((s) => [s.id, s])), desired };
}

export async function planHealth(io: CliIo, stateDir: string, desired: DesiredState, runRound: boolean, options: Omit<RecordedHealthOptions, 'quiet'> = {}): Promise<PlanHealth | undefined> {
  return runRound ? runHealthRound(io, desired) : recordedHealth(io, stateDir, desired, options);
}
