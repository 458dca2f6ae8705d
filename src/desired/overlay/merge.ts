import type { DiagnosticCode } from '../../diagnostics.js';
import { hostPort } from '../../model/keys.js';
import { parseAddress } from '../../model/address.js';
import { storedServerPort } from '../normalize.js';
import { mergedLocator, type ServerOrigin } from './locator.js';
import type { DirectorOverrideDecl } from './decl.js';
import type { Spot } from '../yaml/positions.js';
import { valueAt, type ServiceDecl, type WrittenServer, type WrittenServerOverride, type WrittenService, type WrittenServiceOverride } from '../written.js';

/**
 * One service with one director's override applied, before any rule runs. Fields the override
 * gives replace the service's whole (a mapping or a list included); real servers are matched by
 * address, and port when the override gives one, and only the fields written are replaced, so
 * changing one weight does not repeat the list. The result is an ordinary ServiceDecl whose
 * locator finds every value where it was written (locator.ts).
 */

export type Report = (code: DiagnosticCode, at: Spot, message: string, related?: Spot) => void;

type Merged = { raw: WrittenServer; origin: ServerOrigin };

function canonical(address: string): string {
  return parseAddress(address)?.canonical ?? address;
}

// the override's fields other than its selectors
function fieldsOf(o: WrittenServerOverride): Partial<WrittenServer> {
  const { address: _a, port: _p, remove: _r, ...fields } = o;
  return fields;
}

function mergeServers(decl: ServiceDecl, raw: WrittenService, list: readonly WrittenServerOverride[], at: (...sub: (string | number)[]) => Spot, report: Report): Merged[] {
  const merged: (Merged | null)[] = (decl.raw.realServers ?? []).map((s, i) => ({ raw: s, origin: { base: i, override: null, fields: new Set<string>() } }));
  list.forEach((o, k) => {
    const address = canonical(o.address);
    const matches = merged.flatMap((m, i) => (m && canonical(m.raw.address) === address && (o.port === undefined || storedServerPort(raw, m.raw) === o.port) ? [i] : []));
    const name = o.port === undefined ? address : hostPort(address, o.port);
    if (matches.length > 1) {
      report('OVERRIDE_SERVER', at('realServers', k), `${matches.length} real servers of this service have address ${address}; add \`port\` to say which one this override changes`, valueAt(decl, 'realServers', merged[matches[0]!]!.origin.base ?? 0));
      return;
    }
    const i = matches[0];
    if (i === undefined) {
      if (o.remove) { report('OVERRIDE_SERVER', at('realServers', k, 'address'), `the service has no real server ${name} to remove; check the address and port, or delete this entry`, decl.at); return; }
      const { remove: _r, ...server } = o;
      merged.push({ raw: server, origin: { base: null, override: k, fields: new Set(Object.keys(server)) } });
      return;
    }
    const m = merged[i]!;
    if (o.remove) { merged[i] = null; return; }
    const fields = fieldsOf(o);
    merged[i] = { raw: { ...m.raw, ...fields }, origin: { base: m.origin.base, override: k, fields: new Set([...m.origin.fields, ...Object.keys(fields)]) } };
  });
  return merged.filter((m): m is Merged => m !== null);
}

// the service as it is on the override's director; problems with the override are reported, the rest still merges
export function mergeServiceOverride(decl: ServiceDecl, override: DirectorOverrideDecl, name: string, report: Report): ServiceDecl {
  const written: WrittenServiceOverride = override.raw.services?.[name] ?? {};
  const overridePath = [...override.path, 'services', name];
  const at = (...sub: (string | number)[]): Spot => override.locator.value([...overridePath, ...sub]);
  const { realServers, ...fields } = written;
  const raw: WrittenService = { ...decl.raw, ...fields };
  const servers = realServers ? mergeServers(decl, raw, realServers, at, report) : null;
  const origin = {
    base: { path: decl.path, locator: decl.locator },
    override: { path: overridePath, locator: override.locator },
    fields: new Set(Object.keys(fields)),
    servers: servers ? servers.map((s) => s.origin) : (decl.raw.realServers ?? []).map((_, i) => ({ base: i, override: null, fields: new Set<string>() })),
  };
  return {
    raw: servers ? { ...raw, realServers: servers.map((s) => s.raw) } : raw,
    path: decl.path,
    locator: mergedLocator(origin),
    at: decl.at,
  };
}
