import type { Diagnostic } from '../diagnostics.js';
import { formatSettings } from '../model/settings.js';
import type { DesiredState, Table } from '../model/types.js';
import { formatAddresses, formatLiveAddresses } from '../model/vips.js';
import { diffAddresses } from './addresses.js';
import { diffTables } from './diff.js';
import { unownedLiveServices, type InventoryLossInput } from './lost-inventory.js';
import { orderOperations } from './order.js';
import { diffSettings, digestWithSettings } from './settings.js';
import type { Operation, Plan, PlanSummary, SettingChange } from './types.js';

export interface PlanOptions {
  /** service keys lvsync created earlier (the inventory) */
  readonly inventory?: ReadonlySet<string>;
  /** VIP addresses lvsync added earlier ("10.0.0.10/32 lo", the inventory's `addresses`) */
  readonly ownedAddresses?: ReadonlySet<string>;
  readonly allowMassDelete?: boolean;
  /** extra warnings to carry in the plan (e.g. thresholds not observed) */
  readonly warnings?: readonly Diagnostic[];
  /** the inventory was lost and the loss is not settled (src/plan/lost-inventory.ts) */
  readonly lostInventory?: InventoryLossInput | null;
}

const NO_KEYS: ReadonlySet<string> = new Set();

/** Pure: desired + live in, an ordered minimal plan out. Never sees a file or a process. */
export function createPlan(desired: DesiredState, live: Table, options: PlanOptions = {}): Plan {
  const lost = options.lostInventory ?? null;
  let inventory = options.inventory ?? NO_KEYS;
  // only with a lost inventory: the services it may have owned, kept or (delete) adopted
  const unowned = lost ? unownedLiveServices(desired, live, inventory) : [];
  const adopted = lost?.resolution === 'delete' && unowned.length ? new Set(unowned.map((s) => s.key)) : NO_KEYS;
  if (adopted.size) inventory = new Set([...inventory, ...adopted]);
  const diff = diffTables(desired, live, inventory, adopted);
  const operations = orderOperations(diff.operations);
  const kernel = diffSettings(desired.settings, live.settings);
  const addresses = diffAddresses(desired.vips, live.addresses, options.ownedAddresses ?? NO_KEYS);
  // adds first and deletes last: the order they are applied in (src/apply/apply.ts)
  const settings = {
    changes: [...addresses.changes.filter((c) => c.kind === 'add-address'), ...kernel.changes, ...addresses.changes.filter((c) => c.kind === 'delete-address')],
    warnings: [...kernel.warnings, ...addresses.warnings],
  };
  const summary = summarize(operations, settings.changes);
  let desiredDigest: string | undefined;
  let liveDigest: string | undefined;
  return {
    formatVersion: 1,
    operations,
    settings: settings.changes,
    summary,
    ignoredServices: diff.ignoredServices,
    keptServices: diff.keptServices,
    // computed when read (saved plans, JSON, the daemon's convergence check): a text plan or an apply
    // never needs them, and hashing both canonical tables was ~40% of createPlan at 50k services (issue 6)
    get desiredDigest() {
      return (desiredDigest ??= digestWithSettings(desired.table, (desired.settings
        ? formatSettings({ timeouts: desired.settings.timeouts, daemons: desired.settings.syncDaemon, sysctls: desired.settings.sysctls })
        : '') + (desired.vips ? `#addresses\n${formatAddresses(desired.vips.addresses.keys())}` : '')));
    },
    get liveDigest() {
      return (liveDigest ??= digestWithSettings(live, (live.settings
        ? formatSettings({ timeouts: live.settings.timeouts, daemons: live.settings.daemons ?? { master: undefined, backup: undefined }, sysctls: live.settings.sysctls })
        : '') + (live.addresses ? `#addresses\n${formatLiveAddresses(live.addresses)}` : '')));
    },
    refusal: options.allowMassDelete ? null : massDeleteRefusal(desired, operations, diff.ownedLiveServices),
    warnings: [...(options.warnings ?? []), ...settings.warnings],
    ...(lost && unowned.length ? { lostInventory: { lostAt: lost.at, movedTo: lost.movedTo, services: unowned, resolution: lost.resolution } } : {}),
  };
}

// a daemon started or an address added counts as an addition, one stopped or deleted as a destruction, every other setting as a change
export function summarize(ops: readonly Operation[], settings: readonly SettingChange[]): PlanSummary {
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const op of ops) {
    if (op.kind.startsWith('add')) add++;
    else if (op.kind.startsWith('edit')) change++;
    else destroy++;
  }
  for (const s of settings) {
    if (s.kind === 'start-daemon' || s.kind === 'add-address') add++;
    else if (s.kind === 'stop-daemon' || s.kind === 'delete-address') destroy++;
    else change++;
  }
  return { add, change, destroy };
}

/**
 * A config that lost its services (an empty directory, a bad merge) must not wipe a director.
 * Refuse deleting more than scope.maxDeleteShare of the owned live services, and any delete at all
 * from a config that declares no service.
 */
function massDeleteRefusal(desired: DesiredState, ops: readonly Operation[], ownedLive: number): Diagnostic | null {
  const deletes = ops.filter((op) => op.kind === 'delete-service').length;
  if (deletes === 0) return null;
  const share = desired.scope.maxDeleteShare;
  const empty = desired.table.services.size === 0;
  if (!empty && deletes <= share * ownedLive) return null;
  const why = empty
    ? `the desired state declares no services but the plan deletes ${deletes} owned service(s)`
    : `the plan deletes ${deletes} of ${ownedLive} owned services, more than the allowed share of ${Math.round(share * 100)}% (scope.maxDeleteShare)`;
  return {
    severity: 'error',
    code: 'MASS_DELETE',
    message: `refusing a mass delete: ${why}. If this is intended, run again with --allow-mass-delete.`,
  };
}
