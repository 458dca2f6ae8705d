import { describeTarget, hostPort } from '../model/keys.js';
import { describeBoundAddress } from '../model/vips.js';
import type { Operation, Plan } from '../plan/types.js';

/**
 * A difference between the live table and the desired state, said per field and from the point of
 * view of someone who changed the director by hand: "real server 10.0.0.12:80 weight 3 → 1". A plan
 * says how to go from live to desired; drift says how live moved away from desired, so before and
 * after are the other way round.
 */
export interface DriftItem {
  readonly object: 'service' | 'real-server' | 'address';
  /** describeTarget of the service; for object 'address', the address and its device ("10.0.0.10/32 on lo") */
  readonly service: string;
  /** host:port of the real server, for object 'real-server' */
  readonly server?: string;
  /** the field that differs; 'presence' for something missing or extra */
  readonly field: string;
  readonly desired: string;
  readonly live: string;
  /** "real server 10.0.0.12:80 weight 3 → 1" (without the cause) */
  readonly text: string;
}

function item(op: Operation, field: string, desired: string, live: string, text: string): DriftItem {
  const service = describeTarget(op.service.target);
  return 'server' in op
    ? { object: 'real-server', service, server: hostPort(op.server.address, op.server.port), field, desired, live, text }
    : { object: 'service', service, field, desired, live, text };
}

export function driftItems(plan: Plan): DriftItem[] {
  const items: DriftItem[] = [];
  // servers of a missing service are part of that service's drift, not separate items (a set: a
  // search of the operations per added server was quadratic, 3.6 s of a 2,300 × 16 cold pass)
  const addedServices = new Set<string>();
  for (const op of plan.operations) if (op.kind === 'add-service') addedServices.add(op.service.key);
  for (const op of plan.operations) {
    const svc = `service ${describeTarget(op.service.target)}`;
    switch (op.kind) {
      case 'add-service':
        items.push(item(op, 'presence', 'present', 'missing', `${svc} missing`));
        break;
      case 'delete-service':
        items.push(item(op, 'presence', 'absent', 'present', `${svc} present but not declared`));
        break;
      case 'edit-service':
        for (const ch of op.changes) items.push(item(op, ch.field, ch.after, ch.before, `${svc} ${ch.field} ${ch.after} → ${ch.before}`));
        break;
      case 'add-server':
        if (!addedServices.has(op.service.key)) {
          items.push(item(op, 'presence', 'present', 'missing', `real server ${hostPort(op.server.address, op.server.port)} of ${describeTarget(op.service.target)} missing`));
        }
        break;
      case 'delete-server':
        items.push(item(op, 'presence', 'absent', 'present', `real server ${hostPort(op.server.address, op.server.port)} of ${describeTarget(op.service.target)} present but not declared`));
        break;
      case 'edit-server':
        for (const ch of op.changes) items.push(item(op, ch.field, ch.after, ch.before, `real server ${hostPort(op.server.address, op.server.port)} ${ch.field} ${ch.after} → ${ch.before}`));
        break;
    }
  }
  // a VIP lvsync owns that someone deleted (or an owned one that should be gone): settings are not drift, addresses are
  for (const s of plan.settings) {
    if (s.kind !== 'add-address' && s.kind !== 'delete-address') continue;
    const what = describeBoundAddress(s.address);
    const [desired, live] = s.kind === 'add-address' ? ['present', 'missing'] : ['absent', 'present'];
    items.push({ object: 'address', service: what, field: 'presence', desired, live, text: `address ${what} ${s.kind === 'add-address' ? 'missing' : 'present but not declared'}` });
  }
  return items;
}

/** Identity of a drift item across passes, so a difference that persists (detect-only) is counted once. */
export function driftKey(d: DriftItem): string {
  return `${d.service}#${d.server ?? ''}#${d.field}#${d.desired}#${d.live}`;
}
