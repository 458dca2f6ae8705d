import type { Ipvsadm } from '../ipvsadm/port.js';
import { operationToArgv, operationToRestoreLine } from '../plan/to-argv.js';
import type { Operation } from '../plan/types.js';

/** A command the kernel (or ipvsadm) refused, with everything a person needs to act on it. */
export interface CommandFailure {
  readonly operation: Operation;
  readonly args: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;
}

export interface ExecutionResult {
  readonly succeeded: readonly Operation[];
  readonly failed: readonly CommandFailure[];
  /** skipped because an operation they depend on failed (servers of a service that could not be added) */
  readonly notAttempted: readonly Operation[];
}

/**
 * All operations in one `ipvsadm -R` batch. -R is not atomic, keeps going after kernel errors and
 * exits with the last line's status (facts §6.2); a large batch may run cut in two by service
 * (ipvsadm/split-batch.ts), each part stopping only at its own abort, and reports its worst part's
 * status. So the exit code and stderr are only hints: the caller verifies by re-reading the table.
 */
export async function runBatch(ipvsadm: Ipvsadm, ops: readonly Operation[], leadingLines: readonly string[] = []): Promise<{ exitCode: number; stderr: string }> {
  // leadingLines: ipvsadm lines that run before the operations (kernel settings: --set, --start-daemon ...)
  const lines = [...leadingLines, ...ops.map(operationToRestoreLine)];
  if (lines.length === 0) return { exitCode: 0, stderr: '' };
  const input = `${lines.join('\n')}\n`;
  const result = ipvsadm.restore ? await ipvsadm.restore(input) : await ipvsadm.run(['-R'], input);
  return { exitCode: result.exitCode, stderr: result.stderr };
}

/**
 * One process per operation: slower, but every failure is attributed to its command. An add-service
 * that fails makes the rest of that service's operations pointless, so they are not attempted.
 */
export async function runPerCommand(ipvsadm: Ipvsadm, ops: readonly Operation[]): Promise<ExecutionResult> {
  const succeeded: Operation[] = [];
  const failed: CommandFailure[] = [];
  const notAttempted: Operation[] = [];
  const brokenServices = new Set<string>();
  for (const op of ops) {
    if (brokenServices.has(op.service.key)) { notAttempted.push(op); continue; }
    const args = operationToArgv(op);
    const result = await ipvsadm.run(args);
    if (result.exitCode === 0) { succeeded.push(op); continue; }
    failed.push({ operation: op, args, exitCode: result.exitCode, stderr: result.stderr.trim() });
    if (op.kind === 'add-service') brokenServices.add(op.service.key);
  }
  return { succeeded, failed, notAttempted };
}
