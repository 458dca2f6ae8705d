import { addrShowArgv, isMissingDevice, parseAddrShow } from '../host/ip-addr.js';
import type { Table } from '../model/types.js';
import { parseBoundAddressKey, type DesiredVips, type DeviceAddress, type LiveAddresses } from '../model/vips.js';
import type { CommandRunner } from '../realserver/runner.js';

/**
 * Reading the director's addresses through the `ip` seam (the same CommandRunner as `lvsync
 * realserver`). Only the devices that matter are read: those of the desired VIPs and those holding
 * an address lvsync owns (it may have to delete it). A config without `vips` and an inventory
 * without addresses never start `ip`.
 */

/** `ip` failed in a way that is not "no such device": planning on a guess could delete or re-add for nothing. */
export class LiveAddressesError extends Error {
  constructor(readonly command: string, readonly exitCode: number, readonly stderr: string) {
    super(`${command} failed (exit ${exitCode}): ${stderr.trim() || '(no message)'}; refusing to plan VIP addresses on a guess`);
    this.name = 'LiveAddressesError';
  }
}

/** The devices to read: desired ones and owned ones, sorted; empty when neither side has any. */
export function addressDevices(desired: DesiredVips | undefined, owned: readonly string[]): string[] {
  const devices = new Set<string>();
  for (const a of desired?.addresses.values() ?? []) devices.add(a.device);
  for (const key of owned) {
    const a = parseBoundAddressKey(key);
    if (a) devices.add(a.device);
  }
  return [...devices].sort();
}

export async function readLiveAddresses(ip: CommandRunner, devices: readonly string[]): Promise<LiveAddresses> {
  const live = new Map<string, readonly DeviceAddress[] | null>();
  for (const device of devices) {
    const argv = addrShowArgv(device);
    const r = await ip.run(argv);
    if (r.exitCode !== 0) {
      if (isMissingDevice(r.stderr)) { live.set(device, null); continue; }
      throw new LiveAddressesError(argv.join(' '), r.exitCode, r.stderr);
    }
    live.set(device, parseAddrShow(r.stdout).filter((a) => a.device === device).map(({ address, prefix }) => ({ address, prefix })));
  }
  return live;
}

/**
 * The live table with the addresses of the devices that matter; unchanged (no `ip` at all) when
 * the desired state declares no `vips` and lvsync owns no address.
 */
export async function withLiveAddresses(table: Table, desired: DesiredVips | undefined, owned: readonly string[], ip: CommandRunner): Promise<Table> {
  if (!desired && owned.length === 0) {
    if (!table.addresses) return table;
    // a table read earlier (the daemon's last read) may carry addresses nothing asks about any more
    const { addresses: _, ...rest } = table;
    return rest;
  }
  return { ...table, addresses: await readLiveAddresses(ip, addressDevices(desired, owned)) };
}
