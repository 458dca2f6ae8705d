import { parseAddress, type Family } from './address.js';

/**
 * VIP addresses on the director (issue 16 part 1): which addresses lvsync binds, on which device,
 * and what a device holds. An address lvsync binds is always a host address (/32 or /128), and is
 * named by `"10.0.0.10/32 lo"`: the same text identifies it in plans, digests and the inventory.
 */

/** One address on one device, as lvsync adds it: the VIP alone (/32, /128). */
export interface BoundAddress {
  /** canonical text (model/address.ts) */
  readonly address: string;
  readonly family: Family;
  readonly device: string;
}

/** What the desired state says about VIPs: absent when no file declares `vips`. */
export interface DesiredVips {
  /** keyed by boundAddressKey, sorted; empty when `bind` is false */
  readonly addresses: ReadonlyMap<string, BoundAddress>;
}

/** An address as `ip -o addr show` prints it (any prefix: an operator's /24 counts as the VIP being there). */
export interface DeviceAddress {
  readonly address: string;
  readonly prefix: number;
}

/**
 * The addresses of the devices that were read, by device; null: no such device. Only devices that
 * matter (declared or holding an owned address) are read, so a device that is not in the map was
 * not looked at.
 */
export type LiveAddresses = ReadonlyMap<string, readonly DeviceAddress[] | null>;

export function hostPrefix(family: Family): number {
  return family === 'ipv6' ? 128 : 32;
}

/** "10.0.0.10/32": the address with its host prefix. */
export function addressCidr(a: BoundAddress): string {
  return `${a.address}/${hostPrefix(a.family)}`;
}

/** "10.0.0.10/32 lo": identity of a bound address (inventory entries, digests, plan targets). */
export function boundAddressKey(a: BoundAddress): string {
  return `${addressCidr(a)} ${a.device}`;
}

/** "10.0.0.10/32 on lo": how plans and logs say it. */
export function describeBoundAddress(a: BoundAddress): string {
  return `${addressCidr(a)} on ${a.device}`;
}

// a device name as the kernel allows it (IFNAMSIZ 16 with the NUL; no slash, no white space)
const DEVICE = /^[^\s/:]{1,15}$/;

export function isDeviceName(text: string): boolean {
  return DEVICE.test(text) && text !== '.' && text !== '..';
}

/** The inverse of boundAddressKey, or null for anything else (a strict reader for the inventory). */
export function parseBoundAddressKey(text: string): BoundAddress | null {
  const m = /^([^/\s]+)\/(\d+) (\S+)$/.exec(text);
  if (!m) return null;
  const parsed = parseAddress(m[1]!);
  if (!parsed || parsed.canonical !== m[1] || Number(m[2]) !== hostPrefix(parsed.family) || !isDeviceName(m[3]!)) return null;
  return { address: parsed.canonical, family: parsed.family, device: m[3]! };
}

/** Is the address on the device, with any prefix? false also when the device was not read or does not exist. */
export function holdsAddress(live: LiveAddresses, device: string, address: string): boolean {
  return live.get(device)?.some((a) => a.address === address) ?? false;
}

/** Is exactly this /32 (/128) on its device? What lvsync may delete is only what it added. */
export function holdsBound(live: LiveAddresses, a: BoundAddress): boolean {
  const prefix = hostPrefix(a.family);
  return live.get(a.device)?.some((d) => d.address === a.address && d.prefix === prefix) ?? false;
}

/** Canonical text for digests: the same addresses give the same text in any order. */
export function formatAddresses(keys: Iterable<string>): string {
  return [...keys].sort().map((k) => `address ${k}\n`).join('');
}

/** Canonical text of what was read, for the live digest. */
export function formatLiveAddresses(live: LiveAddresses): string {
  const out: string[] = [];
  for (const device of [...live.keys()].sort()) {
    const list = live.get(device);
    if (!list) { out.push(`device ${device} missing\n`); continue; }
    for (const a of [...list].map((d) => `${d.address}/${d.prefix}`).sort()) out.push(`address ${a} ${device}\n`);
  }
  return out.join('');
}
