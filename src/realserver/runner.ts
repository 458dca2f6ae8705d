/**
 * The seam to the programs `lvsync realserver` runs on a real server (`ip`, `sysctl`): the real
 * implementation is exec-runner.ts; tests use a fake that keeps a host's links, addresses and sysctls
 * in memory; the kernel suite wraps the real one in `ip netns exec`.
 */
export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandRunner {
  /** runs argv[0] with the rest as arguments; resolves with non-zero exits (127: the program is missing) */
  run(argv: readonly string[]): Promise<CommandResult>;
}
