import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStateFile } from '../state/atomic.js';

/**
 * `lvsync drain-director`'s mark in the state directory: while it is there, `lvsync watch` reports
 * every anycast VIP not ready (withdrawn) whatever else holds, until `drain-director --undo` removes
 * it. A file rather than a signal: it survives a restart of lvsync watch, so a director taken out for
 * maintenance stays out until someone says otherwise.
 */
export const DRAIN_FLAG_FILE = 'drain-director.json';

export interface DrainFlag {
  /** ms since the epoch */
  readonly since: number;
}

export async function readDrainFlag(stateDir: string): Promise<DrainFlag | null> {
  let text: string;
  try {
    text = await readFile(join(stateDir, DRAIN_FLAG_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // whatever is in it, the mark is there: a drain is never undone by a damaged file
  try {
    const since = Date.parse((JSON.parse(text) as { since?: string }).since ?? '');
    return { since: Number.isNaN(since) ? 0 : since };
  } catch {
    return { since: 0 };
  }
}

export async function writeDrainFlag(stateDir: string, since: number): Promise<void> {
  await writeStateFile(stateDir, DRAIN_FLAG_FILE, `${JSON.stringify({ since: new Date(since).toISOString() })}\n`);
}

export async function removeDrainFlag(stateDir: string): Promise<boolean> {
  try {
    await rm(join(stateDir, DRAIN_FLAG_FILE));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
