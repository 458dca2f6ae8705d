import { isObject } from '../state/recover.js';

/**
 * The file between `lvsync watch` (writer) and `lvsync exabgp` (reader): each VIP's verdict and
 * route. Pure: the text in, a value or why not out; and the value out as text. The writer's pid and
 * the time of writing let the reader withdraw everything when the writer is gone or stuck: a
 * director whose lvsync died must not keep drawing traffic on the strength of an old "ready".
 */

export interface AnnouncedVip {
  readonly prefix: string;
  readonly ready: boolean;
  readonly reasons: readonly string[];
  readonly nextHop: string;
  readonly med: number | null;
  readonly communities: readonly string[];
}

export interface AnycastState {
  readonly version: 1;
  readonly pid: number;
  /** ms since the epoch */
  readonly writtenAt: number;
  /** the reader withdraws everything when the file is older than this */
  readonly staleAfterMs: number;
  readonly vips: readonly AnnouncedVip[];
}

export function formatAnycastState(state: AnycastState): string {
  return `${JSON.stringify({ ...state, writtenAt: new Date(state.writtenAt).toISOString() }, null, 2)}\n`;
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

export function parseAnycastState(text: string): { ok: AnycastState } | { invalid: string } {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return { invalid: 'is not JSON' }; }
  if (!isObject(raw) || raw.version !== 1) return { invalid: 'is not an lvsync anycast state (version 1)' };
  const writtenAt = typeof raw.writtenAt === 'string' ? Date.parse(raw.writtenAt) : NaN;
  if (typeof raw.pid !== 'number' || Number.isNaN(writtenAt) || typeof raw.staleAfterMs !== 'number' || !Array.isArray(raw.vips)) {
    return { invalid: 'is not an lvsync anycast state (pid, writtenAt, staleAfterMs, vips)' };
  }
  const vips: AnnouncedVip[] = [];
  for (const v of raw.vips as unknown[]) {
    if (!isObject(v) || typeof v.prefix !== 'string' || typeof v.ready !== 'boolean' || typeof v.nextHop !== 'string'
      || !(v.med === null || typeof v.med === 'number') || !isStrings(v.communities) || !isStrings(v.reasons)) {
      return { invalid: 'has a VIP entry that is not { prefix, ready, reasons, nextHop, med, communities }' };
    }
    vips.push({ prefix: v.prefix, ready: v.ready, reasons: v.reasons, nextHop: v.nextHop, med: v.med, communities: v.communities });
  }
  return { ok: { version: 1, pid: raw.pid, writtenAt, staleAfterMs: raw.staleAfterMs, vips } };
}
