import { readFileSync } from 'node:fs';
import { parseOpenFileLimit } from './budget.js';

/**
 * This process's open-file limit, read once when the daemon or a `--health` round starts (Node
 * has no getrlimit). null where /proc is not there: the budget then assumes the usual 1024.
 */
export function readOpenFileLimit(path = '/proc/self/limits'): number | null {
  try {
    return parseOpenFileLimit(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}
