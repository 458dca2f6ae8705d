import { operationToArgv } from '../plan/to-argv.js';
import type { Operation } from '../plan/types.js';
import type { ApplyReport } from './apply.js';

const line = (op: Operation): string => `ipvsadm ${operationToArgv(op).join(' ')}`;

/** What happened, in the order a person at 3 a.m. needs it: the verdict, what failed and why, what ran, what did not. */
export function renderApplyReport(report: ApplyReport): string {
  const out: string[] = [];
  const n = report.plan.operations.length;
  if (report.converged) {
    out.push(`Apply complete: ${n} operation(s) applied (${report.mode === 'batch' ? 'one ipvsadm -R batch' : 'one process per command'}); the live table now matches the desired state.`);
    if (report.retried) out.push(`  (${report.retried} operation(s) did not take effect in the batch and succeeded when retried one by one)`);
    return `${out.join('\n')}\n`;
  }
  out.push(`Apply FAILED: ${report.tookEffect.length} of ${n} operation(s) took effect, ${report.failed.length} failed, ${report.notAttempted.length} not attempted.`);
  if (report.batchStderr) {
    out.push('', 'ipvsadm -R said:');
    for (const l of report.batchStderr.split('\n')) out.push(`  ${l}`);
  }
  if (report.failed.length) {
    out.push('', 'Failed:');
    for (const f of report.failed) out.push(`  ✗ ipvsadm ${f.args.join(' ')}`, `      exit ${f.exitCode}: ${f.stderr || '(no message)'}`);
  }
  if (report.notAttempted.length) {
    out.push('', 'Not attempted:');
    for (const op of report.notAttempted) out.push(`  - ${line(op)}`);
  }
  if (report.tookEffect.length) {
    out.push('', 'Took effect:');
    for (const op of report.tookEffect) out.push(`  ✓ ${line(op)}`);
  }
  out.push('', `Still to do (${report.remaining.operations.length} operation(s)); fix the cause and run apply again:`);
  for (const op of report.remaining.operations) out.push(`  ${line(op)}`);
  return `${out.join('\n')}\n`;
}
