import type { Diagnostic, DiagnosticCode, Severity } from '../../diagnostics.js';
import { fleetOf, isOnDirector, type Fleet } from './fleet.js';
import { mergeServiceOverride } from './merge.js';
import { settingsForDirector } from './settings.js';
import type { DirectorOverrideDecl, OverlayDecl } from './decl.js';
import { toSourceRef, type Spot } from '../yaml/positions.js';
import { where } from '../rules/context.js';
import { closest } from '../schema/suggest.js';
import type { ServiceDecl, SettingsDecl } from '../written.js';

/**
 * Per-director overlays: of all declarations, what is on one director. Services are kept when they
 * are on it (`directors`), its overrides are merged into them, and its settings overrides replace
 * the files'. Runs before the rules, so every rule checks the director's own table and points at
 * the file:line:col that holds each value. The checks of an override's names (an unknown service,
 * a service that is not on that director) run for every director, so validating anywhere finds them.
 */

/** What one director gets, plus the fleet the config describes. */
export interface Selection {
  readonly services: readonly ServiceDecl[];
  readonly settings: readonly SettingsDecl[];
  readonly fleet: Fleet;
}

export interface Declarations {
  readonly services: readonly ServiceDecl[];
  readonly settings: readonly SettingsDecl[];
  readonly overlays: readonly OverlayDecl[];
}

type Reporter = (code: DiagnosticCode, at: Spot | null, message: string, options?: { severity?: Severity; related?: Spot }) => void;

function reporter(out: Diagnostic[]): Reporter {
  return (code, at, message, options) => {
    out.push({
      severity: options?.severity ?? 'error', code, message,
      ...(at ? { file: at.file, line: at.line, col: at.col, path: at.pointer } : {}),
      ...(options?.related ? { related: toSourceRef(options.related) } : {}),
    });
  };
}

function suggestion(word: string, candidates: readonly string[]): string {
  const guess = closest(word, candidates);
  return guess ? ` (did you mean \`${guess}\`?)` : '';
}

function checkDirector(director: string | undefined, fleet: Fleet, report: Reporter): void {
  if (director === undefined) return;
  if (fleet.labels.has(director)) {
    report('DIRECTOR_LABEL', null, `--director ${director} names a label (fleet.labels), not a director; pass the director's own name, one of: ${fleet.labels.get(director)!.join(', ')}`);
  } else if (!fleet.directors.includes(director)) {
    report('DIRECTOR_UNKNOWN', null, `director ${director} is not named anywhere in the config; it gets only the services without \`directors\`. Pass --director with one of: ${fleet.directors.join(', ')}`, { severity: 'warning' });
  }
}

function checkLabels(overlays: readonly OverlayDecl[], fleet: Fleet, report: Reporter): void {
  for (const o of overlays) {
    for (const l of o.labels) {
      const nested = l.members.filter((m) => fleet.labels.has(m));
      if (nested.length) report('FLEET_LABEL', l.at, `label ${l.label} lists ${nested.join(', ')}, which ${nested.length === 1 ? 'is a label' : 'are labels'}; labels list directors only, so write the directors themselves`);
    }
  }
}

// the override entries that can be applied: name-level problems are reported and their entries left out
function checkOverrides(decls: Declarations, director: string | undefined, fleet: Fleet, report: Reporter): Map<string, DirectorOverrideDecl[]> {
  const byName = new Map<string, ServiceDecl>();
  for (const s of decls.services) if (s.raw.name !== undefined && !byName.has(s.raw.name)) byName.set(s.raw.name, s);
  const names = [...byName.keys()];
  const seen = new Map<string, Spot>();
  const usable = new Map<string, DirectorOverrideDecl[]>();
  for (const o of decls.overlays) {
    for (const ov of o.overrides) {
      if (fleet.labels.has(ov.director)) {
        report('FLEET_LABEL', ov.at, `overrides are per director, and ${ov.director} is a label (fleet.labels); write one override for each director that needs it (${fleet.labels.get(ov.director)!.join(', ')})`);
        continue;
      }
      if (!fleet.named.has(ov.director) && ov.director !== director) {
        const known = fleet.named.size ? `the directors named are ${[...fleet.named].sort().join(', ')}` : 'none is named';
        report('OVERRIDE_UNKNOWN_DIRECTOR', ov.at, `no service's \`directors\`, label or pair names director ${ov.director} (${known}), so this override may be for a director that does not exist; check the name, or name the director in fleet.pairs or fleet.labels`, { severity: 'warning' });
      }
      const services: Record<string, unknown> = {};
      for (const [name, spec] of Object.entries(ov.raw.services ?? {})) {
        const at = ov.serviceAt.get(name)!;
        const decl = byName.get(name);
        const key = `${ov.director}\u0000${name}`;
        const earlier = seen.get(key);
        if (!decl) {
          report('OVERRIDE_UNKNOWN_SERVICE', at, `no service is named ${name}${suggestion(name, names)}; overrides name services by their \`name\`, so give the service a name or correct this one`);
        } else if (!isOnDirector(decl, ov.director, fleet)) {
          report('OVERRIDE_NOT_ON_DIRECTOR', at, `service ${name} is not on director ${ov.director} (its \`directors\` are ${(decl.raw.directors ?? []).join(', ')}); add ${ov.director} to them, or remove this override`, { related: decl.at });
        } else if (earlier) {
          report('OVERRIDE_CONFLICT', at, `service ${name} is overridden for ${ov.director} at ${where(earlier)} and again here; merge the two overrides into one`, { related: earlier });
        } else {
          seen.set(key, at);
          services[name] = spec;
        }
      }
      const list = usable.get(ov.director) ?? [];
      list.push({ ...ov, raw: { ...ov.raw, services: services as NonNullable<typeof ov.raw.services> } });
      usable.set(ov.director, list);
    }
  }
  return usable;
}

// what `director` gets (undefined: only the services without `directors`, no overrides)
export function selectForDirector(decls: Declarations, director: string | undefined, out: Diagnostic[]): Selection {
  const fleet = fleetOf(decls.services, decls.overlays);
  if (!fleet.used) return { services: decls.services, settings: decls.settings, fleet };
  const report = reporter(out);
  checkDirector(director, fleet, report);
  checkLabels(decls.overlays, fleet, report);
  const overrides = checkOverrides(decls, director, fleet, report);
  const own = director === undefined ? [] : overrides.get(director) ?? [];
  const mergeReport = (code: DiagnosticCode, at: Spot, message: string, related?: Spot) => report(code, at, message, related ? { related } : {});
  const services = decls.services.filter((s) => isOnDirector(s, director, fleet)).map((s) => {
    let decl = s;
    for (const ov of own) if (s.raw.name !== undefined && ov.raw.services?.[s.raw.name]) decl = mergeServiceOverride(decl, ov, s.raw.name, mergeReport);
    return decl;
  });
  return { services, settings: settingsForDirector(decls.settings, own), fleet };
}
