import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { HEALTH_FILE_VERSION, healthStatesOf, serializeHealth } from '../health/state.js';
import type { HealthState } from '../health/types.js';
import { writeStateFile } from './atomic.js';
import { parseVersioned, readStateFile, stateFileWarning, type Parsed, type RecoverOptions } from './recover.js';

/**
 * `health.json` in the state directory: what `lvsync watch` knows of each checked real server, so a
 * restarted daemon keeps a down server out, and `plan`, `apply` and `status` can use the daemon's
 * view. Missing means no record; unusable is reported (STATE_FILE) and also means no record: every
 * server starts `unknown`, which counts as up, as keepalived starts. Starting them down instead would
 * take every server out of rotation because a file broke.
 */
export const HEALTH_FILE = 'health.json';

/** What lvsync does instead of using a bad health.json, for the STATE_FILE warning. */
export const LOST_HEALTH_INSTEAD = 'lvsync carries on without the recorded health: every checked real server is unknown '
  + '(counts as up, at its declared weight) until its own checks decide';

export function healthFilePath(stateDir: string): string {
  return join(stateDir, HEALTH_FILE);
}

/** The file as a whole must be a version-1 health file; malformed entries in it are dropped one by one (parseHealth). */
export function parseHealthFile(text: string): Parsed<HealthState[]> {
  const v = parseVersioned(text, HEALTH_FILE_VERSION, 'an lvsync health file');
  if (!('ok' in v)) return v;
  if (!Array.isArray(v.ok.states)) return { invalid: 'is not an lvsync health file ("states" is not a list)' };
  return { ok: healthStatesOf(v.ok) };
}

export interface HealthFileRead {
  readonly states: HealthState[];
  /** STATE_FILE, when the file was unusable */
  readonly warning: Diagnostic | null;
}

export async function readHealthFile(stateDir: string, options: RecoverOptions): Promise<HealthFileRead> {
  const read = await readStateFile(healthFilePath(stateDir), parseHealthFile, options);
  return { states: read.value ?? [], warning: read.problem ? stateFileWarning(read.problem, LOST_HEALTH_INSTEAD) : null };
}

export async function writeHealthFile(stateDir: string, states: Iterable<HealthState>): Promise<void> {
  await writeStateFile(stateDir, HEALTH_FILE, serializeHealth(states));
}
