import type { Diagnostic, DiagnosticCode } from '../diagnostics.js';
import { parseAddress } from '../model/address.js';
import { defaultTrackFile, VRRP_DEFAULTS, type VrrpInstanceSpec, type VrrpSpec } from '../model/vrrp.js';
import { durationMs } from './policy.js';
import { where } from './rules/context.js';
import { closest } from './schema/suggest.js';
import { blockInForce } from './block.js';
import { keyAt, valueAt, type VrrpDecl } from './written.js';
import { toSourceRef, type Spot } from './yaml/positions.js';

/**
 * The `vrrp` block in force on this director, checked against its services. Only one file may
 * declare it (an instance split over files would make "which services decide it" a merge puzzle),
 * and a director's override replaces it whole (overlay/select.ts picks which). What the schema
 * cannot check is here: every service named must be on this director, and two instances must not
 * share a track file (each would overwrite the other's verdict).
 */

type Report = (code: DiagnosticCode, at: Spot, message: string, related?: Spot) => void;

function reporter(out: Diagnostic[]): Report {
  return (code, at, message, related) => {
    out.push({
      severity: 'error', code, message, file: at.file, line: at.line, col: at.col, path: at.pointer,
      ...(related ? { related: toSourceRef(related) } : {}),
    });
  };
}

/** The services on this director, as instances find them: by name, and by VIP (canonical address). */
export interface ServiceCatalog {
  readonly byName: ReadonlyMap<string, string>;
  readonly byAddress: ReadonlyMap<string, readonly string[]>;
}

/**
 * `fileDecls`: every file-level `vrrp`; `override`: the director's (overrides.<director>.vrrp), which wins.
 */
export function resolveVrrp(fileDecls: readonly VrrpDecl[], override: VrrpDecl | null, catalog: ServiceCatalog, out: Diagnostic[]): VrrpSpec | null {
  const serviceKeys = catalog.byName;
  const report = reporter(out);
  const decl = blockInForce(fileDecls, override, 'vrrp', 'VRRP', out);
  if (!decl) return null;
  const names = [...serviceKeys.keys()];
  const instances: VrrpInstanceSpec[] = [];
  const trackFiles = new Map<string, Spot>();
  let failed = false;
  for (const [name, raw] of Object.entries(decl.raw.instances)) {
    const trackFile = raw.trackFile ?? defaultTrackFile(name);
    const at = raw.trackFile !== undefined ? valueAt(decl, 'instances', name, 'trackFile') : keyAt(decl, 'instances', name);
    const earlier = trackFiles.get(trackFile);
    if (earlier) {
      report('VRRP', at, `instances ${name} and the one at ${where(earlier)} both write ${trackFile}; each instance needs its own track file`, earlier);
      failed = true;
    }
    trackFiles.set(trackFile, at);
    let keys: string[] | null = null;
    if (raw.services || raw.addresses) {
      const found = new Set<string>();
      keys = [];
      const add = (key: string) => { if (!found.has(key)) { found.add(key); keys!.push(key); } };
      (raw.addresses ?? []).forEach((written, i) => {
        // keepalived's virtual_ipaddress form: "192.168.10.100/24" is the address 192.168.10.100
        const parsed = parseAddress(written.replace(/\/\d+$/, ''));
        if (!parsed) {
          report('VRRP', valueAt(decl, 'instances', name, 'addresses', i), `instance ${name}: ${JSON.stringify(written)} is not an IP address; write a VIP such as 192.168.10.100 or 2001:db8::10`);
          failed = true;
          return;
        }
        for (const key of catalog.byAddress.get(parsed.canonical) ?? []) add(key);
      });
      (raw.services ?? []).forEach((service, i) => {
        const key = serviceKeys.get(service);
        if (key !== undefined) { add(key); return; }
        const guess = closest(service, names);
        report('VRRP', valueAt(decl, 'instances', name, 'services', i),
          `instance ${name} names service ${JSON.stringify(service)}, which is not declared on this director${guess ? ` (did you mean \`${guess}\`?)` : ''}; list the \`name\` of each service whose VIPs the instance carries`);
        failed = true;
      });
    }
    instances.push({
      name,
      services: keys,
      trackFile,
      weight: raw.weight ?? VRRP_DEFAULTS.weight,
      minHealthy: raw.minHealthy ?? VRRP_DEFAULTS.minHealthy,
    });
  }
  if (failed) return null;
  return {
    graceMs: durationMs(decl.raw.grace, VRRP_DEFAULTS.graceMs),
    notifyFifo: decl.raw.notifyFifo ?? null,
    instances,
  };
}
