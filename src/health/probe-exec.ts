import { execa, type ResultPromise } from 'execa';
import type { ProbeAttempt } from './probe-attempt.js';
import type { ProbeTarget } from './types.js';

/**
 * The exec check: a command of the operator's (argv, no shell) judged by its exit code, with the
 * real server described in its environment. The command runs in its own process group so that a
 * timed-out check is killed with everything it started (a shell script's children included).
 * execa's cleanup-on-exit does not apply to detached processes: the monitor aborts its checks
 * when it stops, which kills them here.
 */

/** stderr kept for the detail; more than this makes execa kill the check as misbehaving. */
const MAX_STDERR_BYTES = 1024 * 1024;
const MAX_DETAIL_CHARS = 200;

export function execProbe(options: { readonly killGraceMs: number }): ProbeAttempt {
  return async (check, target, signal) => {
    const [file, ...args] = check.command;
    if (file === undefined || file === '') return { ok: false, detail: 'empty command' };
    const subprocess = execa(file, args, {
      reject: false,
      detached: true,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
      maxBuffer: MAX_STDERR_BYTES,
      env: checkEnv(target),
    });
    const stopKilling = killOnAbort(subprocess, signal, options.killGraceMs);
    const result = await subprocess;
    stopKilling();
    if (result.failed && result.exitCode === undefined && result.signal === undefined && !result.isMaxBuffer) {
      // it never ran: ENOENT, EACCES…
      const code = (result as { code?: string }).code;
      return { ok: false, detail: code === 'ENOENT' ? `command not found: ${file}` : `cannot run ${file}: ${code ?? result.shortMessage}` };
    }
    if (result.isMaxBuffer) return { ok: false, detail: `stderr exceeds ${MAX_STDERR_BYTES / 1024} KiB` };
    if (result.signal !== undefined) return { ok: false, detail: `killed by ${result.signal}` };
    if (result.exitCode === 0) return { ok: true, detail: 'exit 0' };
    const line = firstLine(String(result.stderr ?? ''));
    return { ok: false, detail: line === '' ? `exit ${result.exitCode}` : `exit ${result.exitCode}: ${line}` };
  };
}

/** The check's view of the server it checks; empty strings where a service has no such field. */
export function checkEnv(target: ProbeTarget): Record<string, string> {
  return {
    LVSYNC_RS_ADDRESS: target.address,
    LVSYNC_RS_PORT: String(target.serverPort),
    LVSYNC_CHECK_PORT: String(target.port),
    LVSYNC_SERVICE: target.service,
    LVSYNC_SERVICE_NAME: target.serviceName ?? '',
    LVSYNC_VIP: target.vip ?? '',
    LVSYNC_VPORT: target.vport === null ? '' : String(target.vport),
    LVSYNC_PROTOCOL: target.protocol ?? '',
  };
}

// --- internal ---

/**
 * On abort: SIGTERM to the whole group, SIGKILL to it after graceMs — and at once when the leader
 * exits, for whatever it left running. Returns a function that disarms it (normal exit).
 */
function killOnAbort(subprocess: ResultPromise, signal: AbortSignal, graceMs: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    killGroup(subprocess, 'SIGTERM');
    timer = setTimeout(() => killGroup(subprocess, 'SIGKILL'), graceMs);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
    if (timer !== undefined) {
      clearTimeout(timer);
      killGroup(subprocess, 'SIGKILL');
    }
  };
}

function killGroup(subprocess: ResultPromise, sig: NodeJS.Signals): void {
  const pid = subprocess.pid;
  if (pid === undefined) return;
  try {
    // detached: the leader's pid is the group id
    process.kill(-pid, sig);
  } catch {
    // the group is gone already (ESRCH), or it could not be signalled: try the process itself
    try {
      subprocess.kill(sig);
    } catch {
      // nothing left to kill
    }
  }
}

function firstLine(stderr: string): string {
  const line = stderr.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > MAX_DETAIL_CHARS ? `${line.slice(0, MAX_DETAIL_CHARS - 1)}…` : line;
}
