import { compareDiagnostics, hasErrors } from '../diagnostics.js';
import type { Diagnostic } from '../diagnostics.js';
import type { DesiredState } from '../model/types.js';
import { declareFile, type FileDecls } from './declare.js';
import { serviceFacts, type ServiceFacts } from './normalize.js';
import type { Fleet } from './overlay/fleet.js';
import { selectForDirector } from './overlay/select.js';
import type { OverlayDecl } from './overlay/decl.js';
import { runRules } from './rules/all.js';
import { mergeScopes } from './scope.js';
import { mergeSettings } from './settings.js';
import { mergeVips } from './vips.js';
import { toDesiredState } from './to-state.js';
import { directorBlock } from './block.js';
import { resolveVrrp, type ServiceCatalog } from './vrrp.js';
import { resolveAnycast } from './anycast.js';
import type { BlockDecl, ScopeDecl, ServiceDecl, SettingsDecl, VrrpDecl, WrittenAnycast } from './written.js';

/**
 * The desired-state pipeline without I/O: YAML → schema → named rules → normalised DesiredState.
 * Problems are collected as diagnostics (sorted by file and position), never thrown; any error
 * means `state: null`, warnings alone do not.
 *
 * The folders are its stages, in order (load.ts reads the files and calls this):
 *   declare.ts   one file → declarations: yaml/ (syntax, the fast reader, positions), then
 *                schema/ (Ajv, its messages, "did you mean"); written.ts is the shape it yields
 *   overlay/     one director's view: services on it, its overrides merged in (a new override
 *                field goes in written.ts, the schema and overlay/merge.ts)
 *   rules/       the named semantic rules, listed in rules/all.ts (a new rule goes there)
 *   scope.ts, settings.ts, vips.ts   what every file declares, merged, with their own rules
 *   normalize.ts, policy.ts, to-state.ts   written values → the model, as the kernel stores them
 */

/** One file's text, named as the user named it. */
export interface DesiredSource {
  /** the name diagnostics use: the path as the user gave it */
  readonly file: string;
  readonly text: string;
}

/** The pipeline's answer: a state only when there were no errors; diagnostics sorted by file and position. */
export interface DesiredResult {
  readonly state: DesiredState | null;
  readonly diagnostics: Diagnostic[];
  /** the directors, labels and pairs the config describes (overlay/fleet.ts) */
  readonly fleet?: Fleet;
}

/** Which director's view to build; without one, only the services that name no `directors`, and no overrides. */
export interface DesiredOptions {
  readonly director?: string | undefined;
}

const INTERNAL: Diagnostic = {
  severity: 'error', code: 'SCHEMA',
  message: 'internal error: a declaration passed every rule but could not be normalised; please report this as an lvsync bug',
};

/**
 * Each written service's parsed addresses and keys, by identity: a file whose declarations are reused
 * (load.ts keeps them while its text is the same) has the same written objects, which nothing mutates.
 */
const factsOf = new WeakMap<object, ServiceFacts>();
function cachedFacts(raw: Parameters<typeof serviceFacts>[0]): ServiceFacts {
  let facts = factsOf.get(raw);
  if (!facts) factsOf.set(raw, facts = serviceFacts(raw));
  return facts;
}

/**
 * The whole desired state from in-memory sources; files are merged in the order given. `declare`
 * turns one file into its declarations (load.ts passes one that reuses those of unchanged files).
 */
export function parseDesiredSources(sources: readonly DesiredSource[], options: DesiredOptions = {}, declare: (file: string, text: string) => FileDecls = declareFile): DesiredResult {
  const diagnostics: Diagnostic[] = [];
  const services: ServiceDecl[] = [];
  const scopes: ScopeDecl[] = [];
  const settingsDecls: SettingsDecl[] = [];
  const overlays: OverlayDecl[] = [];
  const vrrps: VrrpDecl[] = [];
  const anycasts: BlockDecl<WrittenAnycast>[] = [];
  for (const source of sources) {
    const decls = declare(source.file, source.text);
    diagnostics.push(...decls.diagnostics);
    services.push(...decls.services);
    if (decls.scope) scopes.push(decls.scope);
    if (decls.settings) settingsDecls.push(decls.settings);
    if (decls.overlay) overlays.push(decls.overlay);
    if (decls.vrrp) vrrps.push(decls.vrrp);
    if (decls.anycast) anycasts.push(decls.anycast);
  }
  // the director's services (overrides merged in) and settings; everything else as written
  const selected = selectForDirector({ services, settings: settingsDecls, overlays }, options.director, diagnostics);
  // parsed addresses and keys, shared by the rules and the normalisation
  const facts = selected.services.map((decl) => cachedFacts(decl.raw));
  diagnostics.push(...runRules(selected.services, facts));
  const scope = mergeScopes(scopes, diagnostics);
  const settings = mergeSettings(selected.settings, diagnostics);
  const catalog = serviceCatalog(selected.services, facts);
  const vrrp = resolveVrrp(vrrps, directorBlock(overlays, options.director, 'vrrp'), catalog, diagnostics);
  const anycast = resolveAnycast(anycasts, directorBlock(overlays, options.director, 'anycast'), catalog, diagnostics, options.director !== undefined || !selected.fleet.used);
  const vips = mergeVips(selected.settings, selected.services, facts, diagnostics);
  let state: DesiredState | null = null;
  if (!hasErrors(diagnostics)) {
    state = toDesiredState(selected.services, scope, sources.map((s) => s.file), settings, facts);
    if (!state) diagnostics.push(INTERNAL);
    else state = { ...state, ...(vrrp ? { vrrp } : {}), ...(anycast ? { anycast } : {}), ...(vips ? { vips } : {}) };
  }
  return { state, diagnostics: diagnostics.sort(compareDiagnostics), fleet: selected.fleet };
}


// the services on this director by name and by VIP, for what `vrrp` instances list
function serviceCatalog(services: readonly ServiceDecl[], facts: readonly ServiceFacts[]): ServiceCatalog {
  const byName = new Map<string, string>();
  const byAddress = new Map<string, string[]>();
  services.forEach((s, i) => {
    const { key, target } = facts[i] ?? {};
    if (!key) return;
    if (s.raw.name !== undefined && !byName.has(s.raw.name)) byName.set(s.raw.name, key);
    if (target?.kind === 'address') byAddress.set(target.address, [...(byAddress.get(target.address) ?? []), key]);
  });
  return { byName, byAddress };
}
