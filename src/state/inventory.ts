import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { parseBoundAddressKey } from '../model/vips.js';
import { writeStateFile } from './atomic.js';
import { isObject, parseVersioned, readStateFile, stateFileWarning, type Parsed, type RecoverOptions } from './recover.js';

/**
 * The inventory: which services lvsync created or adopted, so that deleting a service from git deletes
 * it from the kernel even though IPVS has no labels. Lost inventory is survivable: declared services
 * and scope ranges still define ownership. What it cannot tell any more is which other live services
 * lvsync created, so those are kept (never deleted) and the loss is recorded in the new inventory
 * (`lost`) until the operator says what they are (`--lost-inventory delete|keep`, src/plan/lost-inventory.ts).
 */
export interface Inventory {
  readonly version: 1;
  readonly services: readonly string[];
  /** thresholds were declared at the last apply: keep reading them so clearing them is noticed */
  readonly thresholds: boolean;
  /** an earlier inventory was lost and the services it alone owned are not known yet */
  readonly lost?: InventoryLoss;
  /**
   * VIP addresses lvsync added ("10.0.0.10/32 lo", model/vips.ts): the only addresses it ever deletes.
   * Absent in inventories written before `vips` existed, and whenever it owns none.
   */
  readonly addresses?: readonly string[];
}

/** When the inventory was found unusable, and where the bad file went. */
export interface InventoryLoss {
  readonly at: number;
  /** the `.corrupt-` copy; null when it could not be moved aside */
  readonly movedTo: string | null;
}

export const DEFAULT_STATE_DIR = '/var/lib/lvsync';
export const INVENTORY_FILE = 'inventory.json';
export const EMPTY_INVENTORY: Inventory = { version: 1, services: [], thresholds: false };

/** What lvsync does instead of using a bad inventory, for the STATE_FILE warning. */
export const LOST_INVENTORY_INSTEAD = 'lvsync carries on without it: declared services and the scope still define what it owns, '
  + 'and live services that only the lost inventory owned are kept, not deleted, until `lvsync apply --lost-inventory delete` '
  + '(or `keep`) says what they are';

function parseLoss(raw: unknown): InventoryLoss | null {
  if (!isObject(raw) || typeof raw.at !== 'string' || Number.isNaN(Date.parse(raw.at))) return null;
  if (raw.movedTo !== null && typeof raw.movedTo !== 'string') return null;
  return { at: Date.parse(raw.at), movedTo: raw.movedTo };
}

/**
 * Strict on purpose: the inventory licenses deletes, so a file that is not exactly what lvsync
 * writes is not trusted in part.
 */
export function parseInventory(text: string): Parsed<Inventory> {
  const v = parseVersioned(text, 1, 'an lvsync inventory');
  if (!('ok' in v)) return v;
  const { services, thresholds, lost, addresses } = v.ok;
  if (!Array.isArray(services) || !services.every((s) => typeof s === 'string')) return { invalid: 'is not an lvsync inventory ("services" is not a list of service keys)' };
  if (thresholds !== undefined && typeof thresholds !== 'boolean') return { invalid: 'is not an lvsync inventory ("thresholds" is not true or false)' };
  const loss = lost === undefined ? null : parseLoss(lost);
  if (lost !== undefined && loss === null) return { invalid: 'is not an lvsync inventory ("lost" is not { at, movedTo })' };
  if (addresses !== undefined && (!Array.isArray(addresses) || !addresses.every((a) => typeof a === 'string' && parseBoundAddressKey(a) !== null))) {
    return { invalid: 'is not an lvsync inventory ("addresses" is not a list of "ADDRESS/32 DEVICE" or "ADDRESS/128 DEVICE")' };
  }
  return {
    ok: {
      version: 1, services: services as string[], thresholds: thresholds === true, ...(loss ? { lost: loss } : {}),
      ...(addresses !== undefined && addresses.length ? { addresses: addresses as string[] } : {}),
    },
  };
}

export interface InventoryRead {
  readonly inventory: Inventory;
  /** the inventory is lost: now, or at an earlier run whose loss is not settled yet */
  readonly loss: InventoryLoss | null;
  /** STATE_FILE, when the file was unusable at this read */
  readonly warning: Diagnostic | null;
}

/**
 * The inventory, or, when the file is unusable, an empty one (nothing is owned through it) that
 * reads thresholds (whether they were declared before is not known either) and records the loss.
 */
export async function readInventory(stateDir: string, options: RecoverOptions): Promise<InventoryRead> {
  const read = await readStateFile(join(stateDir, INVENTORY_FILE), parseInventory, options);
  if (read.problem) {
    const loss: InventoryLoss = { at: (options.now ?? Date.now)(), movedTo: read.problem.movedTo };
    const inventory: Inventory = { version: 1, services: [], thresholds: true, lost: loss };
    // recorded at once: a run that ends before it records anything (refused, cancelled, ipvsadm
    // failing) must not leave no inventory, which the next run would take for a first run
    if (read.problem.movedTo !== null) await writeInventory(stateDir, inventory).catch(() => undefined);
    return { inventory, loss, warning: stateFileWarning(read.problem, LOST_INVENTORY_INSTEAD) };
  }
  const inventory = read.value ?? EMPTY_INVENTORY;
  return { inventory, loss: inventory.lost ?? null, warning: null };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Atomic replace, so a crash never leaves half an inventory. */
export async function writeInventory(stateDir: string, inventory: Inventory): Promise<void> {
  const { lost, addresses, ...rest } = inventory;
  const doc = {
    ...rest, services: [...inventory.services].sort(), ...(lost ? { lost: { at: iso(lost.at), movedTo: lost.movedTo } } : {}),
    // written only when there are some, so inventories of configs without vips stay as they were
    ...(addresses?.length ? { addresses: [...addresses].sort() } : {}),
  };
  await writeStateFile(stateDir, INVENTORY_FILE, `${JSON.stringify(doc, null, 2)}\n`);
}

/**
 * After an apply: everything declared that exists now, plus earlier entries that still exist (kept by
 * prune: false, or being drained). `lost`: the loss still to settle, or null once it is settled.
 * `addresses`: the VIP addresses owned now (src/plan/addresses.ts nextOwnedAddresses).
 */
export function nextInventory(previous: Inventory, declared: Iterable<string>, liveKeys: ReadonlySet<string>, thresholds: boolean, lost: InventoryLoss | null = null, addresses: readonly string[] = previous.addresses ?? []): Inventory {
  const services = new Set<string>();
  for (const key of declared) if (liveKeys.has(key)) services.add(key);
  for (const key of previous.services) if (liveKeys.has(key)) services.add(key);
  return { version: 1, services: [...services], thresholds, ...(lost ? { lost } : {}), ...(addresses.length ? { addresses } : {}) };
}
