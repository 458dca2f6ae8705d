import { formatDuration } from '../watch/duration.js';
import { IpvsadmUnavailableError, type Ipvsadm, type IpvsadmResult } from './port.js';

export interface ExecOptions {
  readonly binary: string;
  /** per call, plus perLineMs for each line of input; a wedged netlink socket must not hang a daemon forever */
  readonly timeoutMs?: number;
  /**
   * extra time per stdin line: a 50,000-line `-R` cold start on a slow host (the emulated VM of the
   * benchmark) took longer than any fixed timeout that still catches a wedged socket (issue 6)
   */
  readonly perLineMs?: number;
}

/** The time one run may take: the base, plus a little for every line it has to send to the kernel. */
export function runTimeoutMs(input: string | undefined, base: number, perLineMs: number): number {
  if (!input) return base;
  let lines = 0;
  for (let i = input.indexOf('\n'); i !== -1; i = input.indexOf('\n', i + 1)) lines++;
  return base + lines * perLineMs;
}

/** The real ipvsadm, run through execa. The only module that starts processes for the kernel seam. */
export function createExecIpvsadm(options: ExecOptions): Ipvsadm {
  const { binary, timeoutMs = 120_000, perLineMs = 10 } = options;
  return {
    describe: binary,
    async run(args: readonly string[], input?: string): Promise<IpvsadmResult> {
      const timeout = runTimeoutMs(input, timeoutMs, perLineMs);
      // imported on first use: plan --live, validate and --help never start a process
      const { execa } = await import('execa');
      const result = await execa(binary, [...args], {
        input: input ?? '',
        reject: false,
        timeout,
        stripFinalNewline: false,
        maxBuffer: 1024 * 1024 * 1024,
        env: { LC_ALL: 'C' },
      });
      // a run that outlived its time is a failed command (reported with what ran), not a missing binary
      if (result.timedOut) {
        return { exitCode: 124, stdout: String(result.stdout ?? ''), stderr: `${String(result.stderr ?? '')}lvsync: ${binary} ${args.join(' ')} did not finish within ${formatDuration(timeout)} and was killed\n` };
      }
      if (result.failed && result.exitCode === undefined) {
        throw new IpvsadmUnavailableError(binary, result.cause ?? result.message);
      }
      return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
  };
}
