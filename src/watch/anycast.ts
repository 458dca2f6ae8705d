import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { readDrainFlag } from '../anycast/drain-flag.js';
import { formatAnycastState, type AnnouncedVip } from '../anycast/state-file.js';
import type { Ipvsadm } from '../ipvsadm/port.js';
import { inPackets, untilTrafficStops } from '../anycast/traffic.js';
import type { AnycastSpec } from '../model/anycast.js';
import { writeStateFile } from '../state/atomic.js';
import { groupReadiness } from '../vrrp/readiness.js';
import type { Clock } from './clock.js';
import { formatDuration } from './duration.js';
import type { DaemonMetrics } from './metrics.js';
import { readinessInput, type AnycastStatus, type DaemonStatus } from './status.js';

/**
 * The daemon's side of anycast (issue 17): the VRRP publisher's twin for BGP. After every pass and
 * health change, and every second for `lvsync drain-director`'s mark, it decides each VIP's readiness
 * and writes the state file `lvsync exabgp` announces from. The file is also rewritten every
 * interval as a heartbeat: the reader withdraws everything when it is older than 3 × interval + 5 s
 * or its writer's pid is gone, so a dead or stuck lvsync stops drawing traffic.
 */

export interface AnycastPublisher {
  refresh(): void;
  /** SIGTERM: withdraw, wait until the anycast services see no packets for 2 s, or the grace */
  withdrawAndWait(): Promise<void>;
  close(): Promise<void>;
}

/** How long a state file stays believable: three missed heartbeats plus slack for a slow pass. */
export function staleAfter(intervalMs: number): number {
  return 3 * intervalMs + 5000;
}

export function createAnycastPublisher(deps: { status: DaemonStatus; metrics: DaemonMetrics; log: Logger; clock: Clock; ipvsadm: Ipvsadm; stateDir: string; intervalMs: number }): AnycastPublisher {
  const { status, metrics, log, clock } = deps;
  let stopping = false;
  let drainedSince: number | null = null;
  let writes: Promise<void> = Promise.resolve();
  let lastText = '';
  let lastWriteAt = -Infinity;
  const lastReady = new Map<string, boolean>();
  const spec = (): AnycastSpec | null => status.desired?.anycast ?? null;

  const decide = (s: AnycastSpec): AnnouncedVip[] => {
    const verdicts = groupReadiness(s.vips.map((v) => ({ name: v.prefix, services: v.services, minHealthy: v.minHealthy })), readinessInput(status, stopping));
    return s.vips.map((vip, i) => {
      const reasons = [...verdicts[i]!.reasons];
      if (drainedSince !== null) reasons.unshift(`drained for maintenance by lvsync drain-director since ${new Date(drainedSince).toISOString()} (lvsync drain-director --undo announces again)`);
      return { prefix: vip.prefix, ready: reasons.length === 0, reasons, nextHop: vip.nextHop, med: vip.med, communities: vip.communities };
    });
  };

  const publish = (force: boolean): void => {
    const s = spec();
    if (!s) { status.anycast = null; return; }
    startTicking();
    const vips = decide(s);
    for (const v of vips) {
      metrics.anycastReady.labels(v.prefix).set(v.ready ? 1 : 0);
      if (lastReady.get(v.prefix) === v.ready) continue;
      lastReady.set(v.prefix, v.ready);
      if (v.ready) log.info({ anycast: { vip: v.prefix, ready: true } }, `anycast VIP ${v.prefix} is ready: announced`);
      else log.warn({ anycast: { vip: v.prefix, ready: false, reasons: v.reasons } }, `anycast VIP ${v.prefix} is NOT ready (${v.reasons.join('; ')}): withdrawn`);
    }
    status.anycast = { vips: vips.map(({ prefix, ready, reasons }) => ({ prefix, ready, reasons })), drainedSince, stopping, stateFile: s.stateFile };
    const body = JSON.stringify(vips);
    const now = clock.now();
    if (!force && body === lastText && now - lastWriteAt < deps.intervalMs) return;
    lastText = body;
    lastWriteAt = now;
    const text = formatAnycastState({ version: 1, pid: process.pid, writtenAt: now, staleAfterMs: staleAfter(deps.intervalMs), vips });
    writes = writes.then(() => writeStateFile(dirname(s.stateFile), basename(s.stateFile), text)).catch((err: unknown) => {
      metrics.anycastStateFileErrors.inc();
      log.error({ err: String(err), stateFile: s.stateFile }, `cannot write the anycast state file ${s.stateFile}: lvsync exabgp withdraws every VIP once it is stale`);
    });
  };

  // the drain mark and the heartbeat: once a second, a stat and (when due) a small write; only once
  // anycast is declared, so a daemon without it (or one that failed to start) keeps no timer
  let stopTick: (() => void) | null = null;
  let closed = false;
  const startTicking = () => {
    if (stopTick || closed) return;
    stopTick = clock.setTimeout(tick, 1000);
  };
  const tick = () => {
    if (closed) return;
    stopTick = clock.setTimeout(tick, 1000);
    if (!spec()) return;
    void readDrainFlag(deps.stateDir).then((flag) => {
      const since = flag ? flag.since : null;
      const changed = since !== drainedSince;
      drainedSince = since;
      if (changed) log.info(since === null ? 'drain-director mark removed: announcing the anycast VIPs again when ready' : 'drain-director mark found: withdrawing every anycast VIP');
      publish(changed);
    }).catch((err: unknown) => log.warn({ err: String(err) }, 'cannot read the drain-director mark'));
  };

  // the packets the anycast services have received so far, or null when unreadable
  const packets = (s: AnycastSpec) => {
    const keys = new Set(s.vips.flatMap((v) => v.services));
    return () => inPackets(deps.ipvsadm, (key) => keys.has(key)).catch(() => null);
  };

  return {
    refresh() {
      try { publish(false); } catch (err) { log.error({ err: String(err) }, 'could not publish anycast readiness (a bug)'); }
    },
    async withdrawAndWait() {
      const s = spec();
      if (!s || s.vips.length === 0) return;
      stopping = true;
      publish(true);
      await writes;
      if (s.graceMs <= 0) return;
      log.info({ graceMs: s.graceMs }, `withdrawn every anycast VIP; waiting until no packets reach them for 2 s (at most ${formatDuration(s.graceMs)}) before exiting`);
      if (await untilTrafficStops(packets(s), clock, clock.now() + s.graceMs)) { log.info('no packets for 2 s: the router has moved the traffic away'); return; }
      log.warn(`anycast traffic still arriving after ${formatDuration(s.graceMs)}: exiting anyway`);
    },
    async close() {
      closed = true;
      stopTick?.();
      await writes;
    },
  };
}
