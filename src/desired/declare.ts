import type { Diagnostic } from '../diagnostics.js';
import { schemaDiagnostics } from './schema/messages.js';
import { validateWritten } from './schema/schema.js';
import { parseYaml, type ReleasableLocator } from './yaml/syntax.js';
import type { FastSpot } from './yaml/fast-yaml.js';
import type { Locator } from './yaml/positions.js';
import { NO_OVERLAY, overlayOf, overlayPart } from './overlay/declare.js';
import type { OverlayDecl } from './overlay/decl.js';
import type { BlockDecl, ScopeDecl, ServiceDecl, SettingsDecl, VrrpDecl, WrittenAnycast, WrittenFile } from './written.js';

/**
 * One source file through the YAML and schema stages, into declarations the rules can read.
 * Parts that failed the schema are left out, so later stages only see shapes they understand,
 * while the healthy parts of the same file are still checked in this run.
 */

/** What one file contributes: declarations that passed the schema, and everything found on the way. */
export interface FileDecls {
  readonly services: ServiceDecl[];
  readonly scope: ScopeDecl | null;
  /** timeouts, syncDaemon, sysctls and vips; null when the file declares none of them */
  readonly settings?: SettingsDecl | null;
  /** `overrides` and `fleet` (overlay/declare.ts); absent when the file has none */
  readonly overlay?: OverlayDecl;
  /** `vrrp`; absent when the file has none */
  readonly vrrp?: VrrpDecl;
  /** `anycast`; absent when the file has none */
  readonly anycast?: BlockDecl<WrittenAnycast>;
  readonly diagnostics: Diagnostic[];
}

const SETTINGS_KEYS = ['timeouts', 'syncDaemon', 'sysctls', 'vips'] as const;
type SettingsKey = (typeof SETTINGS_KEYS)[number];

type Skip = { file: boolean; scope: boolean; vrrp?: boolean; anycast?: boolean; overlay: Set<string>; services: Set<number>; settings: Set<SettingsKey> };
const NO_SKIP: Skip = { file: false, scope: false, overlay: new Set(), services: new Set(), settings: new Set() };

function skipsFor(diagnostics: readonly Diagnostic[]): Skip {
  const skip: Skip = { file: false, scope: false, overlay: new Set(), services: new Set(), settings: new Set() };
  for (const d of diagnostics) {
    const pointer = d.path ?? '';
    const service = /^\/services\/(\d+)(\/|$)/.exec(pointer);
    const setting = SETTINGS_KEYS.find((k) => pointer === `/${k}` || pointer.startsWith(`/${k}/`));
    if (service) skip.services.add(Number(service[1]));
    else if (setting) skip.settings.add(setting);
    else if (pointer === '/scope' || pointer.startsWith('/scope/')) skip.scope = true;
    else if (pointer === '/vrrp' || pointer.startsWith('/vrrp/')) skip.vrrp = true;
    else if (pointer === '/anycast' || pointer.startsWith('/anycast/')) skip.anycast = true;
    else if (overlayPart(pointer)) skip.overlay.add(overlayPart(pointer)!);
    else skip.file = true;
  }
  return skip;
}

// YAML → schema → declarations for one file; never throws
export function declareFile(file: string, text: string): FileDecls {
  return declareFileKeeping(file, text).decls;
}

/**
 * What a valid file read by the fast reader leaves for declare-reuse.ts to start from next time:
 * its value and where each service starts. Null for any other file.
 */
export interface ReusableFile {
  readonly written: WrittenFile;
  readonly serviceSpots: readonly FastSpot[];
}

/** declareFile, plus what a later version of the same file can be declared from (declare-reuse.ts). */
export function declareFileKeeping(file: string, text: string): { decls: FileDecls; reusable: ReusableFile | null; locator: ReleasableLocator | null } {
  const parsed = parseYaml(file, text);
  const diagnostics = [...parsed.diagnostics];
  const none: FileDecls = { services: [], scope: null, diagnostics };
  if (parsed.data === undefined) return { decls: none, reusable: null, locator: null };
  if (parsed.data === null) {
    diagnostics.push({ severity: 'error', code: 'VERSION', message: 'the file is empty; every desired-state file needs at least `version: 1`', file, line: 1, col: 1 });
    return { decls: none, reusable: null, locator: null };
  }
  const schemaFindings = schemaDiagnostics(validateWritten(parsed.data), parsed.locator);
  diagnostics.push(...schemaFindings);
  const skip = skipsFor(schemaFindings);
  if (skip.file) return { decls: none, reusable: null, locator: null };
  const written = parsed.data as WrittenFile;
  const decls = declarationsOf(written, parsed.locator, skip, diagnostics);
  // every service is located (`at`): the Document can go, later diagnostics re-parse the text
  parsed.locator.release();
  const reusable = parsed.fast && diagnostics.length === 0 ? { written, serviceSpots: parsed.fast.serviceSpots } : null;
  return { decls, reusable, locator: parsed.locator };
}

/** The declarations of a file's value that passed the schema (the parts in `skip` failed it). */
export function declarationsOf(written: WrittenFile, locator: Locator, skip: Skip = NO_SKIP, diagnostics: Diagnostic[] = []): FileDecls {
  const services: ServiceDecl[] = [];
  (written.services ?? []).forEach((raw, i) => {
    if (skip.services.has(i)) return;
    const path = ['services', i] as const;
    services.push({ raw, path, locator, at: locator.value(path) });
  });
  const scope = written.scope && !skip.scope ? { raw: written.scope, path: ['scope'], locator } : null;
  const overlay = overlayOf(written, locator, skip.overlay);
  const vrrp = written.vrrp && !skip.vrrp ? { raw: written.vrrp, path: ['vrrp'], locator } : null;
  const anycast = written.anycast && !skip.anycast ? { raw: written.anycast, path: ['anycast'], locator } : null;
  return {
    services, scope, settings: settingsOf(written, skip, locator), ...(overlay !== NO_OVERLAY ? { overlay } : {}),
    ...(vrrp ? { vrrp } : {}), ...(anycast ? { anycast } : {}), diagnostics,
  };
}

// a part that failed the schema is left out, like a broken service: the rest of the file is still checked
function settingsOf(written: WrittenFile, skip: Skip, locator: SettingsDecl['locator']): SettingsDecl | null {
  const part = <K extends SettingsKey>(k: K): NonNullable<WrittenFile[K]> | null => (skip.settings.has(k) ? null : written[k] ?? null);
  const decl: SettingsDecl = { timeouts: part('timeouts'), syncDaemon: part('syncDaemon'), sysctls: part('sysctls'), vips: part('vips'), path: [], locator };
  return decl.timeouts || decl.syncDaemon || decl.sysctls || decl.vips ? decl : null;
}
