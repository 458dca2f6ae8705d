import type { Diagnostic } from '../diagnostics.js';
import { parseAddress } from '../model/address.js';
import { boundAddressKey, type BoundAddress, type DesiredVips } from '../model/vips.js';
import { createSettler, type Report } from './settings.js';
import type { ServiceFacts } from './normalize.js';
import { toSourceRef, type Spot } from './yaml/positions.js';
import { valueAt, keyAt, type ServiceDecl, type SettingsDecl } from './written.js';

/**
 * `vips` of every file (and of the director's override, already folded into `decls` by
 * overlay/settings.ts), merged like the other settings: a field declared twice must agree
 * (SETTINGS_CONFLICT); then the addresses to bind: every address service's VIP unless it says
 * `bindVip: false`, plus `extra`. Pure; problems are diagnostics with the position to fix.
 */

interface MergedVips {
  bind: boolean;
  bindAt: Spot | null;
  device: string | null;
  /** each extra address with where it was written */
  extra: { text: string; at: Spot }[];
}

function mergeFields(decls: readonly SettingsDecl[], report: Report): MergedVips | null {
  const settle = createSettler(report);
  const merged: MergedVips = { bind: false, bindAt: null, device: null, extra: [] };
  let declared = false;
  for (const decl of decls) {
    const vips = decl.vips;
    if (!vips) continue;
    declared = true;
    if (vips.bind !== undefined) {
      const at = valueAt(decl, 'vips', 'bind');
      if (settle('vips.bind', String(vips.bind), at)) { merged.bind = vips.bind; merged.bindAt = at; }
    }
    if (vips.device !== undefined && settle('vips.device', vips.device, valueAt(decl, 'vips', 'device'))) merged.device = vips.device;
    // lists from several files are joined, like scope.addresses
    (vips.extra ?? []).forEach((text, i) => merged.extra.push({ text, at: valueAt(decl, 'vips', 'extra', i) }));
  }
  return declared ? merged : null;
}

export function mergeVips(decls: readonly SettingsDecl[], services: readonly ServiceDecl[], facts: readonly ServiceFacts[], out: Diagnostic[]): DesiredVips | null {
  const report: Report = (code, at, message, related) => {
    out.push({ severity: 'error', code, message, file: at.file, line: at.line, col: at.col, path: at.pointer, ...(related ? { related: toSourceRef(related) } : {}) });
  };
  checkBindVip(services, facts, report);
  const merged = mergeFields(decls, report);
  if (!merged) return null;
  const addresses = new Map<string, BoundAddress>();
  const extras: BoundAddress[] = [];
  for (const e of merged.extra) {
    const parsed = parseAddress(e.text);
    if (!parsed) report('VIPS_ADDRESS', e.at, `vips.extra ${JSON.stringify(e.text)} is not an IP address; write the plain address (10.0.0.10 or 2001:db8::10), without a prefix: lvsync binds it as /32 or /128`);
    else if (merged.device) extras.push({ address: parsed.canonical, family: parsed.family, device: merged.device });
  }
  if (!merged.bind) return { addresses };
  if (merged.device === null) {
    report('VIPS_DEVICE', merged.bindAt!, '`vips.bind: true` needs `vips.device`, the device that holds the VIPs (for example `device: lo`, `eth1` or `dummy0`); add it beside `bind`, or write `bind: false`');
    return { addresses };
  }
  const device = merged.device;
  for (let i = 0; i < services.length; i++) {
    const target = facts[i]?.target;
    if (!target || target.kind !== 'address' || services[i]!.raw.bindVip === false) continue;
    const a: BoundAddress = { address: target.address, family: target.family, device };
    addresses.set(boundAddressKey(a), a);
  }
  for (const a of extras) addresses.set(boundAddressKey(a), a);
  return { addresses: new Map([...addresses].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) };
}

// bindVip on a fwmark service would silently do nothing: a firewall mark has no VIP to bind
function checkBindVip(services: readonly ServiceDecl[], facts: readonly ServiceFacts[], report: Report): void {
  for (let i = 0; i < services.length; i++) {
    const decl = services[i]!;
    if (decl.raw.bindVip === undefined || facts[i]?.target?.kind !== 'fwmark') continue;
    report('BIND_VIP_FWMARK', keyAt(decl, 'bindVip'), 'a fwmark service has no VIP for `bindVip` to bind or leave alone; remove `bindVip`, and list the addresses the mark covers in `vips.extra` if lvsync should bind them');
  }
}
