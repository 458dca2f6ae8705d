import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/run.js';
import type { Ipvsadm } from '../../src/ipvsadm/port.js';
import type { CommandRunner } from '../../src/realserver/runner.js';
import type { Probe } from '../../src/health/types.js';
import type { Sysctl } from '../../src/sysctl/port.js';
import type { Clock } from '../../src/watch/clock.js';
import type { NameResolver } from '../../src/live/names.js';
import { createFakeSysctl } from './fake-sysctl.js';
import { noHostNames } from './fake-names.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly prompts: string[];
}

export interface CliOptions {
  readonly ipvsadm?: Ipvsadm;
  readonly stdin?: string;
  readonly interactive?: boolean;
  readonly answer?: string;
  readonly env?: Record<string, string>;
  /** the director's sysctls; default: an empty fake (never the host's /proc/sys) */
  readonly sysctl?: Sysctl;
  /** `ip`/`sysctl` for lvsync realserver; default: none (the test did not expect commands to run) */
  readonly runCommand?: CommandRunner;
  /** health-check probes for --health; default: none (the test did not expect checks to run) */
  readonly probe?: Probe;
  /** time for drain waits and health rounds; default: the system clock */
  readonly clock?: Clock;
  /** host and service names in rules files; default: built-in ports, and no host lookups (never the system's) */
  readonly names?: NameResolver;
}

/** run() in-process with captured output and an injected ipvsadm: the CLI end to end, minus the process. */
export async function runCli(argv: string[], options: CliOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const prompts: string[] = [];
  const io: CliIo = {
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    readStdin: async () => options.stdin ?? '',
    interactive: options.interactive ?? false,
    color: false,
    prompt: async (q) => { prompts.push(q); return options.answer ?? ''; },
    env: options.env ?? {},
    createIpvsadm: () => {
      if (!options.ipvsadm) throw new Error('this test did not expect ipvsadm to be run');
      return options.ipvsadm;
    },
    hostname: () => 'director-test',
    sysctl: options.sysctl ?? createFakeSysctl(),
    runCommand: options.runCommand ?? { run: async (argv) => { throw new Error(`this test did not expect ${argv.join(' ')} to be run`); } },
    probe: options.probe ?? (async (_check, target) => { throw new Error(`this test did not expect a health check of ${target.address}`); }),
    ...(options.clock ? { clock: options.clock } : {}),
    names: options.names ?? noHostNames,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr, prompts };
}

/** A temporary directory with the given files (relative path → text). */
export function tempTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-test-'));
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  }
  return dir;
}
