/** The exit codes, documented in docs/commands.md (Exit codes) and --help. Changing one is a breaking change. */
export const EXIT = {
  /** success, or no changes */
  ok: 0,
  /** any other failure: ipvsadm failed, partial apply, refused plan, lock held */
  failure: 1,
  /** plan --detailed-exitcode: changes present */
  changes: 2,
  /** invalid desired state (YAML, schema or rules) */
  invalid: 3,
  /** usage error */
  usage: 64,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown by a command that has already printed why it stops; run() turns it into the exit code. */
export class CommandExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
