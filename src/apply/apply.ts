import type { Ipvsadm } from '../ipvsadm/port.js';
import type { Table } from '../model/types.js';
import { settingTargetKey, splitSettings } from '../plan/settings.js';
import { createExecRunner } from '../realserver/exec-runner.js';
import type { CommandRunner } from '../realserver/runner.js';
import { isEmptyPlan, operationTargetKey, type Operation, type Plan, type SettingChange } from '../plan/types.js';
import { createProcSysctl } from '../sysctl/proc.js';
import type { Sysctl } from '../sysctl/port.js';
import { runBatch, runPerCommand, type CommandFailure } from './execute.js';
import { runSettings, settingsRestoreLines, type SettingFailure } from './settings.js';

export interface ApplyDeps {
  readonly ipvsadm: Ipvsadm;
  /** re-reads the live table (with thresholds when they matter, and the declared kernel settings) */
  readonly readLive: () => Promise<Table>;
  /** where sysctls are written; defaults to /proc/sys */
  readonly sysctl?: Sysctl;
  /** runs `ip` for VIP addresses; defaults to the real program */
  readonly ip?: CommandRunner;
}

export interface ApplyOptions {
  readonly perCommand: boolean;
  /** plans again from a table read after applying, the same way `plan` was made (src/reconcile/plan-pass.ts) */
  readonly replan: (live: Table) => Plan;
  /**
   * after a batch, retry what did not take effect one command at a time (default). The daemon turns
   * it off when the plan came from an earlier read of the table: what is left then is planned again
   * from a fresh read, with connection counts for drains, rather than retried from a re-plan without them
   */
  readonly retry?: boolean;
}

/** What an apply did, precisely enough that a person can tell what the director holds now. */
export interface ApplyReport {
  readonly mode: 'batch' | 'per-command';
  readonly plan: Plan;
  readonly tookEffect: readonly Operation[];
  readonly failed: readonly CommandFailure[];
  readonly notAttempted: readonly Operation[];
  /** stderr of the -R batch, when one ran and said anything */
  readonly batchStderr: string;
  /** operations that did not take effect in the batch and were retried one by one to pinpoint failures */
  readonly retried: number;
  /** the plan from the table re-read after applying: empty means converged */
  readonly remaining: Plan;
  readonly converged: boolean;
  readonly liveAfter: Table;
  /** setting changes of the plan that the re-read shows in place */
  readonly settingsTookEffect: readonly SettingChange[];
  /** setting commands that failed (sysctl writes, or ipvsadm settings retried one by one) */
  readonly settingsFailed: readonly SettingFailure[];
}

/**
 * Apply a plan and verify it. Success is defined by the kernel, not by exit codes: after applying,
 * the table is re-read and re-planned, and only an empty second plan is success. In batch mode,
 * whatever did not take effect is retried one command per process, which both repairs transient
 * failures and attributes each remaining failure to its exact command and stderr.
 */
export async function applyPlan(plan: Plan, deps: ApplyDeps, options: ApplyOptions): Promise<ApplyReport> {
  let failed: readonly CommandFailure[] = [];
  let notAttempted: readonly Operation[] = [];
  let batchStderr = '';
  let retried = 0;
  const settingsDeps = { ipvsadm: deps.ipvsadm, sysctl: deps.sysctl ?? createProcSysctl(), ip: deps.ip ?? createExecRunner() };
  // VIP deletes wait for the table (src/plan/settings.ts isLateSetting); the rest goes first
  const { before, after } = splitSettings(plan.settings);
  let settingsFailed: SettingFailure[] = [];
  /**
   * The table read after the batch and its plan, when that plan was empty. Re-reading it was a third
   * `ipvsadm -S -n` + parse + plan per apply (in the VM profile of a 10k x 4 cold start, 4-6% of the
   * apply) of a table nothing had touched since (bench/, issue 6).
   */
  let verified: { readonly live: Table; readonly plan: Plan } | null = null;

  if (options.perCommand) {
    settingsFailed = await runSettings(before, settingsDeps, 'all');
    const result = await runPerCommand(deps.ipvsadm, plan.operations);
    failed = result.failed;
    notAttempted = result.notAttempted;
    settingsFailed = [...settingsFailed, ...await runSettings(after, settingsDeps, 'all')];
  } else {
    // sysctls and addresses are not ipvsadm lines: run first, one by one; the other settings lead the batch
    settingsFailed = await runSettings(before, settingsDeps, 'direct');
    const batch = await runBatch(deps.ipvsadm, plan.operations, settingsRestoreLines(before));
    batchStderr = batch.stderr.trim();
    settingsFailed = [...settingsFailed, ...await runSettings(after, settingsDeps, 'direct')];
    const liveAfterBatch = await deps.readLive();
    const afterBatch = options.replan(liveAfterBatch);
    // nothing to retry: that read already is the verification (nothing ran since), so do not read again
    if (isEmptyPlan(afterBatch) || options.retry === false) verified = { live: liveAfterBatch, plan: afterBatch };
    else {
      // sysctls and addresses already ran one by one (a failure is recorded): only ipvsadm settings are retried
      const retrySettings = afterBatch.settings.filter((s) => s.kind !== 'set-sysctl' && s.kind !== 'add-address' && s.kind !== 'delete-address');
      retried = afterBatch.operations.length + retrySettings.length;
      settingsFailed = [...settingsFailed, ...await runSettings(retrySettings, settingsDeps, 'ipvsadm')];
      const result = await runPerCommand(deps.ipvsadm, afterBatch.operations);
      failed = result.failed;
      notAttempted = result.notAttempted;
    }
  }

  const liveAfter = verified?.live ?? await deps.readLive();
  const remaining = verified?.plan ?? options.replan(liveAfter);
  const pendingSettings = new Set(remaining.settings.map(settingTargetKey));
  const pending = new Set(remaining.operations.map(operationTargetKey));
  const failedKeys = new Set(failed.map((f) => operationTargetKey(f.operation)));
  // converged (the common case): everything took effect, without a key per operation (250k at a cold start)
  const tookEffect = pending.size === 0 ? plan.operations : plan.operations.filter((op) => !pending.has(operationTargetKey(op)));
  // anything still pending that neither failed nor was skipped was never reached (e.g. -R aborted early)
  const accounted = new Set([...failedKeys, ...notAttempted.map(operationTargetKey)]);
  const unreached = pending.size === 0 ? [] : plan.operations.filter((op) => pending.has(operationTargetKey(op)) && !accounted.has(operationTargetKey(op)));
  return {
    mode: options.perCommand ? 'per-command' : 'batch',
    plan,
    tookEffect,
    failed,
    notAttempted: [...notAttempted, ...unreached],
    batchStderr,
    retried,
    remaining,
    converged: isEmptyPlan(remaining),
    liveAfter,
    settingsTookEffect: plan.settings.filter((s) => !pendingSettings.has(settingTargetKey(s))),
    settingsFailed,
  };
}
