import type { Diagnostic } from '../diagnostics.js';
import type { DrainView, HealthAdjustment } from '../plan/annotations.js';
import type { HealthState, ProbeTarget } from '../health/types.js';
import type { LostInventoryView } from '../plan/lost-inventory.js';
import type { DesiredState, Table } from '../model/types.js';
import type { DriftItem } from './drift.js';
import type { TriggerReason } from './loop.js';
import type { VrrpState } from '../model/vrrp.js';
import type { InstanceReadiness, ReadinessInput } from '../vrrp/readiness.js';

/**
 * What the daemon knows about itself, kept in one place that the pass writes and the HTTP
 * endpoints read: the config, the last passes, the drift, readiness.
 */

/** How a pass ended, as logs, /metrics (label `outcome`) and the status page name it. */
export type PassOutcome =
  /** live matched desired; nothing to do */
  | 'in-sync'
  /** changes were applied and verified */
  | 'applied'
  /** --detect-only: live differs from desired; reported, not changed */
  | 'drift-detected'
  /** the plan would delete too much (scope.maxDeleteShare); nothing changed */
  | 'refused'
  /** no valid config has ever been loaded; the kernel was not touched */
  | 'invalid-config'
  /** ipvsadm failed, the kernel refused commands, the live table was unreadable or the lock was held: retried with backoff */
  | 'failed';

export const PASS_OUTCOMES: readonly PassOutcome[] = ['in-sync', 'applied', 'drift-detected', 'refused', 'invalid-config', 'failed'];

export interface PassRecord {
  readonly seq: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly reasons: readonly TriggerReason[];
  readonly outcome: PassOutcome;
  /** the config files were valid at this pass (otherwise the last good config was used, if any) */
  readonly configValid: boolean;
  /** operations that took effect */
  readonly applied: number;
  /** drift items found in this pass */
  readonly drift: number;
  /** one human sentence */
  readonly summary: string;
}

export interface DaemonStatus {
  readonly startedAt: number;
  readonly mode: 'apply' | 'detect-only';
  readonly intervalMs: number;
  readonly paths: readonly string[];
  readonly hostname: string;
  config: {
    valid: boolean | null;
    /** diagnostics of the latest load (errors and warnings) */
    diagnostics: readonly Diagnostic[];
    checkedAt: number | null;
    /** when the config in force (lastGood) was loaded */
    lastGoodAt: number | null;
  };
  /** the last good desired state: what the daemon enforces */
  desired: DesiredState | null;
  /** the live table the last pass planned from */
  live: Table | null;
  /** newest first, at most MAX_PASSES */
  passes: PassRecord[];
  /** differences found by the last pass that are still there (detect-only, refused or failed passes) */
  currentDrift: readonly DriftItem[];
  /** the latest drift found, corrected or not */
  lastDrift: { readonly at: number; readonly items: readonly DriftItem[]; readonly corrected: boolean } | null;
  lastSuccessAt: number | null;
  /** error of the last failed pass */
  lastError: string | null;
  consecutiveFailures: number;
  /** health of every checked real server, by target id (`service#server`) */
  health: ReadonlyMap<string, { readonly target: ProbeTarget; readonly state: HealthState }>;
  /** weights that differ from the config because of health, as of the last pass */
  healthAdjustments: readonly HealthAdjustment[];
  /** services whose every real server failed, kept at their declared weights (fail open) */
  failOpen: readonly string[];
  /** real servers and services being drained, as of the last pass */
  drains: readonly DrainView[];
  /** state files found unusable (STATE_FILE), newest first, at most MAX_STATE_FILE_REPORTS */
  stateFiles: readonly StateFileReport[];
  /** live services a lost inventory leaves in question, as of the last pass (null: none) */
  lostInventory: LostInventoryView | null;
  /** VRRP readiness per instance (vrrp.ts); null when the config declares no vrrp */
  vrrp: VrrpStatus | null;
  /** anycast readiness per VIP (anycast.ts); null when the config declares no anycast */
  anycast: AnycastStatus | null;
}

/** One VRRP instance as the status page shows it (watch/vrrp.ts keeps it current). */
export interface VrrpInstanceStatus extends InstanceReadiness {
  readonly trackFile: string;
  /** when the track file was last written with `value`; null: not written yet (or the write failed) */
  readonly writtenAt: number | null;
  /** the write that failed, if the file does not hold `value` */
  readonly writeError: string | null;
  /** the last state keepalived reported through notify_fifo; null: none seen */
  readonly keepalived: { readonly state: VrrpState; readonly priority: number | null; readonly at: number } | null;
}

export interface VrrpStatus {
  readonly instances: readonly VrrpInstanceStatus[];
  readonly stopping: boolean;
  readonly notifyFifo: string | null;
}

/** Anycast readiness as the status page shows it (watch/anycast.ts keeps it current). */
export interface AnycastVipStatus {
  readonly prefix: string;
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

export interface AnycastStatus {
  readonly vips: readonly AnycastVipStatus[];
  readonly drainedSince: number | null;
  readonly stopping: boolean;
  readonly stateFile: string;
}

export interface StateFileReport {
  readonly at: number;
  /** the file's path */
  readonly file: string;
  /** what was wrong, where it went, what lvsync does instead */
  readonly message: string;
}

export const MAX_PASSES = 20;

export function createStatus(init: { startedAt: number; mode: 'apply' | 'detect-only'; intervalMs: number; paths: readonly string[]; hostname: string }): DaemonStatus {
  return {
    ...init,
    config: { valid: null, diagnostics: [], checkedAt: null, lastGoodAt: null },
    desired: null,
    live: null,
    passes: [],
    currentDrift: [],
    lastDrift: null,
    lastSuccessAt: null,
    lastError: null,
    consecutiveFailures: 0,
    health: new Map(),
    healthAdjustments: [],
    failOpen: [],
    drains: [],
    stateFiles: [],
    lostInventory: null,
    vrrp: null,
    anycast: null,
  };
}

const SUCCESS: ReadonlySet<PassOutcome> = new Set(['in-sync', 'applied', 'drift-detected']);

export function isSuccess(outcome: PassOutcome): boolean {
  return SUCCESS.has(outcome);
}

/** /readyz: the last pass succeeded and the config files are valid. Reasons say why not. */
export function readiness(status: DaemonStatus): { ready: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const last = status.passes[0];
  if (!last) reasons.push('no pass has finished yet');
  else if (!isSuccess(last.outcome)) reasons.push(`last pass ${last.outcome}: ${last.summary}`);
  if (status.config.valid === false) {
    const errors = status.config.diagnostics.filter((d) => d.severity === 'error').length;
    reasons.push(`config invalid (${errors} error${errors === 1 ? '' : 's'})${status.desired ? '; enforcing the last good config' : '; no valid config loaded yet, the kernel is untouched'}`);
  }
  return { ready: reasons.length === 0, reasons };
}

/** What VRRP and anycast readiness are decided from (vrrp/readiness.ts), from the daemon's status. */
export function readinessInput(status: DaemonStatus, stopping: boolean): ReadinessInput {
  const last = status.passes[0];
  return {
    configValid: status.config.valid,
    lastPass: last ? { ok: isSuccess(last.outcome), outcome: last.outcome, summary: last.summary } : null,
    pendingDrift: status.currentDrift.length,
    desired: status.desired,
    health: status.health,
    stopping,
  };
}
