import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * One `ipvsadm -R` kept running for the batches of a daemon's passes. Why: starting ipvsadm from a
 * large Node process is the fixed cost of every pass that changes the kernel (in the emulated VM of
 * the benchmark, 0.13 s of a 0.6 s pass for 40 lines, where the 40 lines themselves take 25 ms;
 * issue 13), while `-R` runs each line as it reads it and keeps going after kernel errors.
 *
 * Where a batch ends: ipvsadm prints nothing for a line that succeeds, so after each batch comes a
 * line that cannot succeed and cannot do anything, `-L --lvsync-batch-end-<id>`. The option is
 * unknown, so popt rejects the line before -L runs, ipvsadm prints `--lvsync-batch-end-<id>: unknown
 * option` on stderr (unbuffered) and goes on with the next line (facts §6.2: popt errors after the
 * command continue; observed on 1.31 in the VM). Everything on stderr before that is the batch's.
 * A line ipvsadm aborts on (its own validation: exit 2; a line with no command: exit 255) ends the
 * process instead: that batch reports the exit, and the next batch starts a new process.
 *
 * A new process must prove the protocol before it is trusted: its first line is an end line, and
 * until ipvsadm answers it (HANDSHAKE_MS) nothing else is sent. An ipvsadm that runs but does not
 * answer (another version, a wrapper that buffers), or ends before answering three starts in a row,
 * turns the session off for good, and batches go back to one process each.
 */
export interface SessionBatch {
  /** the batch ran to its end line (exitCode 0 when ipvsadm printed nothing, else 1), or the process ended */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** what ipvsadm printed on stderr for this batch's lines */
  readonly stderr: string;
  readonly timedOut: boolean;
  /** ipvsadm could not be started at all */
  readonly spawnError?: Error;
}

export interface RestoreSession {
  /** null: the session is off (the handshake failed); run the batch in a process of its own */
  batch(input: string, timeoutMs: number): Promise<SessionBatch | null>;
  /**
   * Starts the ipvsadm if none is running and waits for its answer to the first end line: true when
   * a running ipvsadm keeps the protocol, false when the session is off or this start failed (the
   * next batch tries again, as for batch). In turn with the batches.
   */
  prove(): Promise<boolean>;
  /** pid of the running ipvsadm, or null */
  readonly pid: number | null;
}

/** How long a new `ipvsadm -R` may take to answer its first end line (it starts in ~50 ms in the VM). */
export const HANDSHAKE_MS = 10_000;

const END_OPTION = '--lvsync-batch-end-';

/** Starts in a row that ended before the handshake, after which the session stays off. */
const MAX_FAILED_STARTS = 3;

export function endLine(id: string): string {
  return `-L ${END_OPTION}${id}`;
}

/** What ipvsadm prints for endLine(id): popt's message for an unknown option. */
export function endAnswer(id: string): string {
  return `${END_OPTION}${id}: unknown option\n`;
}

type Child = ChildProcessByStdio<Writable, null, Readable>;

interface Process {
  readonly child: Child;
  stderr: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
  spawnError: Error | null;
  /** called on every change above */
  onChange: (() => void) | null;
}

