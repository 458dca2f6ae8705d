import { describeSetting } from '../plan/settings.js';
import { settingsCommandLines } from '../plan/render-settings.js';
import { operationToArgv } from '../plan/to-argv.js';
import type { Operation } from '../plan/types.js';
import type { ApplyReport } from './apply.js';
import { settingsRestoreLines } from './settings.js';

const line = (op: Operation): string => `ipvsadm ${operationToArgv(op).join(' ')}`;

// sysctls and addresses alone never start ipvsadm: say so rather than claim a batch
function how(report: ApplyReport): string {
  if (report.plan.operations.length === 0 && settingsRestoreLines(report.plan.settings).length === 0) {
    return report.plan.settings.every((s) => s.kind === 'set-sysctl') ? 'sysctls written through /proc/sys' : 'ip and sysctl commands, one by one';
  }
  return report.mode === 'batch' ? 'one ipvsadm -R batch' : 'one process per command';
}

// "; 2 of 3 kernel setting change(s) took effect": only when the plan had any
function settingsVerdict(report: ApplyReport): string {
  const n = report.plan.settings.length;
  if (n === 0) return '';
  return report.converged ? ` and ${n} kernel setting change(s)` : `; ${report.settingsTookEffect.length} of ${n} kernel setting change(s) took effect`;
}

/** What happened, in the order a person at 3 a.m. needs it: the verdict, what failed and why, what ran, what did not. */
export function renderApplyReport(report: ApplyReport): string {
  const out: string[] = [];
  const n = report.plan.operations.length;
  if (report.converged) {
    out.push(`Apply complete: ${n} operation(s)${settingsVerdict(report)} applied (${how(report)}); the live table now matches the desired state.`);
    if (report.retried) out.push(`  (${report.retried} operation(s) did not take effect in the batch and succeeded when retried one by one)`);
    return `${out.join('\n')}\n`;
  }
  out.push(`Apply FAILED: ${report.tookEffect.length} of ${n} operation(s) took effect, ${report.failed.length} failed, ${report.notAttempted.length} not attempted${settingsVerdict(report)}.`);
  if (report.batchStderr) {
    out.push('', 'ipvsadm -R said:');
    for (const l of report.batchStderr.split('\n')) out.push(`  ${l}`);
  }
  if (report.failed.length || report.settingsFailed.length) {
    out.push('', 'Failed:');
    for (const f of report.settingsFailed) {
      out.push(`  ✗ ${f.command}`, `      ${f.exitCode === null ? '' : `exit ${f.exitCode}: `}${f.message || '(no message)'}`);
    }
    for (const f of report.failed) out.push(`  ✗ ipvsadm ${f.args.join(' ')}`, `      exit ${f.exitCode}: ${f.stderr || '(no message)'}`);
  }
  if (report.notAttempted.length) {
    out.push('', 'Not attempted:');
    for (const op of report.notAttempted) out.push(`  - ${line(op)}`);
  }
  if (report.tookEffect.length || report.settingsTookEffect.length) {
    out.push('', 'Took effect:');
    for (const s of report.settingsTookEffect) out.push(`  ✓ ${describeSetting(s)}`);
    for (const op of report.tookEffect) out.push(`  ✓ ${line(op)}`);
  }
  const pendingSettings = report.remaining.settings.length ? ` and ${report.remaining.settings.length} kernel setting change(s)` : '';
  out.push('', `Still to do (${report.remaining.operations.length} operation(s)${pendingSettings}); fix the cause and run apply again:`);
  for (const l of settingsCommandLines(report.remaining.settings)) out.push(`  ${l}`);
  for (const op of report.remaining.operations) out.push(`  ${line(op)}`);
  return `${out.join('\n')}\n`;
}
