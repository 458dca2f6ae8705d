import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStateFile } from './atomic.js';

/**
 * The inventory: which services lvsync created or adopted, so that deleting a service from git deletes
 * it from the kernel even though IPVS has no labels. Lost inventory is survivable: declared services
 * and scope ranges still define ownership.
 */
export interface Inventory {
  readonly version: 1;
  readonly services: readonly string[];
  /** thresholds were declared at the last apply: keep reading them so clearing them is noticed */
  readonly thresholds: boolean;
}

export const DEFAULT_STATE_DIR = '/var/lib/lvsync';
const FILE = 'inventory.json';

export async function readInventory(stateDir: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(join(stateDir, FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, services: [], thresholds: false };
    throw err;
  }
  const data = JSON.parse(text) as Partial<Inventory>;
  if (data.version !== 1 || !Array.isArray(data.services)) throw new Error(`${join(stateDir, FILE)} is not an lvsync inventory (version 1); move it away to start afresh`);
  return { version: 1, services: data.services.filter((s): s is string => typeof s === 'string'), thresholds: data.thresholds === true };
}

/** Atomic replace, so a crash never leaves half an inventory. */
export async function writeInventory(stateDir: string, inventory: Inventory): Promise<void> {
  await writeStateFile(stateDir, FILE, `${JSON.stringify({ ...inventory, services: [...inventory.services].sort() }, null, 2)}\n`);
}

/** After an apply: everything declared that exists now, plus earlier entries that still exist (kept by prune: false). */
export function nextInventory(previous: Inventory, declared: Iterable<string>, liveKeys: ReadonlySet<string>, thresholds: boolean): Inventory {
  const services = new Set<string>();
  for (const key of declared) if (liveKeys.has(key)) services.add(key);
  for (const key of previous.services) if (liveKeys.has(key)) services.add(key);
  return { version: 1, services: [...services], thresholds };
}
