import { sortedServices } from '../model/order.js';
import type { DesiredState, Table, VirtualService } from '../model/types.js';
import { createOwnership } from './ownership.js';

/**
 * A lost inventory (issue 13), pure. The inventory is the only record of the services lvsync created
 * and no longer declares; once it is lost, those cannot be told from services someone else made. So
 * the safe default deletes none of them: every live service that is neither declared nor inside the
 * scope is kept, the plan lists them, and the loss stays recorded (in the next inventory) until the
 * operator settles it:
 *  - `--lost-inventory delete`: they were lvsync's. They are adopted into the inventory and planned
 *    like any owned, undeclared service: deleted (drained first) unless `scope.prune` is false, and
 *    under the mass-delete guard like every delete.
 *  - `--lost-inventory keep`: they are not lvsync's (or are to stay). Nothing changes in the kernel.
 * Once no such service is live, there is nothing left to settle and the loss is forgotten by itself.
 */

export type LostInventoryResolution = 'delete' | 'keep';

export const LOST_INVENTORY_RESOLUTIONS: readonly LostInventoryResolution[] = ['delete', 'keep'];

/** The loss, as the state directory records it. */
export interface InventoryLossInput {
  readonly at: number;
  readonly movedTo: string | null;
  /** what the operator said for this run (--lost-inventory); null: nothing yet */
  readonly resolution: LostInventoryResolution | null;
}

/** What a plan says about a lost inventory. */
export interface LostInventoryView {
  readonly lostAt: number;
  readonly movedTo: string | null;
  /** live services neither declared nor in the scope: lvsync may have created them, in canonical order */
  readonly services: readonly VirtualService[];
  readonly resolution: LostInventoryResolution | null;
}

/** Live services nothing owns: not declared, not in the inventory, not inside the scope. */
export function unownedLiveServices(desired: DesiredState, live: Table, inventory: ReadonlySet<string>): VirtualService[] {
  const owns = createOwnership(desired.scope, inventory);
  const out: VirtualService[] = [];
  for (const svc of live.services.values()) {
    if (!desired.table.services.has(svc.key) && owns(svc.key, svc.target) === null) out.push(svc);
  }
  return sortedServices(out);
}

/** The loss is still to be settled after this plan: services are in question and the operator has not said what they are. */
export function lossOutstanding(view: LostInventoryView | undefined): boolean {
  return view !== undefined && view.resolution === null;
}

/** The services a plan adopts into the inventory (`--lost-inventory delete`). */
export function adoptedServices(view: LostInventoryView | undefined): string[] {
  return view?.resolution === 'delete' ? view.services.map((s) => s.key) : [];
}
