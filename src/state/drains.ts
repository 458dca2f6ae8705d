import { join } from 'node:path';
import { writeStateFile } from './atomic.js';
import type { DrainRecord } from '../plan/annotations.js';
import type { Diagnostic } from '../diagnostics.js';
import { isObject, parseVersioned, readStateFile, stateFileWarning, type Parsed, type RecoverOptions } from './recover.js';

/**
 * Drains in progress, kept in the state directory (`drains.json`) so a daemon restart, or an apply
 * interrupted while it waited, resumes them with their original deadlines instead of deleting
 * servers that still carry connections or forgetting them at weight 0. Also the drain timeout each
 * declared service last had, for when a removed service is drained and its declaration is gone.
 */
export interface DrainState {
  readonly version: 1;
  readonly drains: ReadonlyMap<string, DrainRecord>;
  /** non-default drain timeouts (ms) of services as last declared */
  readonly timeouts: Readonly<Record<string, number>>;
}

export const DRAINS_FILE = 'drains.json';

export const EMPTY_DRAIN_STATE: DrainState = { version: 1, drains: new Map(), timeouts: {} };

function isRecord(x: unknown): x is DrainRecord {
  const r = x as Partial<DrainRecord> | null;
  return !!r && typeof r.id === 'string' && typeof r.service === 'string' && (r.server === null || typeof r.server === 'string')
    && typeof r.what === 'string' && typeof r.startedAt === 'number' && typeof r.deadline === 'number';
}

/** What lvsync does instead of using a bad drains.json, for the STATE_FILE warning. */
export const LOST_DRAINS_INSTEAD = 'lvsync carries on as if no drain were in progress: each server or service it still has to delete '
  + 'is drained again from now (kept at weight 0, deleted once its active connections end or a full drain timeout after now), '
  + 'so none is deleted early';

export function parseDrainState(text: string): Parsed<DrainState> {
  const v = parseVersioned(text, 1, 'an lvsync drain state');
  if (!('ok' in v)) return v;
  const data = v.ok;
  if (!Array.isArray(data.drains)) return { invalid: 'is not an lvsync drain state ("drains" is not a list)' };
  if (data.timeouts !== undefined && !isObject(data.timeouts)) return { invalid: 'is not an lvsync drain state ("timeouts" is not an object)' };
  const drains = new Map<string, DrainRecord>();
  for (const r of data.drains) if (isRecord(r)) drains.set(r.id, { ...r, persistent: r.persistent === true });
  const timeouts: Record<string, number> = {};
  for (const [k, t] of Object.entries(data.timeouts ?? {})) if (typeof t === 'number') timeouts[k] = t;
  return { ok: { version: 1, drains, timeouts } };
}

export interface DrainStateRead {
  readonly state: DrainState;
  /** STATE_FILE, when the file was unusable */
  readonly warning: Diagnostic | null;
}

/**
 * The drains in progress; none when the file is missing or unusable. Restarting drains is the safe
 * default: a server whose drain record is lost is still at weight 0, and planDrains holds its delete
 * again until its connections end or a whole new drain timeout runs out, so a lost file can make a
 * drain last longer, never cut connections short.
 */
export async function readDrainState(stateDir: string, options: RecoverOptions): Promise<DrainStateRead> {
  const read = await readStateFile(join(stateDir, DRAINS_FILE), parseDrainState, options);
  return { state: read.value ?? EMPTY_DRAIN_STATE, warning: read.problem ? stateFileWarning(read.problem, LOST_DRAINS_INSTEAD) : null };
}

function sameState(a: DrainState, b: DrainState): boolean {
  return JSON.stringify(toJson(a)) === JSON.stringify(toJson(b));
}

function toJson(state: DrainState) {
  return {
    version: 1,
    drains: [...state.drains.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)),
    timeouts: Object.fromEntries(Object.entries(state.timeouts).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}

/** Atomic replace; skipped when nothing changed, so a steady-state pass writes nothing. */
export async function writeDrainState(stateDir: string, state: DrainState, previous?: DrainState): Promise<void> {
  if (previous && sameState(previous, state)) return;
  await writeStateFile(stateDir, DRAINS_FILE, `${JSON.stringify(toJson(state), null, 2)}\n`);
}
