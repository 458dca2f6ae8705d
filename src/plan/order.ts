import type { Operation, OperationKind } from './types.js';

/**
 * The one place that encodes safe ordering: make before break. Services are edited and created and
 * new servers added before anything is removed, so a replaced real server never leaves its service
 * with less capacity than it had; deletes come last. No operation ever depends on a later one:
 * a server is added after its service, and `-D` takes its servers with it (no `-d` lines for it).
 */
const RANK: Record<OperationKind, number> = {
  'edit-service': 0,
  'add-service': 1,
  'add-server': 2,
  'edit-server': 2,
  'delete-server': 3,
  'delete-service': 4,
};

export function orderOperations(ops: readonly Operation[]): Operation[] {
  // stable sort: within a rank, diffTables already emits services and servers in canonical order,
  // and a new service's -A precedes its -a lines because add-service ranks before add-server
  return ops.map((op, i) => ({ op, i })).sort((a, b) => RANK[a.op.kind] - RANK[b.op.kind] || a.i - b.i).map((x) => x.op);
}