export function createRestoreSession(binary: string, options: { readonly env?: NodeJS.ProcessEnv; readonly handshakeMs?: number } = {}): RestoreSession {
  const { env = process.env, handshakeMs = HANDSHAKE_MS } = options;
  let current: Process | null = null;
  let off = false;
  let failedStarts = 0;
  let seq = 0;
  let queue: Promise<unknown> = Promise.resolve();

  function start(): Process {
    const child = spawn(binary, ['-R'], { stdio: ['pipe', 'ignore', 'pipe'], env: { ...env, LC_ALL: 'C' } }) as Child;
    const p: Process = { child, stderr: '', exit: null, spawnError: null, onChange: null };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { p.stderr += chunk; p.onChange?.(); });
    child.on('error', (err) => {
      if (child.pid === undefined) { p.spawnError = err; p.exit = { code: null, signal: null }; p.onChange?.(); }
    });
    child.on('close', (code, signal) => { p.exit = { code, signal }; p.onChange?.(); });
    // ipvsadm gone (an aborted batch): the write fails with EPIPE, and 'close' reports why
    child.stdin.on('error', () => undefined);
    idle(p);
    return p;
  }

  // an idle session must not keep a finished `lvsync apply` alive; its ipvsadm then reads EOF and exits
  function idle(p: Process): void {
    p.child.unref();
    (p.child.stdin as unknown as { unref?: () => void }).unref?.();
    (p.child.stderr as unknown as { unref?: () => void }).unref?.();
  }
  function busy(p: Process): void {
    p.child.ref();
    (p.child.stdin as unknown as { ref?: () => void }).ref?.();
    (p.child.stderr as unknown as { ref?: () => void }).ref?.();
  }

  /** Sends `lines` then an end line; resolves when ipvsadm answered the end line, ended, or the time ran out. */
  function exchange(p: Process, lines: string, timeoutMs: number): Promise<SessionBatch> {
    const id = `${process.pid}-${++seq}`;
    const answer = endAnswer(id);
    busy(p);
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: SessionBatch): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        p.onChange = null;
        idle(p);
        resolve(result);
      };
      const timer = setTimeout(() => {
        p.child.kill('SIGKILL');
        finish({ exitCode: null, signal: 'SIGKILL', stderr: p.stderr, timedOut: true });
      }, timeoutMs);
      p.onChange = () => {
        if (p.spawnError) return finish({ exitCode: null, signal: null, stderr: '', timedOut: false, spawnError: p.spawnError });
        const at = p.stderr.indexOf(answer);
        if (at >= 0) {
          const stderr = p.stderr.slice(0, at);
          p.stderr = p.stderr.slice(at + answer.length);
          return finish({ exitCode: stderr === '' ? 0 : 1, signal: null, stderr, timedOut: false });
        }
        if (p.exit) finish({ exitCode: p.exit.code, signal: p.exit.signal, stderr: p.stderr, timedOut: false });
      };
      p.child.stdin.write(`${lines}${endLine(id)}\n`);
      p.onChange();
    });
  }

  async function ready(): Promise<Process | SessionBatch | null> {
    if (current && current.exit === null) return current;
    const p = start();
    current = p;
    const hello = await exchange(p, '', handshakeMs);
    if (hello.spawnError) { current = null; return hello; }
    // answered, and still running: an ipvsadm that ended at once with status 0 never answered
    if (hello.exitCode === 0 && p.exit === null) { failedStarts = 0; return p; }
    current = null;
    // not trusted and still running (it answered, but printed something else first): end it, or it
    // would wait idle for the daemon's lifetime
    if (p.exit === null && !hello.timedOut) p.child.kill('SIGKILL');
    // running but silent: this ipvsadm does not keep the protocol. Ended at once: it may be failing
    // for a while (a full table, a wrapper's fault); this batch runs on its own, later ones try again
    if (hello.timedOut || ++failedStarts >= MAX_FAILED_STARTS) off = true;
    return null;
  }

  // one exchange at a time: batches' (and proofs') end lines and stderr must not interleave
  function inTurn<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  }

  async function run(input: string, timeoutMs: number): Promise<SessionBatch | null> {
    if (off) return null;
    const p = await ready();
    if (p === null || !('child' in p)) return p;
    const lines = input === '' || input.endsWith('\n') ? input : `${input}\n`;
    const result = await exchange(p, lines, timeoutMs);
    if ((result.timedOut || p.exit !== null) && current === p) current = null;
    return result;
  }

  return {
    batch(input, timeoutMs) {
      return inTurn(() => run(input, timeoutMs));
    },
    prove() {
      return inTurn(async () => {
        if (off) return false;
        const p = await ready();
        return p !== null && 'child' in p;
      });
    },
    get pid() {
      return current?.child.pid ?? null;
    },
  };
}
