import { execa } from 'execa';
import type { CommandRunner } from './runner.js';

/** The real `ip` and `sysctl`, through execa. Never throws: a missing program is exit 127 with a message. */
export function createExecRunner(options: { timeoutMs?: number; prefix?: readonly string[] } = {}): CommandRunner {
  const { timeoutMs = 30_000, prefix = [] } = options;
  return {
    async run(argv) {
      const [file, ...args] = [...prefix, ...argv];
      if (file === undefined) return { exitCode: 127, stdout: '', stderr: 'empty command' };
      const result = await execa(file, args, { reject: false, timeout: timeoutMs, stripFinalNewline: false, env: { LC_ALL: 'C' } });
      if (result.failed && result.exitCode === undefined) {
        return { exitCode: 127, stdout: '', stderr: `cannot run ${file}: ${result.shortMessage ?? result.message}` };
      }
      return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
    },
  };
}
