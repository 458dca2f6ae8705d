import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseHealth, serializeHealth } from '../health/state.js';
import type { HealthState } from '../health/types.js';
import { writeStateFile } from './atomic.js';

/**
 * `health.json` in the state directory: what `lvsync watch` knows of each checked real server, so a
 * restarted daemon keeps a down server out, and `plan`, `apply` and `status` can use the daemon's
 * view. Unreadable or missing means no record (the daemon starts from `unknown`).
 */
export const HEALTH_FILE = 'health.json';

export function healthFilePath(stateDir: string): string {
  return join(stateDir, HEALTH_FILE);
}

export async function readHealthFile(stateDir: string): Promise<HealthState[]> {
  const text = await readFile(healthFilePath(stateDir), 'utf8').catch(() => null);
  return text === null ? [] : parseHealth(text);
}

export async function writeHealthFile(stateDir: string, states: Iterable<HealthState>): Promise<void> {
  await writeStateFile(stateDir, HEALTH_FILE, serializeHealth(states));
}
