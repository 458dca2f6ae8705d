import { checkAnycast } from '../../fleet/anycast.js';
import { comparePair } from '../../fleet/compare.js';
import type { Fleet } from '../../desired/overlay/fleet.js';
import { renderPairsJson, renderPairText } from '../../fleet/render.js';
import { loadDesired } from '../../desired/load.js';
import { hasErrors, formatDiagnostic } from '../../diagnostics.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';
import { CommandExit } from '../shared.js';
import { loadEveryDirector } from './plan-fleet.js';

export interface FleetCheckArgs {
  readonly paths: string[];
  /** "lb1,lb2" each; when given, the config's fleet.pairs are not used */
  readonly pairs: readonly string[];
  readonly json: boolean;
}

function parsePair(text: string): [string, string] {
  const names = text.split(',').map((s) => s.trim());
  if (names.length !== 2 || !names[0] || !names[1]) throw new UsageError(`--pair takes two director names, as --pair lb1,lb2 (got '${text}')`);
  if (names[0] === names[1]) throw new UsageError(`--pair ${text} names the same director twice`);
  return [names[0], names[1]];
}

/**
 * `lvsync fleet-check PATH... [--pair lb1,lb2 ...] [--json]`: do the directors that must be identical
 * have identical desired tables? The pairs are --pair, or else the config's fleet.pairs. Exit 0 when
 * every pair is identical, 1 when any differs, 3 when the config is invalid, 64 without pairs.
 */
export async function fleetCheckCommand(io: CliIo, args: FleetCheckArgs): Promise<number> {
  if (args.paths.length === 0) throw new UsageError('fleet-check needs at least one PATH');
  let pairs = args.pairs.map(parsePair);
  let groups: NonNullable<Fleet['anycast']> = [];
  if (pairs.length === 0) {
    const base = await loadDesired(args.paths);
    if (hasErrors(base.diagnostics)) {
      for (const d of base.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
      io.stderr('lvsync: the desired state is invalid; nothing was compared.\n');
      throw new CommandExit(EXIT.invalid);
    }
    pairs = (base.fleet?.pairs ?? []).map((p) => [p.directors[0], p.directors[1]]);
    groups = base.fleet?.anycast ?? [];
  }
  if (pairs.length === 0 && groups.length === 0) throw new UsageError('no pairs to compare: declare them in the config (fleet: { pairs: [[lb1, lb2]] } or fleet.anycast: [lb1, lb2, lb3]) or pass --pair lb1,lb2');
  const directors = [...new Set([...pairs.flat(), ...groups.flatMap((g) => g.directors)])];
  const states = await loadEveryDirector(io, args.paths, directors);
  const results = pairs.map((pair) => comparePair(pair, states.get(pair[0])!, states.get(pair[1])!));
  const anycast = groups.map((g) => ({ ...checkAnycast(g.directors, states, g.severity), severity: g.severity }));
  const comparisons = [...results, ...anycast.flatMap((a) => a.comparisons)];
  const findings = anycast.flatMap((a) => a.findings);
  if (args.json) {
    io.stdout(renderPairsJson(comparisons, findings));
  } else {
    io.stdout(comparisons.map(renderPairText).join('\n'));
    for (const a of anycast) {
      io.stdout(a.findings.length === 0
        ? `active-active ${a.directors.join(', ')}: every service uses mh or sh, so a flow ECMP moves keeps its real server.\n`
        : `active-active ${a.directors.join(', ')}: ${a.findings.length} service(s) would break flows that ECMP moves (${a.severity}):\n`);
    }
    for (const f of findings) io.stderr(`${formatDiagnostic(f)}\n`);
  }
  const failed = comparisons.some((r) => r.differences.length > 0) || findings.some((f) => f.severity === 'error');
  return failed ? EXIT.failure : EXIT.ok;
}
