import type { Diagnostic } from '../diagnostics.js';
import { describeTarget } from '../model/keys.js';
import { flagNames } from '../model/schedulers.js';
import type { DesiredState, VirtualService } from '../model/types.js';
import { comparePair, type PairComparison } from './compare.js';

/**
 * fleet-check for active-active directors (`fleet.anycast`, issue 17). ECMP sends a flow to any
 * director and moves it when a director comes or goes; the flow survives only if every director
 * picks the same real server for it. mh (Maglev) and sh (source hash) do, from the packet alone,
 * with identical tables and flags; every other scheduler decides from per-director state (counters,
 * connection counts) and sends the moved flow elsewhere, where the real server resets it.
 */

const CONSISTENT = new Set(['mh', 'sh']);

export interface AnycastCheck {
  readonly directors: readonly string[];
  /** each director against the first */
  readonly comparisons: readonly PairComparison[];
  /** FLEET_ANYCAST, one per service whose scheduler breaks moved flows (per director where it differs) */
  readonly findings: readonly Diagnostic[];
}

function label(svc: VirtualService): string {
  return svc.name ? `${svc.name} (${describeTarget(svc.target)})` : describeTarget(svc.target);
}

export function checkAnycast(directors: readonly string[], states: ReadonlyMap<string, DesiredState>, severity: 'error' | 'warning'): AnycastCheck {
  const [first, ...rest] = directors;
  const base = states.get(first!)!;
  const comparisons = rest.map((d) => comparePair([first!, d], base, states.get(d)!));
  const findings: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const director of directors) {
    const state = states.get(director)!;
    for (const svc of state.table.services.values()) {
      if (CONSISTENT.has(svc.scheduler)) continue;
      const id = `${svc.key}|${svc.scheduler}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const at = state.origins.get(svc.key);
      const flags = flagNames(svc.scheduler, svc.schedulerFlags);
      findings.push({
        severity, code: 'FLEET_ANYCAST', ...(at ? { file: at.file, line: at.line, col: at.col } : {}),
        message: `service ${label(svc)} uses scheduler ${svc.scheduler}${flags.length ? ` (${flags.join(',')})` : ''} on ${director}, one of the active-active directors ${directors.join(', ')} (fleet.anycast): ECMP moves flows between directors, and only mh and sh pick the same real server for a moved flow; set \`scheduler: mh\` (or sh) with the same flags on every director`,
      });
    }
  }
  return { directors, comparisons, findings };
}
