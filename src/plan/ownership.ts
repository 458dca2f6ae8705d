import { cidrContains, parseCidr, type Cidr } from '../model/address.js';
import type { ScopeSpec, ServiceTarget } from '../model/types.js';

/** Why lvsync owns a live service that is not declared, or null when it does not own it. */
export type OwnershipReason = 'inventory' | 'scope' | null;

/**
 * IPVS has no labels, so ownership is explicit (issue 2): services lvsync created before (the
 * inventory in the state directory) and services inside the declared scope ranges. Declared services
 * are owned by definition and never reach this function.
 */
export function createOwnership(scope: ScopeSpec, inventory: ReadonlySet<string>): (key: string, target: ServiceTarget) => OwnershipReason {
  const cidrs = scope.addresses.map(parseCidr).filter((c): c is Cidr => c !== null);
  return (key, target) => {
    if (inventory.has(key)) return 'inventory';
    if (target.kind === 'fwmark') {
      return scope.fwmarks.some((r) => target.mark >= r.from && target.mark <= r.to) ? 'scope' : null;
    }
    return cidrs.some((c) => cidrContains(c, target.address)) ? 'scope' : null;
  };
}
