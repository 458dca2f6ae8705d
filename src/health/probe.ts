import { execProbe } from './probe-exec.js';
import { httpProbe } from './probe-http.js';
import { tcpProbe } from './probe-tcp.js';
import { errorDetail, type ProbeAttempt, type ProbeOutcome } from './probe-attempt.js';
import type { HealthCheckSpec, Probe, ProbeResult, ProbeTarget } from './types.js';

/**
 * The real probes behind the Probe seam: one entry point that dispatches on the check type and
 * gives every kind the same contract — it settles by itself within the timeout, honours the
 * caller's signal, never throws, and measures its duration on the monotonic clock. The monitor
 * enforces the timeout again on its own clock; this is the layer that actually closes sockets and
 * kills processes.
 */

export interface ProbeOptions {
  /**
   * exec: how long a timed-out or aborted command gets between SIGTERM and SIGKILL (default
   * 500 ms). An exec probe settles at most killGraceMs + 250 ms after its timeout: it waits for
   * the kill so that no check outlives its probe. (The monitor frees the slot at the timeout.)
   */
  readonly killGraceMs?: number;
}

/** The Probe the daemon and `--health` use. */
export function createProbe(options: ProbeOptions = {}): Probe {
  const killGraceMs = options.killGraceMs ?? 500;
  const exec = execProbe({ killGraceMs });
  return (check, target, signal) => {
    switch (check.type) {
      case 'tcp':
        return bounded(check, target, signal, tcpProbe, 0);
      case 'http':
      case 'https':
        return bounded(check, target, signal, httpProbe, 0);
      case 'exec':
        // wait for the kill to land (bounded) so a settled exec check leaves no process behind
        return bounded(check, target, signal, exec, killGraceMs + 250);
      default:
        return Promise.resolve({ ok: false, detail: `unknown check type ${String((check as { type: unknown }).type)}`, durationMs: 0 });
    }
  };
}

// --- internal ---

/**
 * Runs attempt under a signal that aborts at check.timeoutMs or when the caller aborts. Socket
 * kinds settle at that moment (graceMs 0); exec waits up to graceMs for its process to die. The
 * detail then says why it stopped, whatever the attempt reported while being torn down.
 */
function bounded(check: HealthCheckSpec, target: ProbeTarget, outer: AbortSignal, attempt: ProbeAttempt, graceMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  if (outer.aborted) return Promise.resolve({ ok: false, detail: 'aborted', durationMs: 0 });
  const inner = new AbortController();
  return new Promise<ProbeResult>((resolve) => {
    let done = false;
    let stoppedBy: string | null = null;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (outcome: ProbeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(graceTimer);
      outer.removeEventListener('abort', onOuterAbort);
      // once stopped, the attempt's own view of its teardown does not matter: it failed, and why is known
      resolve(stoppedBy === null ? { ok: outcome.ok, detail: outcome.detail, durationMs: elapsed() } : { ok: false, detail: stoppedBy, durationMs: elapsed() });
    };
    const stop = (why: string) => {
      if (stoppedBy !== null || done) return;
      stoppedBy = why;
      inner.abort(new Error(why));
      if (graceMs <= 0) finish({ ok: false, detail: why });
      else graceTimer = setTimeout(() => finish({ ok: false, detail: why }), graceMs);
    };
    const onOuterAbort = () => stop('aborted');
    // at the deadline, the rest of this turn of the event loop first: timers run before I/O, and
    // after a busy stretch an answer already waiting in the socket must not lose to its deadline.
    // A server that has not answered by then is given up in the same turn: its socket is closed.
    const deadline = setTimeout(() => setImmediate(() => stop(`timed out after ${check.timeoutMs} ms`)), check.timeoutMs);
    outer.addEventListener('abort', onOuterAbort, { once: true });
    // a synchronous throw (a bad port, an invalid path) is a failed check like any other
    Promise.resolve()
      .then(() => attempt(check, target, inner.signal))
      .then(finish, (err: unknown) => finish({ ok: false, detail: errorDetail(err) }));
  });
}
