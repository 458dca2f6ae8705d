import type { Logger } from 'pino';
import type { DesiredResult } from '../desired/parse.js';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../diagnostics.js';
import { drainStepTargets, drainTargets, onDrainTarget, type DrainEvent } from '../drain/plan-drains.js';
import { targetId } from '../health/overlay.js';
import type { HealthState } from '../health/types.js';
import type { DesiredState } from '../model/types.js';
import { operationToArgv } from '../plan/to-argv.js';
import { operationTargetKey, revisePlan, type Plan } from '../plan/types.js';
import { reconcileOnce, type KnownLive, type ReconcileDeps, type ReconcileOutcome } from '../reconcile/reconcile.js';
import type { Clock } from './clock.js';
import { driftItems, driftKey, type DriftItem } from './drift.js';
import type { PassVerdict, TriggerReason } from './loop.js';
import { observePass, type DaemonMetrics } from './metrics.js';
import { rehearsePlanAndDrains } from './rehearse.js';
import type { StateFileReporter } from './state-files.js';
import { MAX_PASSES, isSuccess, type DaemonStatus, type PassOutcome, type PassRecord } from './status.js';

/**
 * One pass of the daemon: reload the config (keeping the last good one when it is invalid), then
 * reconcileOnce against the live table, then turn what happened into a log line, metrics and the
 * status the HTTP endpoints serve. Every error is classified here; nothing escapes to the loop.
 */

export interface PassDeps {
  readonly paths: readonly string[];
  readonly mode: 'apply' | 'detect-only';
  readonly perCommand: boolean;
  readonly allowMassDelete: boolean;
  readonly reconcile: ReconcileDeps;
  readonly load: (paths: readonly string[]) => Promise<DesiredResult>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: DaemonMetrics;
  readonly status: DaemonStatus;
  /** runs first (the file watcher re-resolves symlinks) */
  readonly beforePass?: () => Promise<void>;
  /** the config turned valid or invalid, before the rest of the pass (VRRP readiness need not wait for it) */
  readonly onValidityChange?: () => void;
  /** state files the pass could not use (STATE_FILE): logged once, counted, listed in the status */
  readonly stateFiles?: StateFileReporter;
  /** the health monitor: told about each new desired state, asked for the states at every pass */
  readonly health?: {
    update(desired: DesiredState): void;
    states(): ReadonlyMap<string, HealthState>;
  };
  /** LVSYNC_TRACE */
  readonly trace?: (event: string) => void;
  /**
   * a pass for a config change, a health change or a drain step plans from the table the previous
   * pass read (its verification read after an apply) when the kernel was read less than this ago;
   * 0 or absent: every pass reads the table. The interval's passes, start-up, retries and SIGHUP
   * always read it, and the age counts from the read, so drift is seen within about this long.
   */
  readonly reuseLiveForMs?: number;
  /** the desired state of a rehearsed config change (load.ts rehearseChange), or null */
  readonly rehearse?: () => DesiredState | null;
  /** REHEARSAL_BUDGET_MS unless given */
  readonly rehearsalBudgetMs?: number;
}

export type PassRunner = ((reasons: readonly TriggerReason[]) => Promise<PassVerdict>) & {
  /**
   * Runs a config change's load and plan once without applying anything, so that the first real
   * change finds V8's code compiled (load.ts rehearseChange); at most REHEARSALS times in the
   * daemon's life, each after a pass has read the table. Returns how long it took, or null when it
   * did not run (done, or nothing to rehearse yet). rehearse.ts says what runs: the plan, and the
   * drain planning of a change that removes a server.
   */
  rehearse(): Promise<number | null>;
};

