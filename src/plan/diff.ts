import { describeTarget } from '../model/keys.js';
import { sortedServers, sortedServices } from '../model/order.js';
import type { DesiredState, RealServer, Table, VirtualService } from '../model/types.js';
import { serverChanges, serviceChanges } from './compare.js';
import { createOwnership } from './ownership.js';
import type { Operation } from './types.js';

/** Why a plain in-place edit is planned; health and drains give their own reasons instead. */
export const EDIT_REASON = 'attributes differ from the declaration';

export interface DiffResult {
  readonly operations: Operation[];
  readonly ignoredServices: number;
  readonly keptServices: number;
  /** live services lvsync owns (declared, inventory or scope): the base of the mass-delete share */
  readonly ownedLiveServices: number;
}

/**
 * Compare by identity key (facts §1): same key and different attributes is an in-place edit, a key on
 * one side only is an add or a delete. Identity changes (VIP, port, protocol, fwmark, family, RIP,
 * stored port) therefore become delete + add without special cases.
 */
export function diffTables(desired: DesiredState, live: Table, inventory: ReadonlySet<string>): DiffResult {
  const owns = createOwnership(desired.scope, inventory);
  const ops: Operation[] = [];
  let ignoredServices = 0;
  let keptServices = 0;
  let ownedLiveServices = 0;

  for (const want of sortedServices(desired.table.services.values())) {
    const have = live.services.get(want.key);
    // each service's servers are sorted once; the live side only for what it alone has (usually nothing)
    const servers = sortedServers(want.servers.values());
    if (!have) {
      ops.push({ kind: 'add-service', service: want, reason: 'declared, not in the live table' });
      for (const server of servers) {
        ops.push({ kind: 'add-server', service: want, server, reason: 'declared with its new service' });
      }
      continue;
    }
    ownedLiveServices++;
    const svcChanges = serviceChanges(have, want);
    if (svcChanges.length > 0) {
      ops.push({ kind: 'edit-service', service: want, before: have, changes: svcChanges, reason: EDIT_REASON });
    }
    for (const server of servers) {
      const current = have.servers.get(server.key);
      if (!current) {
        ops.push({ kind: 'add-server', service: want, server, reason: 'declared, not in the live table' });
        continue;
      }
      const changes = serverChanges(current, server);
      if (changes.length > 0) {
        ops.push({ kind: 'edit-server', service: want, server, before: current, changes, reason: EDIT_REASON });
      }
    }
    let undeclared: RealServer[] | null = null;
    for (const server of have.servers.values()) {
      if (!want.servers.has(server.key)) (undeclared ??= []).push(server);
    }
    if (undeclared) {
      for (const server of sortedServers(undeclared)) {
        ops.push({ kind: 'delete-server', service: want, server, reason: 'not declared for this service' });
      }
    }
  }

  // only the live services nothing declares are sorted: filtering first gives the same order
  const undeclaredServices: VirtualService[] = [];
  for (const have of live.services.values()) if (!desired.table.services.has(have.key)) undeclaredServices.push(have);
  for (const have of sortedServices(undeclaredServices)) {
    const reason = owns(have.key, have.target);
    if (reason === null) { ignoredServices++; continue; }
    ownedLiveServices++;
    if (!desired.scope.prune) { keptServices++; continue; }
    ops.push({
      kind: 'delete-service',
      service: have,
      reason: reason === 'inventory'
        ? `${describeTarget(have.target)} was created by lvsync and is no longer declared`
        : `${describeTarget(have.target)} is inside the owned scope and not declared`,
    });
  }
  return { operations: ops, ignoredServices, keptServices, ownedLiveServices };
}
