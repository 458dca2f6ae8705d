/**
 * Schedulers and scheduler flags. The kernel stores flags as three bits; ipvsadm prints them with
 * names that depend on the scheduler and in a fixed order (facts §2.2), so lvsync keeps the bitset
 * and renders names only at the edge.
 */

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;
export const DEFAULT_SCHEDULER = 'wlc';
export const PERSISTENCE_ENGINES = ['sip'] as const;
export const DEFAULT_PERSISTENCE_TIMEOUT = 360;
export const MAX_PERSISTENCE_TIMEOUT = 2678400;

export const FLAG_1 = 1;
export const FLAG_2 = 2;
export const FLAG_3 = 4;

export const SCHEDULER_FLAG_NAMES = ['flag-1', 'flag-2', 'flag-3', 'sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'] as const;

const FLAG_BITS: Record<string, number> = {
  'flag-1': FLAG_1, 'flag-2': FLAG_2, 'flag-3': FLAG_3,
  'sh-fallback': FLAG_1, 'sh-port': FLAG_2,
  'mh-fallback': FLAG_1, 'mh-port': FLAG_2,
};

export function flagBit(name: string): number | undefined {
  return FLAG_BITS[name];
}

/** Which scheduler a named flag belongs to, or null for the generic flag-N names. */
export function flagOwner(name: string): 'sh' | 'mh' | null {
  if (name.startsWith('sh-')) return 'sh';
  if (name.startsWith('mh-')) return 'mh';
  return null;
}

/** Names as ipvsadm 1.31 prints them for this scheduler, in its fixed order. flag-3 has no name under sh/mh (the dangling -b bug). */
export function flagNames(scheduler: string, bits: number): string[] {
  const names: string[] = [];
  const prefix = scheduler === 'sh' || scheduler === 'mh' ? scheduler : null;
  if (bits & FLAG_1) names.push(prefix ? `${prefix}-fallback` : 'flag-1');
  if (bits & FLAG_2) names.push(prefix ? `${prefix}-port` : 'flag-2');
  if (bits & FLAG_3 && !prefix) names.push('flag-3');
  return names;
}

/** The flags a scheduler actually reads; others are accepted by the kernel but do nothing. */
export function schedulerUsesFlags(scheduler: string): boolean {
  return scheduler === 'sh' || scheduler === 'mh';
}
