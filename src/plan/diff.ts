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

const NO_KEYS: ReadonlySet<string> = new Set();

/**
 * Compare by identity key (facts §1): same key and different attributes is an in-place edit, a key on
 * one side only is an add or a delete. Identity changes (VIP, port, protocol, fwmark, family, RIP,
 * stored port) therefore become delete + add without special cases. `adopted`: inventory entries a
 * lost-inventory resolution added (src/plan/lost-inventory.ts), for the reason of their delete.
 */
export function diffTables(desired: DesiredState, live: Table, inventory: ReadonlySet<string>, adopted: ReadonlySet<string> = NO_KEYS): DiffResult {
  const owns = createOwnership(desired.scope, inventory);
  let ignoredServices = 0;
  let keptServices = 0;
  let ownedLiveServices = 0;

  // Declared services in the canonical order, each with its operations together; only the services
  // that change are sorted, and only the servers that change (in a no-change plan nothing is: the
  // sorts were most of diffTables at 50k services, issue 6).
  const changedServices = new Map<VirtualService, Operation[]>();
  for (const want of desired.table.services.values()) {
    const have = live.services.get(want.key);
    if (have) ownedLiveServices++;
    const serviceOps = have ? diffService(want, have) : addService(want);
    if (serviceOps.length > 0) changedServices.set(want, serviceOps);
  }
  const ops: Operation[] = [];
  for (const service of sortedServices(changedServices.keys())) {
    for (const op of changedServices.get(service)!) ops.push(op);
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
      reason: adopted.has(have.key)
        ? `${describeTarget(have.target)} is not declared and was adopted by --lost-inventory delete (the inventory that said who created it was lost)`
        : reason === 'inventory'
        ? `${describeTarget(have.target)} was created by lvsync and is no longer declared`
        : `${describeTarget(have.target)} is inside the owned scope and not declared`,
    });
  }
  return { operations: ops, ignoredServices, keptServices, ownedLiveServices };
}

function addService(want: VirtualService): Operation[] {
  const ops: Operation[] = [{ kind: 'add-service', service: want, reason: 'declared, not in the live table' }];
  for (const server of sortedServers(want.servers.values())) {
    ops.push({ kind: 'add-server', service: want, server, reason: 'declared with its new service' });
  }
  return ops;
}

// frozen: shared by every unchanged service, so a push would be a bug (and throws)
const NO_OPERATIONS = Object.freeze([]) as unknown as Operation[];

/**
 * Pairs of a declared and a live service found equal: compared again only when either object is
 * another one. Both are immutable values, and both keep their identity while they do not change: a
 * declared service from one load to the next (desired/to-state.ts), a live one while the daemon plans
 * from the table it last read. The daemon's verification after an apply compares every service with
 * the table it has just read, so the plan of the next config change compares only the services that
 * changed: at 1,000 × 4 in the emulated VM that plan took 40-50 ms (issue 13). Only equality is
 * remembered, so no operation object is ever shared between plans.
 */
const equalTo = new WeakMap<VirtualService, VirtualService>();

// a declared service that is live: its edit, then adds and edits in server order, then deletes in server
// order; nothing is allocated for a service that does not change (most of them, in most plans)
function diffService(want: VirtualService, have: VirtualService): Operation[] {
  if (equalTo.get(want) === have) return NO_OPERATIONS;
  const ops = compareService(want, have);
  if (ops === NO_OPERATIONS) equalTo.set(want, have);
  return ops;
}

function compareService(want: VirtualService, have: VirtualService): Operation[] {
  let ops: Operation[] | null = null;
  const svcChanges = serviceChanges(have, want);
  if (svcChanges.length > 0) {
    ops = [{ kind: 'edit-service', service: want, before: have, changes: svcChanges, reason: EDIT_REASON }];
  }
  let changed: ServerOperation[] | null = null;
  let declaredAndLive = 0;
  for (const server of want.servers.values()) {
    const current = have.servers.get(server.key);
    if (!current) {
      (changed ??= []).push({ kind: 'add-server', service: want, server, reason: 'declared, not in the live table' });
      continue;
    }
    declaredAndLive++;
    const changes = serverChanges(current, server);
    if (changes.length > 0) {
      (changed ??= []).push({ kind: 'edit-server', service: want, server, before: current, changes, reason: EDIT_REASON });
    }
  }
  if (changed) {
    ops ??= [];
    for (const op of inServerOrder(changed)) ops.push(op);
  }
  // when every live server was matched by a declared one, none is left to delete
  let undeclared: ServerOperation[] | null = null;
  if (have.servers.size > declaredAndLive) {
    for (const server of have.servers.values()) {
      if (!want.servers.has(server.key)) (undeclared ??= []).push({ kind: 'delete-server', service: want, server, reason: 'not declared for this service' });
    }
  }
  if (undeclared) {
    ops ??= [];
    for (const op of inServerOrder(undeclared)) ops.push(op);
  }
  return ops ?? NO_OPERATIONS;
}

type ServerOperation = Extract<Operation, { server: RealServer }>;

// the operations in the canonical order of their servers (sortedServers' order: keys are unique, so no ties)
function inServerOrder(ops: ServerOperation[]): ServerOperation[] {
  if (ops.length < 2) return ops;
  const byServer = new Map(ops.map((op) => [op.server, op]));
  return sortedServers(byServer.keys()).map((server) => byServer.get(server)!);
}
