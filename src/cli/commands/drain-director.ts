import { readFile } from 'node:fs/promises';
import { readDrainFlag, removeDrainFlag, writeDrainFlag } from '../../anycast/drain-flag.js';
import { parseAnycastState, type AnycastState } from '../../anycast/state-file.js';
import { inPackets, untilTrafficStops } from '../../anycast/traffic.js';
import { ANYCAST_DEFAULTS } from '../../model/anycast.js';
import { systemClock } from '../../watch/clock.js';
import { formatDuration, parseDuration } from '../../watch/duration.js';
import type { GlobalArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';

export interface DrainDirectorArgs {
  readonly undo: boolean;
  readonly timeout: string | undefined;
  readonly stateFile: string | undefined;
}

/**
 * `lvsync drain-director [--undo] [--timeout 60s] [--state-file FILE]`: planned maintenance of an
 * active-active director. Leaves the mark lvsync watch withdraws every anycast VIP for, waits until
 * the state file says they are withdrawn, then until the anycast services see no new packets for 2 s
 * (the router has moved the flows; the connection entries stay until they time out, so active
 * connection counts would not fall). `--undo` removes the mark and waits for the VIPs to be announced.
 * Exit 0 when done, 1 when the timeout ran out first (the mark stays).
 */
export async function drainDirectorCommand(io: CliIo, global: GlobalArgs, args: DrainDirectorArgs): Promise<number> {
  const timeoutMs = args.timeout === undefined ? 60_000 : parseDuration(args.timeout);
  if (timeoutMs === null) throw new UsageError(`--timeout: expected a duration such as 60s (got '${args.timeout}')`);
  const stateFile = args.stateFile ?? ANYCAST_DEFAULTS.stateFile;
  const clock = io.clock ?? systemClock;
  const end = clock.now() + timeoutMs;
  const sleep = (ms: number) => new Promise<void>((resolve) => { clock.setTimeout(resolve, ms); });
  const readState = async (): Promise<AnycastState | null> => {
    try {
      const parsed = parseAnycastState(await readFile(stateFile, 'utf8'));
      return 'ok' in parsed ? parsed.ok : null;
    } catch { return null; }
  };
  const untilVips = async (announced: boolean): Promise<AnycastState | null> => {
    for (;;) {
      const state = await readState();
      if (state && state.vips.length > 0 && state.vips.every((v) => v.ready === announced) && state.writtenAt >= started) return state;
      if (clock.now() >= end) return null;
      await sleep(500);
    }
  };
  const started = clock.now();

  if (args.undo) {
    const removed = await removeDrainFlag(global.stateDir);
    io.stdout(removed ? `drain-director mark removed from ${global.stateDir}; lvsync watch announces the anycast VIPs again once they are ready\n` : `no drain-director mark in ${global.stateDir}: nothing to undo\n`);
    const state = await untilVips(true);
    if (!state) { io.stderr(`lvsync: the anycast VIPs are not all announced after ${formatDuration(timeoutMs)}; see lvsync watch's status page for why\n`); return EXIT.failure; }
    io.stdout(`announced: ${state.vips.map((v) => v.prefix).join(', ')}\n`);
    return EXIT.ok;
  }

  const already = await readDrainFlag(global.stateDir);
  if (!already) await writeDrainFlag(global.stateDir, started);
  io.stdout(`${already ? 'already marked' : 'marked'} for maintenance in ${global.stateDir}: lvsync watch withdraws every anycast VIP\n`);
  const state = await untilVips(false);
  if (!state) { io.stderr(`lvsync: the anycast VIPs are not withdrawn after ${formatDuration(timeoutMs)}: is lvsync watch running, with anycast declared and --state-dir ${global.stateDir}?\n`); return EXIT.failure; }
  io.stdout(`withdrawn: ${state.vips.map((v) => v.prefix).join(', ')}; waiting for the traffic to move to the other directors\n`);
  const prefixes = new Set(state.vips.map((v) => v.prefix.replace(/\/\d+$/, '')));
  const ipvsadm = io.createIpvsadm(global.ipvsadm);
  // an unreadable kernel ends the command with ipvsadm's error, as before it waited
  if (await untilTrafficStops(() => inPackets(ipvsadm, (key) => prefixes.has(key.split('|')[1] ?? '')), clock, end)) {
    io.stdout(`drained: no packets for 2 s after ${formatDuration(clock.now() - started)}; the director is out of rotation until lvsync drain-director --undo\n`);
    return EXIT.ok;
  }
  io.stderr(`lvsync: packets still arrive after ${formatDuration(timeoutMs)}; the VIPs stay withdrawn (the mark stays)\n`);
  return EXIT.failure;
}
