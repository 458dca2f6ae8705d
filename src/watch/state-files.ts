import { basename } from 'node:path';
import type { Logger } from 'pino';
import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { Clock } from './clock.js';
import type { DaemonMetrics } from './metrics.js';
import type { DaemonStatus } from './status.js';

/**
 * The daemon's side of issue 13: a state file that could not be used (STATE_FILE) is logged once per
 * time it happens, counted in lvsync_state_file_errors_total{file}, and listed on the status page.
 * In apply mode each bad file is moved aside, so every warning is a new event; a detect-only daemon
 * leaves the file in place and would meet it again at every pass, so a warning that the previous
 * pass already reported is not reported again.
 */

/** At most this many reports are kept for the status page. */
export const MAX_STATE_FILE_REPORTS = 10;

export interface StateFileReporter {
  /** one warning, outside the passes (health.json at start-up and when it is written) */
  once(warning: Diagnostic): void;
  /** the warnings of one pass: those the previous pass did not report are reported */
  pass(warnings: readonly Diagnostic[]): void;
}

export function createStateFileReporter(deps: { readonly log: Logger; readonly metrics: DaemonMetrics; readonly status: DaemonStatus; readonly clock: Clock }): StateFileReporter {
  const { log, metrics, status, clock } = deps;
  let previous = new Set<string>();
  const once = (w: Diagnostic): void => {
    const file = w.file ? basename(w.file) : 'unknown';
    metrics.stateFileErrors.labels(file).inc();
    status.stateFiles = [{ at: clock.now(), file: w.file ?? file, message: w.message }, ...status.stateFiles].slice(0, MAX_STATE_FILE_REPORTS);
    log.warn({ diagnostic: { code: w.code, severity: w.severity, file: w.file } }, formatDiagnostic(w));
  };
  return {
    once,
    pass(warnings) {
      const now = new Set(warnings.map(formatDiagnostic));
      for (const w of warnings) if (!previous.has(formatDiagnostic(w))) once(w);
      previous = now;
    },
  };
}
