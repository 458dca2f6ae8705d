/**
 * The one seam to ipvsadm. The real implementation runs the binary (exec.ts); tests use the fake
 * (test/fake-ipvsadm). Everything lvsync does to the kernel goes through `run`.
 */
export interface IpvsadmResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Ipvsadm {
  /** Runs `ipvsadm ...args`, with `input` on stdin. Resolves with non-zero exit codes; rejects only when ipvsadm cannot be run at all. */
  run(args: readonly string[], input?: string): Promise<IpvsadmResult>;
  /** what to show people: the binary path */
  readonly describe: string;
  /**
   * The kernel's own listing, /proc/net/ip_vs, of this process's network namespace; null when there
   * is none (no IPVS, or turned off). Only connection counts are read from it, and only after they
   * were checked against the table `run` reads (src/live/parse-proc.ts). Optional: a seam without it
   * lists through ipvsadm.
   */
  readProcTable?(): Promise<string | null>;
  /**
   * `ipvsadm -R` with `input`, for batches that only change the kernel: stdout is not returned, so
   * never list through it. The real one may keep one ipvsadm running between batches
   * (restore-session.ts). The exit code says only whether ipvsadm printed anything (0: nothing) or
   * ended early; like -R's own (the last line's status, facts §6.2) it proves nothing, and the
   * caller verifies by reading the table. Optional: without it, `run(['-R'], input)`.
   */
  restore?(input: string): Promise<IpvsadmResult>;
}

/** ipvsadm ran and said no. Carries everything needed to act on it. */
export class IpvsadmError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
    readonly binary: string,
  ) {
    super(`${binary} ${args.join(' ')} exited ${exitCode}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
    this.name = 'IpvsadmError';
  }
}

/** ipvsadm could not be run at all (missing binary, permission). */
export class IpvsadmUnavailableError extends Error {
  constructor(readonly binary: string, override readonly cause: unknown) {
    super(`cannot run ${binary}: ${cause instanceof Error ? cause.message : String(cause)}. Install ipvsadm or point --ipvsadm / LVSYNC_IPVSADM at it.`);
    this.name = 'IpvsadmUnavailableError';
  }
}

/** Run and insist on exit 0. */
export async function runChecked(ipvsadm: Ipvsadm, args: readonly string[], input?: string): Promise<string> {
  const result = await ipvsadm.run(args, input);
  if (result.exitCode !== 0) throw new IpvsadmError(args, result.exitCode, result.stderr, ipvsadm.describe);
  return result.stdout;
}
