import type { HealthCheckSpec, ProbeResult, ProbeTarget } from './types.js';

/**
 * What each check kind (tcp, http, exec) implements under createProbe, which adds the timeout,
 * the caller's signal and the duration once for all of them.
 */

/** What a check kind reports before the common layer adds the duration. */
export type ProbeOutcome = Pick<ProbeResult, 'ok' | 'detail'>;

/** One check kind: must give up promptly once `signal` aborts (the common layer has settled by then or soon will). */
export type ProbeAttempt = (check: HealthCheckSpec, target: ProbeTarget, signal: AbortSignal) => Promise<ProbeOutcome>;

/** "connect ECONNREFUSED" for socket errors, the message otherwise: short enough for a log line. */
export function errorDetail(err: unknown): string {
  const e = err as NodeJS.ErrnoException | null;
  if (e && typeof e === 'object') {
    if (typeof e.syscall === 'string' && typeof e.code === 'string') return `${e.syscall} ${e.code}`;
    if (typeof e.code === 'string' && typeof e.message === 'string' && !e.message.includes(e.code)) return `${e.code}: ${e.message}`;
    if (typeof e.message === 'string' && e.message !== '') return e.message;
  }
  return String(err);
}
