import { parseBoundAddressKey, type BoundAddress } from '../model/vips.js';
import type { VirtualService } from '../model/types.js';

/**
 * The `vips` declaration that reproduces the addresses lvsync owns (the inventory's `addresses`),
 * for `lvsync export` on a director. The kernel alone cannot tell an address lvsync bound from an
 * operator's or keepalived's, so nothing is exported without owned addresses. Owned addresses on
 * more than one device cannot be one `vips.device`, so then nothing is exported either (null).
 * Address services whose VIP lvsync does not own get `bindVip: false`, so applying the export binds
 * exactly what is bound now; owned addresses that are no service's VIP go to `extra`.
 */
export interface ExportedVips {
  readonly vips: { readonly bind: true; readonly device: string; readonly extra?: readonly string[] };
  /** keys of the services to export with `bindVip: false` */
  readonly notBound: ReadonlySet<string>;
}

export function exportVips(services: Iterable<VirtualService>, owned: readonly string[]): ExportedVips | null {
  const addresses = owned.map(parseBoundAddressKey).filter((a): a is BoundAddress => a !== null);
  const devices = new Set(addresses.map((a) => a.device));
  if (devices.size !== 1) return null;
  const device = [...devices][0]!;
  const bound = new Set(addresses.map((a) => a.address));
  const vipsOfServices = new Set<string>();
  const notBound = new Set<string>();
  for (const svc of services) {
    if (svc.target.kind !== 'address') continue;
    vipsOfServices.add(svc.target.address);
    if (!bound.has(svc.target.address)) notBound.add(svc.key);
  }
  const extra = [...bound].filter((a) => !vipsOfServices.has(a)).sort();
  return { vips: { bind: true, device, ...(extra.length ? { extra } : {}) }, notBound };
}
