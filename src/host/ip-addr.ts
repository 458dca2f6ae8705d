import { parseAddress } from '../model/address.js';
import { addressCidr, type BoundAddress, type DeviceAddress } from '../model/vips.js';

/**
 * `ip -o addr` in one place, for both sides that use it: `lvsync realserver` (the VIP on lo or a
 * tunnel device) and the director's VIPs (vips.bind). Pure: text in, values out; argv out.
 * iproute2 6.1 prints one line per address (facts checked in the VM):
 *   `1: lo    inet 10.0.0.10/32 scope global noprefixroute lo\       valid_lft forever ...`
 *   `1: lo    inet6 fd00::10/128 scope global nodad noprefixroute \       valid_lft forever ...`
 */

const LINE = /^\d+:\s+(\S+)\s+inet6?\s+([0-9A-Fa-f:.]+)\/(\d+)\b/;

/** Every address of `ip -o addr show [dev D]` output, canonical, with its device. Lines it cannot read are skipped. */
export function parseAddrShow(stdout: string): (DeviceAddress & { readonly device: string })[] {
  const out: (DeviceAddress & { device: string })[] = [];
  for (const line of stdout.split('\n')) {
    const m = LINE.exec(line);
    const parsed = m ? parseAddress(m[2]!) : null;
    if (m && parsed) out.push({ device: m[1]!.replace(/@.*$/, ''), address: parsed.canonical, prefix: Number(m[3]) });
  }
  return out;
}

/** Does the output list this address (any prefix)? `address` is compared in canonical form. */
export function listsAddress(stdout: string, address: string): boolean {
  const canonical = parseAddress(address)?.canonical ?? address;
  return parseAddrShow(stdout).some((a) => a.address === canonical);
}

/** `ip -o addr show dev D`: the read, the same for both sides. */
export function addrShowArgv(device: string): string[] {
  return ['ip', '-o', 'addr', 'show', 'dev', device];
}

/**
 * The director's VIP commands. `noprefixroute`: a /32 adds no route anyway, but a /128 would add a
 * prefix route; `nodad` (IPv6): usable at once instead of "tentative" for a second or two, which is
 * what a VIP that traffic is about to reach needs (duplicate detection is VRRP's job, not the kernel's).
 */
export function addrAddArgv(a: BoundAddress): string[] {
  return ['ip', 'addr', 'add', addressCidr(a), 'dev', a.device, 'noprefixroute', ...(a.family === 'ipv6' ? ['nodad'] : [])];
}

export function addrDelArgv(a: BoundAddress): string[] {
  return ['ip', 'addr', 'del', addressCidr(a), 'dev', a.device];
}

/** "Device "x" does not exist.": the one failure of `ip -o addr show dev` that is an answer, not an error. */
export function isMissingDevice(stderr: string): boolean {
  return /^Device ".*" does not exist\.?\s*$/m.test(stderr);
}
