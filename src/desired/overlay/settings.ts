import type { DirectorOverrideDecl } from './decl.js';
import type { SettingsDecl } from '../written.js';

/**
 * Kernel-wide settings on one director: each timeout, sync daemon role, sysctl and vips field that the
 * director's override names replaces the files' value of it; the rest stay as the files declare
 * them. Done by removing the replaced values from the file-level declarations and adding the
 * override's as one more declaration, so settings.ts merges (and positions) them as always.
 */

function without<T extends object>(value: T | null | undefined, names: ReadonlySet<string>): T | null {
  if (!value) return null;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !names.has(k))) as T;
}

// the settings declarations to merge for the director whose overrides these are
export function settingsForDirector(files: readonly SettingsDecl[], overrides: readonly DirectorOverrideDecl[]): SettingsDecl[] {
  const own = overrides.filter((o) => o.raw.timeouts || o.raw.syncDaemon || o.raw.sysctls || o.raw.vips);
  if (own.length === 0) return [...files];
  const names = (pick: (o: DirectorOverrideDecl) => object | undefined) => new Set(own.flatMap((o) => Object.keys(pick(o) ?? {})));
  const timeouts = names((o) => o.raw.timeouts);
  const roles = names((o) => o.raw.syncDaemon);
  const sysctls = names((o) => o.raw.sysctls);
  // vips fields (bind, device, extra) are replaced one by one, like timeouts
  const vips = names((o) => o.raw.vips);
  const masked = files.map((d) => ({
    ...d, timeouts: without(d.timeouts, timeouts), syncDaemon: without(d.syncDaemon, roles), sysctls: without(d.sysctls, sysctls), vips: without(d.vips, vips),
  }));
  const added = own.map((o): SettingsDecl => ({
    timeouts: o.raw.timeouts ?? null, syncDaemon: o.raw.syncDaemon ?? null, sysctls: o.raw.sysctls ?? null, vips: o.raw.vips ?? null, path: o.path, locator: o.locator,
  }));
  return [...masked, ...added];
}
