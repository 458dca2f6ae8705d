import type { HealthState } from '../health/types.js';
import type { Ipvsadm } from '../ipvsadm/port.js';
import type { DesiredState, RealServer, Table, VirtualService } from '../model/types.js';
import { planPass, planTable } from '../reconcile/plan-pass.js';
import { readDrainInput } from '../reconcile/reconcile.js';
import { REHEARSAL_SPREAD } from '../desired/load.js';

/**
 * What a rehearsal runs (pass.ts rehearse): the plan of a config change, and the drain planning a
 * change that removes real servers needs (one server of one service in REHEARSAL_SPREAD), nothing
 * applied. Why the drains too: a pass that deletes servers (a 10% churn) reads the connection counts from /proc/net/ip_vs and plans the drains, code
 * no other pass runs; in the emulated VM of the benchmark that first run took 1.0 s at 2,300 × 16
 * (0.27 s at 1,000 × 4) against 45–55 ms on the host (issue 13).
 *
 * The counts come from the kernel's /proc/net/ip_vs, read like a drain reads it; ipvsadm itself is
 * never run: without a usable /proc the drain part is skipped, and a count that would need the
 * ipvsadm listing ends the rehearsal quietly.
 */
export interface RehearsalInput {
  readonly desired: DesiredState;
  readonly live: Table;
  readonly ipvsadm: Ipvsadm;
  readonly allowMassDelete: boolean;
  readonly health?: ReadonlyMap<string, HealthState>;
  readonly now: number;
}

class NoListing extends Error {}

export async function rehearsePlanAndDrains(input: RehearsalInput): Promise<void> {
  const { desired, live, ipvsadm } = input;
  const planOptions = { inventory: new Set(live.services.keys()), allowMassDelete: input.allowMassDelete };
  const health = input.health ? { health: input.health } : {};
  planTable({ desired, live, planOptions, ...health });

  const removal = withoutServers(desired, live, REHEARSAL_SPREAD);
  const text = removal && ipvsadm.readProcTable ? await ipvsadm.readProcTable() : null;
  if (!removal || text === null) return;
  const procOnly: Ipvsadm = { describe: ipvsadm.describe, run: () => Promise.reject(new NoListing()), readProcTable: async () => text };
  try {
    const drains = await readDrainInput(procOnly, { version: 1, drains: new Map(), timeouts: {} }, input.now, false, { services: removal.services.map((svc) => svc.target), live });
    // as reconcileOnce plans a pass with drains
    planPass({ desired: removal.desired, live, planOptions, ...health, drains });
  } catch (err) {
    if (!(err instanceof NoListing)) throw err;
  }
}

/**
 * The desired state with one real server fewer in one declared service of every `spread` (the first,
 * then every spread-th after it, counting those the live table has with one of their servers): the
 * first server the live table also has. Why many services: a churn deletes servers of many services
 * at once, and the code that plans and drains them runs once per service (load.ts REHEARSAL_SPREAD).
 */
export function withoutServers(desired: DesiredState, live: Table, spread: number): { desired: DesiredState; services: VirtualService[] } | null {
  const services = new Map(desired.table.services);
  const touched: VirtualService[] = [];
  let candidates = 0;
  for (const [key, service] of desired.table.services) {
    const liveServers = live.services.get(key)?.servers;
    if (!liveServers) continue;
    let removed: string | null = null;
    for (const serverKey of service.servers.keys()) {
      if (liveServers.has(serverKey)) { removed = serverKey; break; }
    }
    if (removed === null || candidates++ % spread !== 0) continue;
    const servers = new Map<string, RealServer>(service.servers);
    servers.delete(removed);
    services.set(key, { ...service, servers });
    touched.push(service);
  }
  if (touched.length === 0) return null;
  return { desired: { ...desired, table: { ...desired.table, services } }, services: touched };
}
