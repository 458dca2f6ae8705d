import { flagNames } from '../model/schedulers.js';
import type { Persistence, RealServer, TunnelOptions, VirtualService } from '../model/types.js';
import type { FieldChange } from './types.js';

/**
 * Equality we own, over only what the kernel stores and ipvsadm can show (STYLE habit 3).
 * Thresholds the live side did not observe (null) are not compared.
 */

function persistenceText(p: Persistence | null): string {
  return p ? `${p.timeout}s` : 'off';
}

function flagsText(scheduler: string, bits: number): string {
  const names = flagNames(scheduler, bits);
  return names.length ? names.join(',') : 'none';
}

function tunnelText(t: TunnelOptions | null): string {
  if (!t) return 'none';
  return [t.type, t.type === 'gue' ? `port ${t.port}` : null, t.checksum].filter(Boolean).join(' ');
}

// frozen: returned for every equal pair, so a push would be a bug (and throws)
const NO_CHANGES = Object.freeze([]) as unknown as FieldChange[];

// equal services and servers are the common case (every one of them in a no-change plan): decide that
// first, without building the texts the change list shows (issue 6 profiles)
function samePersistence(a: Persistence | null, b: Persistence | null): boolean {
  return a === b || (a !== null && b !== null && a.timeout === b.timeout && a.netmask === b.netmask);
}

function sameTunnel(a: TunnelOptions | null, b: TunnelOptions | null): boolean {
  return a === b || (a !== null && b !== null && a.type === b.type && (a.type !== 'gue' || a.port === b.port) && a.checksum === b.checksum);
}

export function serviceChanges(live: VirtualService, desired: VirtualService): FieldChange[] {
  if (live.scheduler === desired.scheduler && live.schedulerFlags === desired.schedulerFlags
    && samePersistence(live.persistence, desired.persistence)
    && (live.persistenceEngine ?? null) === (desired.persistenceEngine ?? null) && live.onePacket === desired.onePacket) return NO_CHANGES;
  const changes: FieldChange[] = [];
  const add = (field: string, before: string, after: string): void => {
    if (before !== after) changes.push({ field, before, after });
  };
  add('scheduler', live.scheduler, desired.scheduler);
  // compare the bitset, but show names as the desired scheduler would print them
  if (live.schedulerFlags !== desired.schedulerFlags) {
    changes.push({ field: 'schedulerFlags', before: flagsText(live.scheduler, live.schedulerFlags), after: flagsText(desired.scheduler, desired.schedulerFlags) });
  }
  add('persistence', persistenceText(live.persistence), persistenceText(desired.persistence));
  if (live.persistence && desired.persistence) add('netmask', live.persistence.netmask, desired.persistence.netmask);
  add('persistenceEngine', live.persistenceEngine ?? 'none', desired.persistenceEngine ?? 'none');
  add('onePacket', String(live.onePacket), String(desired.onePacket));
  return changes;
}

export function serverChanges(live: RealServer, desired: RealServer): FieldChange[] {
  if (live.method === desired.method && live.weight === desired.weight
    && (live.upperThreshold === null || live.upperThreshold === (desired.upperThreshold ?? 0))
    && (live.lowerThreshold === null || live.lowerThreshold === (desired.lowerThreshold ?? 0))
    && sameTunnel(live.tunnel, desired.tunnel)) return NO_CHANGES;
  const changes: FieldChange[] = [];
  const add = (field: string, before: string, after: string): void => {
    if (before !== after) changes.push({ field, before, after });
  };
  add('method', live.method, desired.method);
  add('weight', String(live.weight), String(desired.weight));
  if (live.upperThreshold !== null) add('upperThreshold', String(live.upperThreshold), String(desired.upperThreshold ?? 0));
  if (live.lowerThreshold !== null) add('lowerThreshold', String(live.lowerThreshold), String(desired.lowerThreshold ?? 0));
  add('tunnel', tunnelText(live.tunnel), tunnelText(desired.tunnel));
  return changes;
}
