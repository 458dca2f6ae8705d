import type { Logger } from 'pino';
import { yamlLibrary } from '../lazy-libs.js';
import { VRRP_STATES, type VrrpSpec } from '../model/vrrp.js';
import { vrrpReadiness, type InstanceReadiness } from '../vrrp/readiness.js';
import { readNotifyFifo, type NotifyReader, type VrrpNotification } from '../vrrp/notify-fifo.js';
import { writeTrackFile } from '../vrrp/track-file.js';
import type { Clock } from './clock.js';
import { formatDuration } from './duration.js';
import type { DaemonMetrics } from './metrics.js';
import { readinessInput, type DaemonStatus, type VrrpInstanceStatus } from './status.js';

/**
 * The daemon's side of VRRP (issue 16): after every pass and every health change it decides each
 * instance's readiness (vrrp/readiness.ts), writes the track files that changed, and keeps the status
 * page and the metrics current; it reads keepalived's notify_fifo for the instances' states. On
 * SIGTERM it reports every instance not ready and waits the grace, so VRRP moves the VIPs while this
 * director still forwards the connections already on it.
 */

export interface VrrpPublisher {
  /** decide again and publish what changed; never throws */
  refresh(): void;
  /** SIGTERM: report not ready, wait the grace (resolves at once without vrrp or with grace 0) */
  handOver(): Promise<void>;
  close(): Promise<void>;
}

export function createVrrpPublisher(deps: { status: DaemonStatus; metrics: DaemonMetrics; log: Logger; clock: Clock }): VrrpPublisher {
  const { status, metrics, log, clock } = deps;
  let stopping = false;
  let writes: Promise<void> = Promise.resolve();
  /** per track file: the value it holds (as far as lvsync knows) */
  const written = new Map<string, { value: number; at: number }>();
  const writeErrors = new Map<string, string>();
  const keepalived = new Map<string, NonNullable<VrrpInstanceStatus['keepalived']>>();
  const lastReady = new Map<string, boolean>();
  let fifo: { path: string; reader: Promise<NotifyReader | null> } | null = null;

  const spec = (): VrrpSpec | null => status.desired?.vrrp ?? null;

  const onNotification = (n: VrrpNotification) => {
    if (n.type !== 'INSTANCE') return;
    const known = spec()?.instances.some((i) => i.name === n.name) ?? false;
    const before = keepalived.get(n.name);
    keepalived.set(n.name, { state: n.state, priority: n.priority, at: clock.now() });
    metrics.vrrpTransitions.labels(n.name, n.state).inc();
    for (const state of VRRP_STATES) metrics.vrrpState.labels(n.name, state).set(state === n.state ? 1 : 0);
    const msg = `keepalived: VRRP instance ${n.name} is now ${n.state}${n.priority === null ? '' : ` (priority ${n.priority})`}${before ? `, was ${before.state}` : ''}`;
    if (!known) log.info({ vrrp: { instance: n.name, state: n.state } }, `${msg}; lvsync publishes no readiness for it (not in vrrp.instances)`);
    else if (n.state === 'FAULT') log.warn({ vrrp: { instance: n.name, state: n.state } }, msg);
    else log.info({ vrrp: { instance: n.name, state: n.state, priority: n.priority } }, msg);
    publishStatus(current);
  };

  const syncFifo = (path: string | null) => {
    if ((fifo?.path ?? null) === path) return;
    const old = fifo;
    fifo = null;
    if (old) void old.reader.then((r) => r?.close());
    if (path === null) return;
    fifo = {
      path,
      reader: readNotifyFifo(path, {
        onNotification,
        onError: (err) => log.warn({ err: String(err) }, `reading keepalived's notify FIFO ${path} failed`),
      }).catch((err: unknown) => {
        log.warn({ err: String(err) }, `cannot read keepalived's notify FIFO ${path}: ${err instanceof Error ? err.message : String(err)}; VRRP states are not followed`);
        return null;
      }),
    };
  };

  let current: InstanceReadiness[] = [];
  const publishStatus = (verdicts: readonly InstanceReadiness[]) => {
    const s = spec();
    if (!s) { status.vrrp = null; return; }
    status.vrrp = {
      stopping,
      notifyFifo: s.notifyFifo,
      instances: verdicts.map((v) => {
        const trackFile = s.instances.find((i) => i.name === v.instance)!.trackFile;
        const w = written.get(trackFile);
        return { ...v, trackFile, writtenAt: w && w.value === v.value ? w.at : null, writeError: writeErrors.get(trackFile) ?? null, keepalived: keepalived.get(v.instance) ?? null };
      }),
    };
  };

  const decide = (): InstanceReadiness[] => {
    const s = spec();
    if (!s) return [];
    return vrrpReadiness(s, readinessInput(status, stopping));
  };

  let warmed = false;
  const publish = (): void => {
    const s = spec();
    syncFifo(s?.notifyFifo ?? null);
    if (s && !warmed) {
      // An invalid config is reported with positions, which needs the full YAML library, loaded on
      // first use (lazy-libs.ts): ~0.1 s natively, 10 s under the TCG VM, all of it before the
      // director says it is not ready. With VRRP that delay is failover time, so load it now, idle.
      warmed = true;
      setTimeout(() => { yamlLibrary(); }, 0).unref();
    }
    current = decide();
    if (!s) { status.vrrp = null; return; }
    for (const v of current) {
      const instance = s.instances.find((i) => i.name === v.instance)!;
      metrics.vrrpReady.labels(v.instance).set(v.ready ? 1 : 0);
      const was = lastReady.get(v.instance);
      if (was !== v.ready) {
        lastReady.set(v.instance, v.ready);
        const why = v.reasons.join('; ');
        if (v.ready) log.info({ vrrp: { instance: v.instance, ready: true, value: v.value } }, `VRRP instance ${v.instance} is ready: ${instance.trackFile} ← 0`);
        else log.warn({ vrrp: { instance: v.instance, ready: false, value: v.value, reasons: v.reasons } }, `VRRP instance ${v.instance} is NOT ready (${why}): ${instance.trackFile} ← ${v.value}`);
      }
      const known = written.get(instance.trackFile);
      if (known?.value === v.value && !writeErrors.has(instance.trackFile)) continue;
      const { trackFile } = instance;
      const value = v.value;
      writes = writes.then(async () => {
        try {
          await writeTrackFile(trackFile, value);
          written.set(trackFile, { value, at: clock.now() });
          writeErrors.delete(trackFile);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          if (writeErrors.get(trackFile) !== message) log.error({ err: message, trackFile }, `cannot write the VRRP track file ${trackFile}: keepalived does not see this director's readiness (${message})`);
          writeErrors.set(trackFile, message);
          metrics.vrrpTrackFileErrors.labels(v.instance).inc();
        }
        publishStatus(current);
      });
    }
    publishStatus(current);
  };

  return {
    refresh() {
      try {
        publish();
      } catch (err) {
        log.error({ err: String(err) }, 'could not publish VRRP readiness (a bug)');
      }
    },
    async handOver() {
      const s = spec();
      if (!s || s.instances.length === 0) return;
      stopping = true;
      this.refresh();
      await writes;
      if (s.graceMs <= 0) return;
      log.info({ graceMs: s.graceMs }, `waiting ${formatDuration(s.graceMs)} for VRRP to move the VIPs of ${s.instances.map((i) => i.name).join(', ')} before exiting`);
      await new Promise<void>((resolve) => { clock.setTimeout(resolve, s.graceMs); });
    },
    async close() {
      await writes;
      const reader = fifo?.reader;
      fifo = null;
      await (await reader)?.close();
    },
  };
}
