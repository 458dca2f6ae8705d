import type { Diagnostic } from '../diagnostics.js';
import { parseAddress } from '../model/address.js';
import { ANYCAST_DEFAULTS, type AnycastSpec, type AnycastVip } from '../model/anycast.js';
import { blockInForce } from './block.js';
import { durationMs } from './policy.js';
import type { ServiceCatalog } from './vrrp.js';
import { valueAt, type BlockDecl, type WrittenAnycast } from './written.js';

/**
 * The `anycast` block in force on this director, checked against its services: each VIP must be an
 * address that at least one address service uses (announcing a VIP with nothing behind it draws
 * traffic to a black hole), and a next hop must be `self` or an address of the VIP's family.
 */
/**
 * `directorView`: the services are one director's (a director was named, or the config has no
 * fleet). Without it (validating a fleet's shared part) a VIP whose services are all on named
 * directors is left out rather than refused: each director's own view checks it.
 */
export function resolveAnycast(files: readonly BlockDecl<WrittenAnycast>[], override: BlockDecl<WrittenAnycast> | null, catalog: ServiceCatalog, out: Diagnostic[], directorView = true): AnycastSpec | null {
  const decl = blockInForce(files, override, 'anycast', 'ANYCAST', out);
  if (!decl) return null;
  const raw = decl.raw;
  let failed = false;
  const error = (at: ReturnType<typeof valueAt>, message: string) => {
    out.push({ severity: 'error', code: 'ANYCAST', message, file: at.file, line: at.line, col: at.col, path: at.pointer });
    failed = true;
  };
  const vips: AnycastVip[] = [];
  const seen = new Map<string, number>();
  for (const [i, own] of raw.vips.entries()) {
    const written = own.address;
    const parsed = parseAddress(written);
    if (!parsed) { error(valueAt(decl, 'vips', i, 'address'), `${JSON.stringify(written)} is not an IP address; write the VIP, e.g. 10.70.0.10 or 2001:db8::10`); continue; }
    if (seen.has(parsed.canonical)) { error(valueAt(decl, 'vips', i, 'address'), `${parsed.canonical} is listed twice (also item ${seen.get(parsed.canonical)! + 1}); list each VIP once`); continue; }
    seen.set(parsed.canonical, i);
    const services = catalog.byAddress.get(parsed.canonical) ?? [];
    if (services.length === 0) {
      if (!directorView) continue;
      error(valueAt(decl, 'vips', i, 'address'), `no service on this director uses ${parsed.canonical}; announcing it would draw its traffic to nothing. Declare its services on this director, or remove the VIP`);
      continue;
    }
    const nextHop = own.nextHop ?? raw.nextHop ?? ANYCAST_DEFAULTS.nextHop;
    if (nextHop !== 'self') {
      const hop = parseAddress(nextHop);
      if (!hop || hop.family !== parsed.family) {
        const at = own.nextHop !== undefined ? valueAt(decl, 'vips', i, 'nextHop') : valueAt(decl, 'nextHop');
        error(at, `next hop ${JSON.stringify(nextHop)} is not ${hop ? `an ${parsed.family === 'ipv4' ? 'IPv4' : 'IPv6'} address like the VIP` : 'an IP address'}; write \`self\` (the BGP session's own address) or this director's address`);
        continue;
      }
    }
    vips.push({
      address: parsed.canonical,
      prefix: `${parsed.canonical}/${parsed.family === 'ipv4' ? 32 : 128}`,
      services,
      minHealthy: own.minHealthy ?? raw.minHealthy ?? ANYCAST_DEFAULTS.minHealthy,
      nextHop,
      med: own.med ?? raw.med ?? null,
      communities: [...(own.communities ?? raw.communities ?? [])],
    });
  }
  if (failed) return null;
  return { graceMs: durationMs(raw.grace, ANYCAST_DEFAULTS.graceMs), stateFile: raw.stateFile ?? ANYCAST_DEFAULTS.stateFile, vips };
}
