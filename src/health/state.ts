import type { HealthCheckSpec, HealthState, HealthStatus, ProbeResult } from './types.js';

/**
 * The health state machine of one real server, pure: the monitor feeds it probe results and the
 * daemon persists its output, so the rise/fall rules live in exactly one place and are tested
 * without timers or sockets.
 */

/** A server nobody has checked yet: unknown, which counts as up until a check decides. */
export function initialHealth(id: string): HealthState {
  return { id, status: 'unknown', since: null, consecutiveOk: 0, consecutiveFail: 0, lastResult: null, lastCheckAt: null };
}

/**
 * One probe result applied to a state. unknown becomes up on the first success (nothing to wait
 * for: it already counted as up) and down only after `fall` failures in a row, as up does; down
 * comes back after `rise` successes in a row. `>=` rather than `===` so a threshold lowered by a
 * config reload, or counters restored from disk, still take effect on the next result.
 */
export function nextHealth(state: HealthState, result: ProbeResult, check: HealthCheckSpec, now: number): HealthState {
  const consecutiveOk = result.ok ? state.consecutiveOk + 1 : 0;
  const consecutiveFail = result.ok ? 0 : state.consecutiveFail + 1;
  let status: HealthStatus = state.status;
  if (result.ok && (state.status === 'unknown' || (state.status === 'down' && consecutiveOk >= check.rise))) status = 'up';
  if (!result.ok && state.status !== 'down' && consecutiveFail >= check.fall) status = 'down';
  const since = status === state.status ? state.since : now;
  return { id: state.id, status, since, consecutiveOk, consecutiveFail, lastResult: result, lastCheckAt: now };
}

/** The file format of persisted states; bump when a field changes meaning. */
export const HEALTH_FILE_VERSION = 1;

/** States as JSON for the state directory, so a restarted daemon does not put a down server back. */
export function serializeHealth(states: Iterable<HealthState>): string {
  return `${JSON.stringify({ version: HEALTH_FILE_VERSION, states: [...states] }, null, 2)}\n`;
}

/**
 * The states of serializeHealth's output. Tolerant by design: a missing, truncated or foreign file
 * must never stop the daemon, so anything that is not version 1 gives no states (every server
 * starts unknown) and malformed entries are dropped one by one.
 */
export function parseHealth(text: string): HealthState[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  return healthStatesOf(data);
}

/** parseHealth of a document already parsed from JSON. */
export function healthStatesOf(data: unknown): HealthState[] {
  if (!isObject(data) || data.version !== HEALTH_FILE_VERSION || !Array.isArray(data.states)) return [];
  const seen = new Set<string>();
  const out: HealthState[] = [];
  for (const raw of data.states) {
    const state = parseState(raw);
    if (state === null || seen.has(state.id)) continue;
    seen.add(state.id);
    out.push(state);
  }
  return out;
}

// --- internal ---

const STATUSES: readonly unknown[] = ['unknown', 'up', 'down'] satisfies HealthStatus[];

function parseState(raw: unknown): HealthState | null {
  if (!isObject(raw)) return null;
  const { id, status, since, consecutiveOk, consecutiveFail, lastResult, lastCheckAt } = raw;
  if (typeof id !== 'string' || id === '' || !STATUSES.includes(status)) return null;
  if (!isCount(consecutiveOk) || !isCount(consecutiveFail)) return null;
  if (!isTimeOrNull(since) || !isTimeOrNull(lastCheckAt)) return null;
  // an unknown state has no since; a decided one always has one
  if ((status === 'unknown') !== (since === null)) return null;
  const result = lastResult === null || lastResult === undefined ? null : parseResult(lastResult);
  if (result === undefined) return null;
  return { id, status: status as HealthStatus, since, consecutiveOk, consecutiveFail, lastResult: result, lastCheckAt };
}

function parseResult(raw: unknown): ProbeResult | undefined {
  if (!isObject(raw)) return undefined;
  const { ok, detail, durationMs } = raw;
  if (typeof ok !== 'boolean' || typeof detail !== 'string' || typeof durationMs !== 'number' || !Number.isFinite(durationMs)) return undefined;
  return { ok, detail, durationMs };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isTimeOrNull(v: unknown): v is number | null {
  return v === null || (typeof v === 'number' && Number.isFinite(v));
}
