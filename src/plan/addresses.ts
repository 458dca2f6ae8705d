import type { Diagnostic } from '../diagnostics.js';
import { boundAddressKey, holdsAddress, holdsBound, parseBoundAddressKey, type BoundAddress, type DesiredVips, type LiveAddresses } from '../model/vips.js';
import type { SettingChange } from './types.js';

/**
 * VIP addresses, planned like services (pure): the ownership rule is the inventory's. lvsync adds a
 * desired address that is not on its device, and records it as its own; it deletes only addresses it
 * owns and no longer wants. An address already there that lvsync did not add (an operator's,
 * keepalived's) is never claimed and never removed, and an owned one deleted by hand is added again.
 */

export const ADDRESSES_NOT_OBSERVED: Diagnostic = {
  severity: 'warning', code: 'ADDRESSES_NOT_OBSERVED',
  message: 'VIP addresses (vips) are declared or owned but the live snapshot does not show them (a saved ipvsadm -S holds only the table), so they are not compared; plan against the director to include them',
};

export function diffAddresses(desired: DesiredVips | undefined, live: LiveAddresses | undefined, owned: ReadonlySet<string>): { changes: SettingChange[]; warnings: Diagnostic[] } {
  if (!desired && owned.size === 0) return { changes: [], warnings: [] };
  if (!live) return { changes: [], warnings: [ADDRESSES_NOT_OBSERVED] };
  const adds: SettingChange[] = [];
  for (const [key, a] of desired?.addresses ?? []) {
    if (holdsAddress(live, a.device, a.address)) continue;
    const reason = live.get(a.device) === null ? `device ${a.device} does not exist (yet)`
      : owned.has(key) ? 'added by lvsync earlier, removed outside it' : 'not on the device';
    adds.push({ kind: 'add-address', address: a, reason });
  }
  const deletes: SettingChange[] = [];
  for (const key of [...owned].sort()) {
    if (desired?.addresses.has(key)) continue;
    const a = parseBoundAddressKey(key);
    if (a && holdsBound(live, a)) deletes.push({ kind: 'delete-address', address: a, reason: deleteReason(a, desired) });
  }
  return { changes: [...adds, ...deletes], warnings: [] };
}

// why an owned address is no longer wanted: moved to another device, or not a bound VIP any more
function deleteReason(a: BoundAddress, desired: DesiredVips | undefined): string {
  if (!desired) return 'added by lvsync; vips is no longer declared';
  for (const d of desired.addresses.values()) if (d.address === a.address) return `added by lvsync; now bound on ${d.device}`;
  return 'added by lvsync; no longer a VIP to bind (service removed, bindVip: false or vips.bind: false)';
}

/**
 * The addresses lvsync owns after an apply: the ones it owned that are still there (one whose delete
 * failed stays owned, so it is deleted next time) and the ones this plan added that are there now.
 * Without a read of the addresses (nothing declared or owned) the record is kept as it was.
 */
export function nextOwnedAddresses(owned: readonly string[], added: readonly SettingChange[], liveAfter: LiveAddresses | undefined): string[] {
  if (!liveAfter) return [...owned];
  const out = new Set<string>();
  for (const key of owned) {
    const a = parseBoundAddressKey(key);
    if (a && holdsBound(liveAfter, a)) out.add(key);
  }
  for (const c of added) if (c.kind === 'add-address' && holdsBound(liveAfter, c.address)) out.add(boundAddressKey(c.address));
  return [...out].sort();
}
