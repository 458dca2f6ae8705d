import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { countLines } from '../model/strings.js';
import { formatDuration } from '../watch/duration.js';
import { IpvsadmUnavailableError, type Ipvsadm, type IpvsadmResult } from './port.js';
import { createRestoreSession, type RestoreSession } from './restore-session.js';
import { splitByService } from './split-batch.js';

/**
 * How many `ipvsadm -R` are kept running when sessions are on, and so how many parts a large batch
 * is cut into (split-batch.ts). Two: in the emulated VM (2 vCPUs) the 800 lines of a 10% churn at
 * 1,000 × 4 took 413–605 ms in one fresh process, 360–449 ms in two at once and 525–638 ms in four
 * (issue 13, process start-up included; BENCHMARKS.md, seventh run).
 */
export const RESTORE_SESSIONS = 2;

/**
 * Batches shorter than this go to one ipvsadm whole: their lines take less time than the second
 * ipvsadm's start (about 50 ms in the VM, once per daemon; every time for `lvsync apply`).
 */
export const SPLIT_MIN_LINES = 200;

export interface ExecOptions {
  readonly binary: string;
  /** per call, plus perLineMs for each line of input; a wedged netlink socket must not hang a daemon forever */
  readonly timeoutMs?: number;
  /**
   * extra time per stdin line: a 50,000-line `-R` cold start on a slow host (the emulated VM of the
   * benchmark) took longer than any fixed timeout that still catches a wedged socket (issue 6)
   */
  readonly perLineMs?: number;
  /** where the kernel's listing is (/proc/net/ip_vs: procPathFor), or null (the default) to list connection counts through ipvsadm only */
  readonly procPath?: string | null;
  /** keep one `ipvsadm -R` running for batches (restore-session.ts; restoreSessionFor), or start one per batch (the default) */
  readonly restoreSession?: boolean;
}

/**
 * Whether batches go to an `ipvsadm -R` kept running (restore-session.ts). LVSYNC_IPVSADM_SESSION:
 * `off` never, `on` always. Unset: only with the ipvsadm found on PATH; a `--ipvsadm` of its own may
 * read all of its input before it runs any (the test fake does), and would then wait for the end of
 * a batch that never comes until the timeout. The session checks the protocol before its first
 * batch either way.
 */
export function restoreSessionFor(binary: string, env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.LVSYNC_IPVSADM_SESSION;
  if (value === 'off') return false;
  if (value === 'on') return true;
  return binary === 'ipvsadm';
}

/**
 * Where connection counts may be read from the kernel directly. LVSYNC_PROC_IP_VS: `off` never,
 * a path reads that file (tests point it at a fake's). Unset: /proc/net/ip_vs, but only with the
 * ipvsadm found on PATH. A `--ipvsadm` of its own may be a wrapper into another network namespace
 * or host, whose table this process's /proc does not show; the counts are checked against the
 * table ipvsadm printed, but two namespaces can hold the same table with different connections.
 */
export function procPathFor(binary: string, env: Readonly<Record<string, string | undefined>>): string | null {
  const value = env.LVSYNC_PROC_IP_VS;
  if (value === 'off') return null;
  if (value !== undefined && value !== '') return value;
  return binary === 'ipvsadm' ? '/proc/net/ip_vs' : null;
}

/** The time one run may take: the base, plus a little for every line it has to send to the kernel. */
export function runTimeoutMs(input: string | undefined, base: number, perLineMs: number): number {
  return input ? base + countLines(input) * perLineMs : base;
}

/**
 * The real ipvsadm. The only module that starts processes for the kernel seam.
 *
 * It uses node:child_process rather than execa (which lvsync uses for health checks and the
 * real-server setup): this seam moves the whole table through a pipe twice per apply, and in the
 * TCG VM of the benchmark execa's import plus its stream handling added ~13 s to a 10k-service
 * cold start (`-S -n` of an empty table 3.8 s, the -R 47 s against 41-43 s bare, the verifying
 * `-S -n` 15 s against 10 s; LVSYNC_TRACE, 2026-12-01). Natively: 10-12 ms against 13-45 ms for
 * 2 MB in and out.
 */
