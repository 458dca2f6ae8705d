import type { Ipvsadm } from '../ipvsadm/port.js';
import type { NameResolver } from '../live/names.js';
import type { CommandRunner } from '../realserver/runner.js';
import type { Probe } from '../health/types.js';
import type { Sysctl } from '../sysctl/port.js';
import type { Clock } from '../watch/clock.js';

/** Everything a command may touch of the outside world, injected so commands run in tests without a process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** whole standard input (for --live -) */
  readonly readStdin: () => Promise<string>;
  /** resolves when standard input ends (lvsync exabgp: ExaBGP went away); input is read and discarded */
  readonly stdinEnd?: () => Promise<void>;
  /** a terminal is attached to stdin and stdout: confirmation prompts and colour are allowed */
  readonly interactive: boolean;
  readonly color: boolean;
  /** asks a question on the terminal and returns the answer */
  readonly prompt: (question: string) => Promise<string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly createIpvsadm: (binary: string) => Ipvsadm;
  readonly hostname: () => string;
  /** long-running commands (watch): subscribe to a signal; returns the unsubscribe function */
  readonly onSignal?: (signal: DaemonSignal, handler: () => void) => () => void;
  /** the director's sysctls (the `sysctls` of the desired state); default /proc/sys */
  readonly sysctl?: Sysctl;
  /** runs `ip` and `sysctl` for `lvsync realserver --check/--apply`; default: the real programs */
  readonly runCommand?: CommandRunner;
  /** health-check probes (--health, watch); default: real tcp/http/https/exec probes */
  readonly probe?: Probe;
  /** LVSYNC_TRACE: a line per step with the time since the process started (src/cli/trace.ts) */
  readonly trace?: (event: string) => void;
  /** time and sleeping for apply's drain wait and health rounds; default: the system clock */
  readonly clock?: Clock;
  /** host and service names in rules files (--live FILE, import ipvsadm); default: /etc/services and the system resolver */
  readonly names?: NameResolver;
}

export type DaemonSignal = 'SIGHUP' | 'SIGTERM' | 'SIGINT';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