/**
 * How many rehearsals warm a config change. V8 compiles a function in tiers as it keeps running
 * (interpreter, baseline, optimised), so one rehearsal leaves the code half-warm. The load of a 1%
 * change at 1,000 × 4 in the emulated VM of the benchmark, call after call: 1.69 s (the first), then
 * 0.36, 0.24, 0.31, 0.14, 0.16, 0.11, 0.08, 0.07, 0.07 s; 0.05 s once fully optimised (issue 13:
 * bench/load-change.ts). Eight rehearsals cost the daemon one idle second there,
 * and 10-20 ms of CPU on real hardware, once.
 */
export const REHEARSALS = 8;

/**
 * And at most this much time in all: at 50,000 services (50 files) the load of one rehearsal alone
 * is 0.21–0.35 s on the host (10,000: 0.06–0.12 s), and a big config's passes are long anyway; the
 * first rehearsals do most of the warming.
 */
export const REHEARSAL_BUDGET_MS = 5000;

/** The passes that may plan from the previous pass's read: none of them exists to look at the kernel. */
const REUSES_LIVE: ReadonlySet<TriggerReason> = new Set<TriggerReason>(['config-changed', 'health', 'drain']);

/** Commands a pass's log line lists; the rest are counted (`commandsOmitted`): `lvsync plan` shows them all. */
export const LOGGED_COMMANDS = 100;

/** While drains wait, passes come this often (at most) to poll their connection counts. */
export const DRAIN_POLL_MS = 2000;

