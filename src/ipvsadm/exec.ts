import { execa } from 'execa';
import { IpvsadmUnavailableError, type Ipvsadm, type IpvsadmResult } from './port.js';

export interface ExecOptions {
  readonly binary: string;
  /** per call; a wedged netlink socket must not hang a daemon forever */
  readonly timeoutMs?: number;
}

/** The real ipvsadm, run through execa. The only module that starts processes for the kernel seam. */
export function createExecIpvsadm(options: ExecOptions): Ipvsadm {
  const { binary, timeoutMs = 120_000 } = options;
  return {
    describe: binary,
    async run(args: readonly string[], input?: string): Promise<IpvsadmResult> {
      const result = await execa(binary, [...args], {
        input: input ?? '',
        reject: false,
        timeout: timeoutMs,
        stripFinalNewline: false,
        maxBuffer: 1024 * 1024 * 1024,
        env: { LC_ALL: 'C' },
      });
      if (result.failed && result.exitCode === undefined) {
        throw new IpvsadmUnavailableError(binary, result.cause ?? result.message);
      }
      return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
  };
}
