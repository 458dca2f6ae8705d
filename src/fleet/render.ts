import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { FleetDifference, PairComparison } from './compare.js';

/**
 * fleet-check's report: per pair, "identical" or each difference as "what lb1 has vs lb2", grouped
 * by service; the sync daemons last, marked as expected to differ.
 */

function line(d: FleetDifference, [a, b]: readonly [string, string]): string {
  switch (d.kind) {
    case 'service-only': return `    service only on ${d.on === 'a' ? a : b}`;
    case 'service': return `    ${d.field}: ${a} ${d.a}, ${b} ${d.b}`;
    case 'server-only': return `    real server ${d.server} only on ${d.on === 'a' ? a : b}`;
    case 'server': return `    real server ${d.server} ${d.field}: ${a} ${d.a}, ${b} ${d.b}`;
    case 'setting': return `    ${d.setting}: ${a} ${d.a}, ${b} ${d.b}`;
  }
}

export function renderPairText(p: PairComparison): string {
  const [a, b] = p.directors;
  const out: string[] = [];
  if (p.differences.length === 0) {
    out.push(`${a} and ${b} are identical: ${p.services} service(s), ${p.servers} real server(s) and the same kernel settings.`);
  } else {
    out.push(`${a} and ${b} differ (${p.differences.length} difference(s)):`);
    const groups = new Map<string, FleetDifference[]>();
    for (const d of p.differences) {
      const group = d.kind === 'setting' ? 'kernel settings' : `service ${d.service}`;
      groups.set(group, [...(groups.get(group) ?? []), d]);
    }
    for (const [group, list] of groups) out.push(`  ${group}`, ...list.map((d) => line(d, p.directors)));
  }
  out.push(`  sync daemon (expected to differ in a pair, not compared):`, `    ${a}: ${p.syncDaemon.a}`, `    ${b}: ${p.syncDaemon.b}`);
  return `${out.join('\n')}\n`;
}

export function renderPairsJson(pairs: readonly PairComparison[], anycast: readonly Diagnostic[] = []): string {
  const doc = {
    formatVersion: 1,
    identical: pairs.every((p) => p.differences.length === 0),
    ...(anycast.length ? { anycast: anycast.map((d) => ({ ...d, text: formatDiagnostic(d) })) } : {}),
    pairs: pairs.map((p) => ({ directors: p.directors, identical: p.differences.length === 0, differences: p.differences, syncDaemon: { [p.directors[0]]: p.syncDaemon.a, [p.directors[1]]: p.syncDaemon.b } })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
