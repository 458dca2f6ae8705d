import { runChecked, type Ipvsadm } from '../ipvsadm/port.js';
import { parseListing } from '../live/parse-listing.js';
import type { Clock } from '../watch/clock.js';

/**
 * Has the router moved a withdrawn director's traffic away? Its connection entries stay until they
 * time out (the moved flows never send their FIN through it), so what tells is the packet counters:
 * they stop growing. Shared by SIGTERM's withdraw (watch/anycast.ts) and `lvsync drain-director`.
 */

/** Packets received so far by the services `matches` picks (their keys), from `-L -n --stats --exact`. */
export async function inPackets(ipvsadm: Ipvsadm, matches: (serviceKey: string) => boolean): Promise<number> {
  const listing = parseListing(await runChecked(ipvsadm, ['-L', '-n', '--stats', '--exact']));
  let total = 0;
  for (const [key, row] of listing.services) if (matches(key)) total += row.values.InPkts ?? 0;
  return total;
}

/**
 * Samples `read` every second until two samples in a row equal the one before (2 s without a
 * packet): true; or `deadline` passes: false. A sample of null (unreadable) is never quiet.
 */
export async function untilTrafficStops(read: () => Promise<number | null>, clock: Clock, deadline: number): Promise<boolean> {
  let before = await read();
  let quiet = 0;
  while (clock.now() < deadline) {
    await new Promise<void>((resolve) => { clock.setTimeout(resolve, 1000); });
    const now = await read();
    quiet = now !== null && before !== null && now === before ? quiet + 1 : 0;
    before = now;
    if (quiet >= 2) return true;
  }
  return false;
}
