import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStateFile } from './atomic.js';
import type { DrainRecord } from '../plan/annotations.js';

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

const FILE = 'drains.json';

export const EMPTY_DRAIN_STATE: DrainState = { version: 1, drains: new Map(), timeouts: {} };

function isRecord(x: unknown): x is DrainRecord {
  const r = x as Partial<DrainRecord> | null;
  return !!r && typeof r.id === 'string' && typeof r.service === 'string' && (r.server === null || typeof r.server === 'string')
    && typeof r.what === 'string' && typeof r.startedAt === 'number' && typeof r.deadline === 'number';
}

export async function readDrainState(stateDir: string): Promise<DrainState> {
  let text: string;
  try {
    text = await readFile(join(stateDir, FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_DRAIN_STATE;
    throw err;
  }
  let data: { version?: unknown; drains?: unknown; timeouts?: unknown };
  try {
    data = JSON.parse(text) as typeof data;
  } catch {
    throw new Error(`${join(stateDir, FILE)} is not valid JSON; move it away to start afresh (drains in progress are then restarted)`);
  }
  if (data.version !== 1 || !Array.isArray(data.drains)) throw new Error(`${join(stateDir, FILE)} is not an lvsync drain state (version 1); move it away to start afresh`);
  const drains = new Map<string, DrainRecord>();
  for (const r of data.drains) if (isRecord(r)) drains.set(r.id, { ...r, persistent: r.persistent === true });
  const timeouts: Record<string, number> = {};
  if (data.timeouts && typeof data.timeouts === 'object') {
    for (const [k, v] of Object.entries(data.timeouts as Record<string, unknown>)) if (typeof v === 'number') timeouts[k] = v;
  }
  return { version: 1, drains, timeouts };
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
  await writeStateFile(stateDir, FILE, `${JSON.stringify(toJson(state), null, 2)}\n`);
}
