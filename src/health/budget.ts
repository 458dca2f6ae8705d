/**
 * How many health checks may be in flight at once, from the process's open-file limit (issue 13).
 * Pure: the limit comes in as a number (read by fd-limit.ts), the caps go out.
 *
 * A tcp/http/https check holds one socket, so the bound that matters is file descriptors, not a
 * fixed count: a hanging server holds its socket until the timeout, and a cap of 64 made 1,000
 * hanging servers (2 s timeout) take 31 s to get through, longer than the interval. The cap is
 * the open-file limit minus what the daemon keeps for itself (stdio, the HTTP endpoints and
 * their clients, the file watcher, ipvsadm's pipes, the state files and the lock) and for the
 * exec checks. Exec checks also keep a cap of their own in processes: each one is a process
 * with a pipe or three, and thousands of them at once would be a fork storm, whatever the fds.
 */

/** file descriptors kept for the daemon itself, whatever the checks do */
export const DAEMON_FD_RESERVE = 256;
/** exec checks in flight at most (processes) */
export const EXEC_CHECKS_MAX = 64;
/** an exec check's file descriptors while it starts: stderr pipe, spawn's error pipe, slack */
export const FDS_PER_EXEC_CHECK = 4;
/** socket checks in flight at least, however low the limit */
export const MIN_SOCKET_CHECKS = 16;
/** the limit assumed when it cannot be read (not Linux): the usual soft default */
export const ASSUMED_FD_LIMIT = 1024;
/** an "unlimited" open-file limit: Linux's default fs.nr_open */
export const UNLIMITED_FD_LIMIT = 1_048_576;

export interface CheckBudget {
  /** tcp, http and https checks in flight at most */
  readonly sockets: number;
  /** exec checks in flight at most */
  readonly exec: number;
  /** the open-file limit the caps were sized from */
  readonly fdLimit: number;
  /** what the open-file limit alone allows socket checks */
  readonly fdCap: number;
  /** the requested count was above fdCap and was lowered to it */
  readonly clamped: boolean;
}

/**
 * The caps for an open-file limit (null: unknown) and an optional requested count
 * (`--health-concurrency`), which bounds both kinds and never goes above what the limit allows.
 */
export function checkBudget(fdLimit: number | null, requested?: number): CheckBudget {
  const limit = fdLimit === Infinity ? UNLIMITED_FD_LIMIT : fdLimit !== null && Number.isFinite(fdLimit) && fdLimit > 0 ? Math.floor(fdLimit) : ASSUMED_FD_LIMIT;
  const fdCap = Math.max(MIN_SOCKET_CHECKS, limit - DAEMON_FD_RESERVE - EXEC_CHECKS_MAX * FDS_PER_EXEC_CHECK);
  const wanted = requested === undefined ? undefined : Math.max(1, Math.floor(requested));
  const sockets = wanted === undefined ? fdCap : Math.min(wanted, fdCap);
  const exec = Math.min(EXEC_CHECKS_MAX, wanted ?? EXEC_CHECKS_MAX);
  return { sockets, exec, fdLimit: limit, fdCap, clamped: wanted !== undefined && wanted > fdCap };
}

/**
 * The soft "Max open files" of a /proc/<pid>/limits text: a number, Infinity for "unlimited",
 * null when the line is missing or unreadable. Node raises its soft limit to the hard one when it
 * starts, so in lvsync this is the hard limit (systemd's LimitNOFILE=).
 */
export function parseOpenFileLimit(limits: string): number | null {
  const line = limits.split('\n').find((l) => l.startsWith('Max open files'));
  if (line === undefined) return null;
  const soft = line.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === 'unlimited') return Infinity;
  const n = Number(soft);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}