interface Result {
  readonly outcome: PassOutcome;
  readonly summary: string;
  readonly applied?: number;
  readonly drift?: number;
  readonly retry: boolean;
  readonly soonMs?: number;
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const countsOf = new WeakMap<DesiredState, { services: number; servers: number }>();

// every pass notes the config; an unchanged one is the same object, counted once
function counts(desired: DesiredState): { services: number; servers: number } {
  let c = countsOf.get(desired);
  if (!c) {
    let servers = 0;
    for (const svc of desired.table.services.values()) servers += svc.servers.size;
    countsOf.set(desired, c = { services: desired.table.services.size, servers });
  }
  return c;
}

function diagnosticFields(d: Diagnostic) {
  return { code: d.code, severity: d.severity, file: d.file, line: d.line, col: d.col };
}

export function createPass(deps: PassDeps): PassRunner {
  const { status, metrics, log, clock } = deps;
  let seq = 0;
  let lastDiagnostics = '';
  /** desired digest of the last pass that ended in sync: a difference against the same desired state is drift */
  let convergedDigest: string | null = null;
  let driftSeen = new Set<string>();
  let failingOpen = new Set<string>();
  let healthDesired: DesiredState | null = null;
  /** the last table a pass read (never one it was handed): what the next eligible pass plans from */
  let lastRead: KnownLive | null = null;

  function knownLiveFor(reasons: readonly TriggerReason[]): KnownLive | null {
    const maxAge = deps.reuseLiveForMs ?? 0;
    if (deps.mode !== 'apply' || !lastRead || maxAge <= 0 || reasons.length === 0) return null;
    if (!reasons.every((r) => REUSES_LIVE.has(r))) return null;
    return clock.now() - lastRead.readAt < maxAge ? lastRead : null;
  }

  // readAt is when the kernel was read, never when a read was reused: the age bound then also bounds
  // how long drift can go unseen while health or drain passes keep the interval's pass away
  function rememberRead(outcome: ReconcileOutcome, passStartedAt: number): void {
    if (outcome.status === 'applied') lastRead = { table: outcome.report.liveAfter, thresholds: outcome.thresholds, readAt: clock.now() };
    else if (!outcome.liveKnown) lastRead = { table: outcome.live, thresholds: outcome.thresholds, readAt: passStartedAt };
  }

  // drains are asynchronous in the daemon: each start and end is a log line and a metric
  function reportDrains(events: readonly DrainEvent[], outcome: ReconcileOutcome): void {
    for (const e of events) {
      const fields = { drain: { target: e.record.what, activeConnections: e.activeConnections, startedAt: e.record.startedAt, deadline: e.record.deadline } };
      if (e.kind === 'started') log.info(fields, `draining ${e.record.what}: weight 0, ${plural(e.activeConnections, 'active connection')}; deleted when they end, at the latest in ${Math.round((e.record.deadline - e.record.startedAt) / 1000)}s`);
      else if (e.kind === 'drained') log.info(fields, `drained ${e.record.what}: no active connections left; deleting it`);
      else if (e.kind === 'timed-out') log.warn(fields, `drain of ${e.record.what} timed out with ${plural(e.activeConnections, 'active connection')}; deleting it anyway`);
      else log.info(fields, `drain of ${e.record.what} cancelled: it is declared again or gone from the kernel`);
      if (e.kind !== 'started') metrics.drainsFinished.labels(e.kind).inc();
    }
    metrics.drainsInProgress.set(outcome.drains.size);
    status.drains = (outcome.plan.drains ?? []).filter((d) => d.state === 'waiting');
  }

  // "all real servers failed: failing open" is logged loudly when it starts, and once when it ends
  function reportHealth(outcome: ReconcileOutcome): void {
    status.healthAdjustments = outcome.plan.health ?? [];
    const now = new Set<string>();
    for (const w of outcome.plan.warnings) {
      if (w.code !== 'HEALTH_FAIL_OPEN') continue;
      now.add(w.message);
      if (!failingOpen.has(w.message)) log.error({ diagnostic: diagnosticFields(w) }, `all real servers failed: failing open: ${w.message}`);
    }
    if (failingOpen.size > 0 && now.size === 0) log.info('fail-open over: health checks pass again');
    failingOpen = now;
    status.failOpen = [...now];
  }

  // the daemon never settles a lost inventory (it never confirms anything): it keeps the services,
  // says so when their number changes, and shows them on the status page
  function reportLostInventory(plan: Plan): void {
    const lost = plan.lostInventory ?? null;
    const n = lost?.services.length ?? 0;
    if (lost && n !== (status.lostInventory?.services.length ?? 0)) {
      log.warn({ lostInventory: { services: lost.services.map((svc) => svc.key), movedTo: lost.movedTo } },
        `the inventory was lost: ${plural(n, 'live service')} neither declared nor inside the scope kept (lvsync may have created them); \`lvsync apply PATH... --lost-inventory delete\` deletes them, \`--lost-inventory keep\` keeps them as not lvsync's`);
    }
    status.lostInventory = lost;
    metrics.lostInventoryServices.set(n);
  }

  function noteConfig(loaded: DesiredResult, valid: boolean, now: number): void {
    const text = loaded.diagnostics.map(formatDiagnostic).join('\n');
    const wasValid = status.config.valid;
    status.config = { ...status.config, valid, diagnostics: loaded.diagnostics, checkedAt: now };
    metrics.configValid.set(valid ? 1 : 0);
    if (text !== lastDiagnostics || wasValid !== valid) {
      for (const d of loaded.diagnostics) log[d.severity === 'error' ? 'error' : 'warn']({ diagnostic: diagnosticFields(d) }, formatDiagnostic(d));
      if (!valid) {
        const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
        log.error({ errors }, status.desired
          ? `config invalid (${plural(errors, 'error')}): keeping the last good config; nothing from these files reaches the kernel`
          : `config invalid (${plural(errors, 'error')}) and no valid config loaded yet: the kernel is left untouched`);
      } else if (wasValid === false) {
        log.info('config valid again');
      }
    }
    lastDiagnostics = text;
    if (valid && loaded.state) {
      status.desired = loaded.state;
      status.config.lastGoodAt = now;
      const c = counts(loaded.state);
      metrics.services.set(c.services);
      metrics.realServers.set(c.servers);
    }
    // only a change to invalid is told early: becoming ready again waits for the pass to succeed
    if (wasValid !== valid && !valid) deps.onValidityChange?.();
  }

  function reportDrift(items: readonly DriftItem[], isDrift: boolean, plan: Plan, now: number): number {
    if (items.length === 0) return 0;
    if (!isDrift) {
      // a health change or a drain step moves the table away from the config too, and says so
      const adjusted = new Set((plan.health ?? []).map((a) => targetId(a.service, a.server)));
      const drained = drainTargets(plan);
      const health = plan.operations.every((op) => adjusted.has(operationTargetKey(op)));
      const drain = plan.operations.every((op) => onDrainTarget(op, drained));
      const what = health ? 'health changed' : drain ? 'drain step' : 'config changed';
      // the first LOGGED_COMMANDS only: a cold start of 2,300 × 16 would be one 2.5 MB log line
      const shown = plan.operations.slice(0, LOGGED_COMMANDS).map((op) => `ipvsadm ${operationToArgv(op).join(' ')}`);
      const omitted = plan.operations.length - shown.length;
      log.info(omitted > 0 ? { commands: shown, commandsOmitted: omitted } : { commands: shown },
        `${what}: ${deps.mode === 'apply' ? 'applying' : 'would apply'} ${plural(plan.operations.length, 'operation')}`);
      return 0;
    }
    const seen = new Set<string>();
    for (const item of items) {
      const key = driftKey(item);
      seen.add(key);
      if (!driftSeen.has(key)) metrics.driftEvents.labels(item.object).inc();
      log.warn({ drift: { object: item.object, service: item.service, server: item.server, field: item.field, desired: item.desired, live: item.live } },
        `${item.text}, changed outside lvsync${deps.mode === 'detect-only' ? ' (not corrected: --detect-only)' : ''}`);
    }
    driftSeen = seen;
    status.lastDrift = { at: now, items, corrected: false };
    return items.length;
  }

  function classify(outcome: ReconcileOutcome, now: number): Result {
    const plan = outcome.plan;
    // a drain's own steps (the quiesce that starts it, the delete that ends it) are not drift
    const steps = drainStepTargets(plan);
    const items = driftItems(steps.size === 0 ? plan : revisePlan(plan, { operations: plan.operations.filter((op) => !onDrainTarget(op, steps)) }));
    const isDrift = deps.mode === 'detect-only' || convergedDigest === plan.desiredDigest;
    const drift = reportDrift(items, isDrift, plan, now);
    if (!isDrift || items.length === 0) driftSeen = new Set();
    status.live = outcome.status === 'applied' ? outcome.report.liveAfter : outcome.live;
    switch (outcome.status) {
      case 'in-sync':
        convergedDigest = plan.desiredDigest;
        status.currentDrift = [];
        return { outcome: 'in-sync', summary: `in sync (${plural(status.desired!.table.services.size, 'declared service')})`, retry: false };
      case 'detected':
        status.currentDrift = items;
        return { outcome: 'drift-detected', summary: `${plural(items.length, 'difference')} found, not corrected (--detect-only)`, drift, retry: false };
      case 'refused':
        status.currentDrift = items;
        log.error({ diagnostic: plan.refusal ? diagnosticFields(plan.refusal) : undefined }, plan.refusal ? formatDiagnostic(plan.refusal) : 'plan refused');
        return { outcome: 'refused', summary: plan.refusal?.message ?? 'plan refused', drift, retry: false };
      case 'cancelled':
      case 'stale': // neither happens in the daemon: it never confirms and never applies saved plans
        return { outcome: 'failed', summary: outcome.status, retry: true };
      case 'applied': {
        const { report } = outcome;
        for (const op of report.tookEffect) metrics.operations.labels(op.kind).inc();
        for (const f of report.failed) {
          metrics.operationFailures.labels(f.operation.kind).inc();
          log.error({ command: ['ipvsadm', ...f.args].join(' '), exitCode: f.exitCode, stderr: f.stderr }, `ipvsadm ${f.args.join(' ')} failed (exit ${f.exitCode}): ${f.stderr || 'no message'}`);
        }
        // sysctl writes and `ip addr` commands (VIPs) fail outside the table; said the same way
        for (const f of report.settingsFailed) {
          log.error({ command: f.command, exitCode: f.exitCode, stderr: f.message }, `${f.command} failed${f.exitCode === null ? '' : ` (exit ${f.exitCode})`}: ${f.message || 'no message'}`);
        }
        const corrected = isDrift && drift > 0 ? `, corrected ${plural(drift, 'drift item')}` : '';
        if (report.converged) {
          convergedDigest = plan.desiredDigest;
          status.currentDrift = [];
          if (status.lastDrift && drift > 0) status.lastDrift = { ...status.lastDrift, corrected: true };
          driftSeen = new Set();
          return { outcome: 'applied', summary: `applied ${plural(report.tookEffect.length, 'operation')}${corrected}`, applied: report.tookEffect.length, drift, retry: false };
        }
        status.currentDrift = driftItems(report.remaining);
        const first = report.failed[0];
        const firstSetting = report.settingsFailed[0];
        const why = first ? `; first failure: ipvsadm ${first.args.join(' ')}: ${first.stderr || `exit ${first.exitCode}`}`
          : firstSetting ? `; first failure: ${firstSetting.command}: ${firstSetting.message || `exit ${firstSetting.exitCode}`}` : '';
        return {
          outcome: 'failed',
          summary: `not converged: ${report.tookEffect.length} of ${plural(plan.operations.length, 'operation')} took effect, ${report.failed.length} failed, ${report.notAttempted.length} not attempted${why}`,
          applied: report.tookEffect.length, drift, retry: true,
        };
      }
    }
    return { outcome: 'failed', summary: 'unknown reconcile outcome', retry: true };
  }

  async function run(reasons: readonly TriggerReason[], startedAt: number): Promise<Result> {
    if (deps.beforePass) await deps.beforePass().catch((err: unknown) => log.warn({ err: String(err) }, 'could not refresh the file watcher'));
    const loaded = await deps.load(deps.paths);
    deps.trace?.(`desired state loaded: ${loaded.state?.table.services.size ?? 0} services, ${loaded.diagnostics.length} diagnostics`);
    const valid = loaded.state !== null && !hasErrors(loaded.diagnostics);
    noteConfig(loaded, valid, startedAt);
    const desired = status.desired;
    if (!desired) return { outcome: 'invalid-config', summary: 'no valid config loaded yet; the kernel was not touched', retry: false };
    if (deps.health && desired !== healthDesired) {
      deps.health.update(desired);
      healthDesired = desired;
      deps.trace?.('health checks updated for the new desired state');
    }
    // reported even when the pass fails after reading them: a file moved aside is not met again
    const stateWarnings: Diagnostic[] = [];
    try {
      const reconcile = (knownLive: KnownLive | null) => reconcileOnce(desired, deps.reconcile, {
        mode: deps.mode, perCommand: deps.perCommand, allowMassDelete: deps.allowMassDelete,
        health: deps.health?.states(), now: () => clock.now(), onStateWarning: (w) => { stateWarnings.push(w); }, knownLive,
      });
      let outcome = await reconcile(knownLiveFor(reasons));
      if (outcome.liveKnown && outcome.status === 'applied' && !outcome.report.converged) {
        // planned from a table changed (by hand, or another tool) since it was read: the same pass
        // reads it now and plans again, with connection counts for drains and the drift it shows
        const { report } = outcome;
        const first = report.failed[0];
        log.warn({ tookEffect: report.tookEffect.length, stillToDo: report.remaining.operations.length },
          `the table had changed since it was last read (${report.remaining.operations.length} of ${plural(report.plan.operations.length, 'operation')} did not take effect${first ? `; ipvsadm ${first.args.join(' ')}: ${first.stderr || `exit ${first.exitCode}`}` : report.batchStderr ? `: ${report.batchStderr.split('\n')[0]}` : ''}): reading it again`);
        for (const op of report.tookEffect) metrics.operations.labels(op.kind).inc();
        reportDrains(outcome.drainEvents, outcome);
        lastRead = null;
        outcome = await reconcile(null);
      }
      rememberRead(outcome, startedAt);
      deps.stateFiles?.pass(stateWarnings);
      reportLostInventory(outcome.plan);
      reportHealth(outcome);
      reportDrains(outcome.drainEvents, outcome);
      const result = classify(outcome, clock.now());
      if (outcome.drains.size === 0 || deps.mode !== 'apply') return result;
      return { ...result, summary: `${result.summary}; draining ${plural(outcome.drains.size, 'target')}`, soonMs: DRAIN_POLL_MS };
    } catch (err) {
      lastRead = null;
      deps.stateFiles?.pass(stateWarnings);
      const message = err instanceof Error ? err.message : String(err);
      status.lastError = message;
      log.error({ err: { type: err instanceof Error ? err.name : typeof err, message } }, `pass failed: ${message}`);
      return { outcome: 'failed', summary: message, retry: true };
    }
  }

  let rehearsals = 0;
  let rehearsedMs = 0;
  async function rehearse(): Promise<number | null> {
    if (rehearsals >= REHEARSALS || rehearsedMs >= (deps.rehearsalBudgetMs ?? REHEARSAL_BUDGET_MS) || !deps.rehearse || !lastRead) return null;
    const t0 = performance.now();
    // counted before it runs: one that throws is not retried for ever
    rehearsals++;
    try {
      const desired = deps.rehearse();
      if (!desired) { rehearsals--; return null; }
      const health = deps.health?.states();
      await rehearsePlanAndDrains({ desired, live: lastRead.table, ipvsadm: deps.reconcile.ipvsadm, allowMassDelete: deps.allowMassDelete, now: clock.now(), ...(health ? { health } : {}) });
      return performance.now() - t0;
    } finally {
      rehearsedMs += performance.now() - t0;
    }
  }

  const runPass = async (reasons: readonly TriggerReason[]): Promise<PassVerdict> => {
    const startedAt = clock.now();
    const n = ++seq;
    deps.trace?.(`pass ${n} started (${reasons.join(', ')})`);
    let result: Result;
    try {
      result = await run(reasons, startedAt);
    } catch (err) {
      // loading or the watcher threw: not expected, but the daemon must survive it
      const message = err instanceof Error ? err.message : String(err);
      status.lastError = message;
      result = { outcome: 'failed', summary: message, retry: true };
    }
    const end = clock.now();
    const durationMs = end - startedAt;
    const record: PassRecord = {
      seq: n, startedAt, durationMs, reasons, outcome: result.outcome, configValid: status.config.valid === true,
      applied: result.applied ?? 0, drift: result.drift ?? 0, summary: result.summary,
    };
    status.passes = [record, ...status.passes].slice(0, MAX_PASSES);
    observePass(metrics, result.outcome, durationMs);
    if (isSuccess(result.outcome)) {
      status.lastSuccessAt = end;
      status.lastError = null;
      metrics.lastSuccess.set(end / 1000);
    }
    status.consecutiveFailures = result.retry ? status.consecutiveFailures + 1 : 0;
    metrics.consecutiveFailures.set(status.consecutiveFailures);
    metrics.driftCurrent.set(status.currentDrift.length);
    const level = isSuccess(result.outcome) ? 'info' : result.outcome === 'failed' ? 'error' : 'warn';
    const config = status.config.valid === false && status.desired ? ' [config invalid: the last good config is in force]' : '';
    deps.trace?.(`pass ${n} ${result.outcome}: ${result.summary}`);
    log[level]({ pass: n, outcome: result.outcome, durationMs, reasons, configValid: status.config.valid === true, applied: record.applied, drift: record.drift },
      `pass ${n} ${result.outcome} in ${durationMs} ms: ${result.summary}${config}`);
    return result.soonMs === undefined ? { retry: result.retry } : { retry: result.retry, soonMs: result.soonMs };
  };
  return Object.assign(runPass, { rehearse });
}
