/**
 * The executable fake ipvsadm (test/fixtures/bin/ipvsadm): one process = one ipvsadm run against
 * the state file named by LVSYNC_FAKE_IPVSADM_STATE (created when missing, locked while in use).
 *
 *   LVSYNC_FAKE_IPVSADM_STATE        required: path of the JSON kernel state
 *   LVSYNC_FAKE_IPVSADM_LOG          optional: append one JSON line per run {argv, stdin, exitCode, stderr}
 *   LVSYNC_FAKE_IPVSADM_UNAVAILABLE  "1": fail like a host without IPVS (exit 2, nothing touched)
 */
import { appendFileSync, readFileSync } from 'node:fs';

import { ipvsUnavailable, runIpvsadm } from './ipvsadm.js';
import type { IpvsadmResult } from './ipvsadm.js';
import { readState, withStateLock, writeState } from './state-file.js';

export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** read all of stdin; only called when the command is -R */
  readonly readStdin: () => string;
}

/** Run one invocation; returns what to print and the exit status (no process access here). */
export function runCli(io: CliIo): IpvsadmResult {
  let stdinRead: string | null = null;
  const stdin = (): string => (stdinRead ??= io.readStdin());
  let result: IpvsadmResult;
  const statePath = io.env.LVSYNC_FAKE_IPVSADM_STATE;
  if (io.env.LVSYNC_FAKE_IPVSADM_UNAVAILABLE === '1') {
    result = ipvsUnavailable();
  } else if (!statePath) {
    result = { exitCode: 2, stdout: '', stderr: 'fake ipvsadm: LVSYNC_FAKE_IPVSADM_STATE is not set\n' };
  } else {
    result = withStateLock(statePath, () => {
      const kernel = readState(statePath);
      const r = runIpvsadm(kernel, io.argv, stdin);
      writeState(statePath, kernel);
      return r;
    });
  }
  const log = io.env.LVSYNC_FAKE_IPVSADM_LOG;
  if (log) {
    const entry = { argv: io.argv, stdin: stdinRead, exitCode: result.exitCode, stderr: result.stderr };
    appendFileSync(log, JSON.stringify(entry) + '\n');
  }
  return result;
}

/** Read fd 0 completely; a closed or unreadable stdin counts as empty. */
export function readAllStdin(): string {
  try {
    return readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

/** Entry point used by the bin script: the only place that touches process. */
export function main(): void {
  const r = runCli({ argv: process.argv.slice(2), env: process.env, readStdin: readAllStdin });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.exitCode;
}
