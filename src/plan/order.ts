import type { Operation, OperationKind } from './types.js';

/**
 * The one place that encodes safe ordering: make before break. Services are edited and created (each
 * with its servers) and new servers added before anything is removed, so a replaced real server never leaves its service
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
  // A new service's -a lines follow its -A directly (they rank with it), so a batch reads service by
  // service, as `ipvsadm -S` prints a table. The kernel does not care: on fresh tables 50,000 lines
  // load as fast in either order (43.3 s interleaved, 44.8 s every -A first, TCG VM, 2026-12-01); an
  // earlier 35.5 s vs 85.2 s was the dest trash left by the `ipvsadm -C` between the two runs
  // (BENCHMARKS.md). Adds still all come before deletes.
  const added = new Set<string>();
  for (const op of ops) if (op.kind === 'add-service') added.add(op.service.key);
  const rank = (op: Operation) => (op.kind === 'add-server' && added.has(op.service.key) ? RANK['add-service'] : RANK[op.kind]);
  // stable sort: within a rank, diffTables already emits services and servers in canonical order,
  // each new service followed by its servers
  return ops.map((op, i) => ({ op, i, r: rank(op) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.op);
}