export function createExecIpvsadm(options: ExecOptions): Ipvsadm {
  const { binary, timeoutMs = 120_000, perLineMs = 10, procPath = null } = options;
  const sessions = options.restoreSession ? Array.from({ length: RESTORE_SESSIONS }, () => createRestoreSession(binary)) : [];
  // one batch on one session (or, without one, a process of its own)
  async function restoreOn(session: RestoreSession | undefined, input: string): Promise<IpvsadmResult> {
    const timeout = runTimeoutMs(input, timeoutMs, perLineMs);
    const result = session ? await session.batch(input, timeout) : null;
    // no session, or its ipvsadm failed the handshake: a process for this batch
    if (result === null) return ipvsadm.run(['-R'], input);
    return seamResult(binary, { ...result, stdout: '' }, { late: `${binary} -R did not finish a batch of ${countLines(input)} lines within ${formatDuration(timeout)}`, killed: `${binary} -R` });
  }
  const ipvsadm: Ipvsadm = {
    describe: binary,
    // no file (no IPVS module, a host without it) or no permission: the caller lists through ipvsadm
    readProcTable: async () => {
      if (procPath === null) return null;
      try { return readProcFile(procPath); } catch { return null; }
    },
    async run(args: readonly string[], input?: string): Promise<IpvsadmResult> {
      const timeout = runTimeoutMs(input, timeoutMs, perLineMs);
      const result = await runProcess(binary, args, input ?? '', timeout);
      return seamResult(binary, result, { late: `${binary} ${args.join(' ')} did not finish within ${formatDuration(timeout)}`, killed: binary });
    },
    async restore(input: string): Promise<IpvsadmResult> {
      const parts = sessions.length > 1 && countLines(input) >= SPLIT_MIN_LINES ? splitByService(input, sessions.length) : null;
      if (!parts) return restoreOn(sessions[0], input);
      // cut only for an ipvsadm that has just kept the session's protocol: a wrapper that does not
      // may not bear two runs at once. Not proved: the whole batch in a process of its own (the
      // session, not asked again, keeps its tries for the next batch)
      if (!(await sessions[0]!.prove())) return ipvsadm.run(['-R'], input);
      // every part runs to its end before the batch is reported
      const settled = await Promise.allSettled(parts.map((part, i) => restoreOn(sessions[i], part)));
      const ran = settled.filter((s): s is PromiseFulfilledResult<IpvsadmResult> => s.status === 'fulfilled').map((s) => s.value);
      const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as unknown);
      // nothing ran: as for a batch in one piece (ipvsadm unavailable). A part that could not start
      // while another ran is a failed batch, not a missing binary: the table changed, and the caller
      // must read it and go on command by command (apply.ts)
      if (ran.length === 0) throw failed[0];
      const results = [...ran, ...failed.map((err) => ({ exitCode: 127, stdout: '', stderr: `lvsync: ${err instanceof Error ? err.message : String(err)}\n` }))];
      // the worst part's status: an abort (2, 255), a timeout (124) or a part that could not start
      // (127) outranks errors that ipvsadm printed and went on from (1)
      return { exitCode: Math.max(...results.map((r) => r.exitCode)), stdout: '', stderr: results.map((r) => r.stderr).join('') };
    },
  };
  return ipvsadm;
}

/**
 * An ipvsadm that ended (a process of its own, or a batch of the kept-running one) as the seam says
 * it: one that could not be started is unavailable (thrown); one that outlived its time is a failed
 * command (exit 124, reported with what ran), not a missing binary; one killed by a signal not ours
 * is a failure with the signal said.
 */
function seamResult(binary: string, r: ProcessResult, say: { readonly late: string; readonly killed: string }): IpvsadmResult {
  if (r.spawnError) throw new IpvsadmUnavailableError(binary, r.spawnError);
  if (r.timedOut) return { exitCode: 124, stdout: r.stdout, stderr: `${r.stderr}lvsync: ${say.late} and was killed\n` };
  if (r.exitCode === null) return { exitCode: 1, stdout: r.stdout, stderr: `${r.stderr}lvsync: ${say.killed} was killed by ${r.signal ?? 'a signal'}\n` };
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A /proc file, read synchronously into one growing buffer. seq_file hands out at most a page per
 * read whatever the buffer, so a 2,300 × 16 table (2 MB) is ~500 reads: readFile does each as a
 * thread-pool round trip (0.5 s in the emulated VM), and a fresh buffer per read was worse (3 s,
 * all allocation). In one loop on the main thread it is about as fast as the kernel prints it
 * (13 ms at 1,000 × 4 in the VM, the benchmark's poller); the pass is busy meanwhile anyway.
 */
function readProcFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(1 << 16);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

interface ProcessResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** it could not be started (ENOENT, EACCES): ipvsadm is unavailable */
  readonly spawnError?: Error;
}

function runProcess(file: string, args: readonly string[], input: string, timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve) => {
    // the caller's environment (PATH, and the fake's state file in tests), with messages in English
    const child = spawn(file, [...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    const finish = (result: ProcessResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (err) => {
      // a failed spawn emits only 'error'; an error after the start (a kill that failed) waits for 'close'
      if (child.pid === undefined) finish({ exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, spawnError: err });
    });
    child.on('close', (code, signal) => {
      finish({ exitCode: code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), timedOut });
    });
    // ipvsadm exiting early (a usage error) closes its stdin: EPIPE is then not our failure, its exit status is
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
