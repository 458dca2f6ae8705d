import type { Logger } from 'pino';
import { loadDesired, rehearseChange } from '../desired/load.js';
import type { DesiredResult } from '../desired/parse.js';
import type { Ipvsadm } from '../ipvsadm/port.js';
import { readLiveTable } from '../live/read.js';
import { checkBudget } from '../health/budget.js';
import { readOpenFileLimit } from '../health/fd-limit.js';
import { createHealthMonitor, type HealthMonitor } from '../health/monitor.js';
import { createProbe } from '../health/probe.js';
import { healthTargets } from '../health/targets.js';
import type { HealthState, HealthTransition, Probe, ProbeTarget } from '../health/types.js';
import { hostPort } from '../model/keys.js';
import type { Table } from '../model/types.js';
import { healthFilePath, readHealthFile, writeHealthFile } from '../state/health-file.js';
import type { Clock } from './clock.js';
import { createDebouncer } from './debounce.js';
import { createReadAhead } from './read-ahead.js';
import { formatDuration } from './duration.js';
import { createLoadBalancerSnapshot } from './lb-snapshot.js';
import { createLiveStatsReader, tapListings } from './live-stats.js';
import { createReconcileLoop, type Backoff, type ReconcileLoop } from './loop.js';
import { createMetrics, registerLoadBalancerMetrics, registerReadiness, type DaemonMetrics } from './metrics.js';
import { createPass, plural } from './pass.js';
import { createStateFileReporter } from './state-files.js';
import type { ReconcileDeps } from '../reconcile/reconcile.js';
import type { CommandRunner } from '../realserver/runner.js';
import { startStatusServer, type StatusServer } from './server.js';
import { createStatus, readiness, type DaemonStatus } from './status.js';
import { watchDesired, type DesiredWatcher } from './triggers.js';
import { createVrrpPublisher } from './vrrp.js';
import { createAnycastPublisher } from './anycast.js';

/**
 * `lvsync watch` assembled: file watcher → debouncer → loop → pass, plus the HTTP endpoints. All
 * effects come in through DaemonDeps, so tests run a whole daemon against the in-memory fake with a
 * manual clock (and no watcher), and the CLI runs it with the real ones.
 */

/**
 * Quiet time after the last file event before a pass is requested. An editor's save (write + rename)
 * or a ConfigMap's symlink swap arrives as events within a few milliseconds; 100 ms covers them and a
 * small `git checkout`, and a never-ending stream is cut at 10× this (debounce.ts). It was 300 ms:
 * issue 13 measured every millisecond between a rename and the kernel.
 */
export const DEFAULT_DEBOUNCE_MS = 100;

/**
 * How long file events must pause before the config is read ahead (read-ahead.ts): the two or three
 * events of one save or rename come within a few milliseconds (3-5 ms in the emulated VM of the
 * benchmark), and should share one load rather than each start one.
 */
export const READ_AHEAD_SETTLE_MS = 15;

/**
 * How long past the end of a read-ahead the debounce's call waits at least: the events that came
 * while the load held the event loop (chokidar emits after a stat of its own) are handed over in
 * this time and restart the quiet time.
 */
export const READ_AHEAD_GRACE_MS = 20;

export interface DaemonConfig {
  readonly paths: readonly string[];
  readonly intervalMs: number;
  readonly detectOnly: boolean;
  /** null: no HTTP endpoints */
  readonly listen: { readonly host: string; readonly port: number } | null;
  readonly stateDir: string;
  readonly perCommand: boolean;
  readonly allowMassDelete: boolean;
  readonly debounceMs?: number;
  /** the time rehearsals may take in all (pass.ts REHEARSAL_BUDGET_MS) */
  readonly rehearsalBudgetMs?: number;
  readonly backoff?: Backoff;
  /** how long SIGTERM waits for the current pass */
  readonly shutdownTimeoutMs?: number;
  readonly hostname: string;
  /** whose part of the desired state this daemon applies (--director); default: every part without `directors` */
  readonly director?: string;
  readonly version: string;
  /** health checks in flight at most (--health-concurrency); default: what the open-file limit allows (health/budget.ts) */
  readonly healthConcurrency?: number;
  /** --metrics-servers: per-real-server series in /metrics; default true */
  readonly metricsServers?: boolean;
  /** --scrape-interval: the kernel's counters are read at most once per this for /metrics and the status page; default DEFAULT_SCRAPE_INTERVAL_MS */
  readonly scrapeIntervalMs?: number;
}

/**
 * How old the listings behind /metrics and the status page may be: a Prometheus pair scraping every
 * 15 s (a common scrape_interval) reads the kernel once per interval, not once per scraper.
 */
export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;

export interface DaemonDeps {
  readonly ipvsadm: Ipvsadm;
  readonly clock: Clock;
  readonly log: Logger;
  readonly load?: (paths: readonly string[]) => Promise<DesiredResult>;
  readonly lock?: ReconcileDeps['lock'];
  /** the file watcher; tests pass a fake or `false` for none */
  readonly watch?: ((paths: readonly string[], onChange: (path: string) => void, onError: (err: unknown) => void) => DesiredWatcher) | false;
  readonly metrics?: DaemonMetrics;
  /** health-check probes; default: real tcp/http/https/exec probes */
  readonly probe?: Probe;
  /** runs `ip` for the VIP addresses (vips); default: the real program */
  readonly ip?: CommandRunner;
  /** LVSYNC_TRACE: a line per step of each pass (src/cli/trace.ts) */
  readonly trace?: (event: string) => void;
  /** the open-file limit the health checks are sized from; default: this process's (/proc/self/limits) */
  readonly openFileLimit?: () => number | null;
}

export interface Daemon {
  readonly status: DaemonStatus;
  readonly metrics: DaemonMetrics;
  readonly loop: ReconcileLoop;
  /** http://127.0.0.1:PORT, or null without --listen */
  readonly url: string | null;
  /** SIGHUP: re-resolve the watched paths, then a pass now */
  reload(): void;
  /** SIGTERM/SIGINT: finish the current pass (up to shutdownTimeoutMs), close everything; never touches the kernel */
  stop(signal?: string): Promise<{ timedOut: boolean }>;
}

export class LiveTableUnreadableError extends Error {
  constructor(readonly details: string) {
    super(`the live table has lines lvsync cannot parse; refusing to plan against a partial table: ${details}`);
    this.name = 'LiveTableUnreadableError';
  }
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

export async function startDaemon(config: DaemonConfig, deps: DaemonDeps): Promise<Daemon> {
  const { clock, log } = deps;
  const metrics = deps.metrics ?? createMetrics();
  // the counters /metrics and the status page show: one cache, fed also by the listings the passes take
  const liveStats = createLiveStatsReader(deps.ipvsadm, clock, config.scrapeIntervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS);
  const ipvsadm = tapListings(deps.ipvsadm, (kind, text) => liveStats.offer(kind, text));
  const mode = config.detectOnly ? 'detect-only' : 'apply';
  const status = createStatus({ startedAt: clock.now(), mode, intervalMs: config.intervalMs, paths: config.paths, hostname: config.hostname });
  const stateFiles = createStateFileReporter({ log, metrics, status, clock });
  // VRRP readiness: decided again after every pass and every health change (issue 16)
  const vrrp = createVrrpPublisher({ status, metrics, log, clock });
  const anycast = createAnycastPublisher({ status, metrics, log, clock, ipvsadm: deps.ipvsadm, stateDir: config.stateDir, intervalMs: config.intervalMs });
  const publishReadiness = () => { vrrp.refresh(); anycast.refresh(); };
  // detect-only never writes the state directory: a bad file is reported and left where it is
  const recover = { repair: mode === 'apply', now: () => clock.now() };

  const readLive = async (thresholds: boolean): Promise<Table> => {
    const parsed = await readLiveTable(ipvsadm, { thresholds });
    if (parsed.diagnostics.length) throw new LiveTableUnreadableError(parsed.diagnostics.map((d) => d.message).join('; '));
    return parsed.table;
  };

  // health: checks run on their own schedule; a status change requests a pass (level-based, like everything else)
  const healthFile = healthFilePath(config.stateDir);
  const targets = new Map<string, ProbeTarget>();
  let loopRef: ReconcileLoop | null = null;
  let persisting: Promise<void> = Promise.resolve();
  // A failure storm (a switch dies, 10k servers fail together) is one transition per server:
  // health.json is written at most once a second and health passes are requested at most every
  // 200 ms, so the event loop keeps probing and serving instead of serialising and planning per server.
  let persistTimer: (() => void) | null = null;
  const persistHealth = (monitor: HealthMonitor) => {
    if (mode === 'detect-only' || persistTimer) return; // detect-only never writes the state directory
    persistTimer = clock.setTimeout(() => { persistTimer = null; persistNow(monitor); }, 1000);
  };
  const persistNow = (monitor: HealthMonitor) => {
    persisting = persisting.then(() => writeHealthFile(config.stateDir, monitor.states().values())).catch(async (err: unknown) => {
      // something unusable took its place since start-up (a directory): moved aside, then written again
      const { warning } = await readHealthFile(config.stateDir, recover);
      if (!warning) throw err;
      stateFiles.once(warning);
      await writeHealthFile(config.stateDir, monitor.states().values());
    }).catch((err: unknown) => log.warn({ err: String(err) }, `could not record health states in ${healthFile}`));
  };
  // the status page's and the gauges' view of every state: O(servers), so once per storm, not per transition
  let refreshTimer: (() => void) | null = null;
  const refreshHealthSoon = (monitor: HealthMonitor) => {
    if (refreshTimer) return;
    refreshTimer = clock.setTimeout(() => { refreshTimer = null; refreshHealthStatus(monitor); }, 200);
  };
  let passTimer: (() => void) | null = null;
  const requestHealthPass = () => {
    if (passTimer) return;
    passTimer = clock.setTimeout(() => { passTimer = null; loopRef?.request('health'); }, 200);
  };
  const refreshHealthStatus = (monitor: HealthMonitor) => {
    const out = new Map<string, { target: ProbeTarget; state: HealthState }>();
    const counts = { up: 0, down: 0, unknown: 0 };
    for (const [id, state] of monitor.states()) {
      const target = targets.get(id);
      if (!target) continue;
      out.set(id, { target, state });
      counts[state.status]++;
    }
    status.health = out;
    for (const [s, n] of Object.entries(counts)) metrics.realServersHealth.labels(s).set(n);
    publishReadiness();
  };
  // the monitor rethrows a callback's error as an uncaught exception: nothing here may throw
  const onTransition = (t: HealthTransition) => {
    try {
      reportTransition(t);
    } catch (err) {
      log.error({ err: String(err) }, 'could not report a health transition (a bug)');
    }
  };
  const reportTransition = (t: HealthTransition) => {
    const what = `${hostPort(t.target.address, t.target.serverPort)} of ${t.target.service}`;
    const detail = t.state.lastResult?.detail ?? '';
    if (t.to === 'down') {
      log.warn({ health: { target: t.id, from: t.from, to: t.to, detail } }, `real server ${what} is down after ${plural(t.state.consecutiveFail, 'failed check')} (${detail}): taking it out of rotation`);
    } else if (t.to === 'up' && t.from === 'down') {
      log.info({ health: { target: t.id, from: t.from, to: t.to, detail } }, `real server ${what} is up again after ${plural(t.state.consecutiveOk, 'successful check')}: restoring its declared weight`);
    } else {
      log.debug({ health: { target: t.id, from: t.from, to: t.to } }, `real server ${what}: ${t.from} → ${t.to}`);
    }
    if (t.to === 'up' || t.to === 'down') metrics.healthTransitions.labels(t.to).inc();
    refreshHealthSoon(monitor);
    persistHealth(monitor);
    // unknown → up changes no weight; everything else may
    if (!(t.from === 'unknown' && t.to === 'up')) requestHealthPass();
  };
  const { states: saved, warning: savedWarning } = await readHealthFile(config.stateDir, recover);
  if (savedWarning) stateFiles.once(savedWarning);
  const budget = checkBudget((deps.openFileLimit ?? readOpenFileLimit)(), config.healthConcurrency);
  if (budget.clamped) {
    log.warn({ healthConcurrency: config.healthConcurrency, fdLimit: budget.fdLimit, sockets: budget.sockets },
      `--health-concurrency ${config.healthConcurrency} is more than the open-file limit (${budget.fdLimit}) leaves for health checks: using ${budget.sockets}; raise LimitNOFILE= (ulimit -n) for more`);
  }
  const monitor = createHealthMonitor({
    clock,
    probe: deps.probe ?? createProbe(),
    concurrency: budget.sockets,
    execConcurrency: budget.exec,
    initial: saved,
    onTransition,
    onResult: (_id, result) => metrics.healthChecks.labels(result.ok ? 'ok' : 'failed').inc(),
  });
  if (saved.some((s) => s.status === 'down')) log.info({ down: saved.filter((s) => s.status === 'down').map((s) => s.id) }, `health states restored from ${healthFile}: servers that were down stay out until they pass their checks`);

  let watcher: DesiredWatcher | null = null;
  const load = deps.load ?? ((paths: readonly string[]) => loadDesired(paths, { director: config.director }));
  const pass = createPass({
    paths: config.paths,
    mode,
    perCommand: config.perCommand,
    allowMassDelete: config.allowMassDelete,
    reconcile: { ipvsadm, stateDir: config.stateDir, readLive, ...(deps.lock ? { lock: deps.lock } : {}), ...(deps.trace ? { trace: deps.trace } : {}), ...(deps.ip ? { ip: deps.ip } : {}) },
    load,
    // only with the real loader: the rehearsal replays its last load
    ...(deps.load ? {} : { rehearse: rehearseChange }),
    clock,
    log,
    metrics,
    status,
    ...(deps.trace ? { trace: deps.trace } : {}),
    // the interval's own passes read the table; the passes between them may plan from the last read
    reuseLiveForMs: config.intervalMs,
    ...(config.rehearsalBudgetMs === undefined ? {} : { rehearsalBudgetMs: config.rehearsalBudgetMs }),
    stateFiles,
    onValidityChange: publishReadiness,
    beforePass: async () => {
      if (watcher && await watcher.refresh()) log.info('a watched path now resolves elsewhere (symlink swap): watching the new target');
    },
    health: {
      update(desired) {
        const list = healthTargets(desired);
        targets.clear();
        for (const h of list) targets.set(h.target.id, h.target);
        monitor.update(list);
        refreshHealthStatus(monitor);
      },
      states: () => monitor.states(),
    },
  });

  /**
   * Rehearsals only warm code (pass.ts REHEARSALS), so they run while the daemon is idle: one per
   * turn of the event loop, none while a pass runs or once stopping, so a file event or a request
   * is never held up by more than one. Whatever a rehearsal meets (a bug included) is logged, never
   * the daemon's problem.
   */
  let stopping: Promise<{ timedOut: boolean }> | null = null;
  let rehearsing = false;
  const rehearseWhileIdle = (): void => {
    if (rehearsing) return;
    rehearsing = true;
    let count = 0;
    let totalMs = 0;
    let lastMs = 0;
    const step = async (): Promise<void> => {
      let ms: number | null = null;
      if (!stopping && !loop.state.running) {
        try {
          ms = await pass.rehearse();
        } catch (err) {
          log.warn({ err: String(err) }, 'rehearsing a config change failed (nothing was applied; a bug worth reporting)');
        }
      }
      if (ms !== null) {
        count++;
        totalMs += ms;
        lastMs = ms;
        setImmediate(() => void step());
        return;
      }
      rehearsing = false;
      if (count === 0) return;
      log.debug({ rehearsals: count, durationMs: Math.round(totalMs), lastMs: Math.round(lastMs) }, 'rehearsed a config change (load and plan, nothing applied)');
      deps.trace?.(`config change rehearsed ${count} times in ${(totalMs / 1000).toFixed(3)} s, the last in ${(lastMs / 1000).toFixed(3)} s (load and plan, nothing applied)`);
    };
    // after this turn: the loop has then marked the pass finished, or started the next one
    setImmediate(() => void step());
  };

  const loop = createReconcileLoop({
    clock,
    intervalMs: config.intervalMs,
    ...(config.backoff ? { backoff: config.backoff } : {}),
    pass: async (reasons) => {
      try {
        return await pass(reasons);
      } finally {
        publishReadiness();
        // idle after the first passes that read the table: the first config change then runs compiled code
        rehearseWhileIdle();
      }
    },
    onSchedule: (reason, delayMs, failures) => {
      if (reason === 'retry') log.warn({ delayMs, failures }, `retrying in ${formatDuration(delayMs)} (${failures} failed pass${failures === 1 ? '' : 'es'} in a row; the delay doubles up to a cap)`);
    },
    onPassError: (err) => log.error({ err: String(err) }, 'pass crashed (a bug); retrying with backoff'),
  });
  loopRef = loop;

  registerReadiness(metrics.registry, () => readiness(status).ready);
  registerLoadBalancerMetrics(metrics.registry, createLoadBalancerSnapshot({ status, read: () => liveStats.readCounters(), servers: config.metricsServers ?? true }));

  /**
   * The changed files are loaded while the debouncer waits (read-ahead.ts). The load holds the event
   * loop, so file events that come while it reads are handed over only after it: the debounce's call
   * then waits at least READ_AHEAD_GRACE_MS past the load's end, so that they still restart the quiet
   * time instead of finding the pass already begun on half of a multi-file change.
   */
  const readAhead = createReadAhead(clock, READ_AHEAD_SETTLE_MS, async () => {
    const t0 = performance.now();
    try {
      const loaded = await load(config.paths);
      deps.trace?.(`config read ahead: ${loaded.state?.table.services.size ?? 0} services, ${loaded.diagnostics.length} diagnostics, in ${((performance.now() - t0) / 1000).toFixed(3)} s`);
    } finally {
      debouncer.holdUntil(clock.now() + READ_AHEAD_GRACE_MS);
    }
  }, (err) => log.warn({ err: String(err) }, 'reading the changed config ahead of its pass failed (the pass loads it again)'));
  const debouncer = createDebouncer(clock, config.debounceMs ?? DEFAULT_DEBOUNCE_MS, () => {
    log.debug('config files changed');
    deps.trace?.('config files changed: pass requested');
    loop.request('config-changed');
  });
  if (deps.watch !== false) {
    const make = deps.watch ?? ((paths, onChange, onError) => watchDesired(paths, { onChange, onError }));
    watcher = make(config.paths, (path) => {
      log.debug({ path }, 'file event');
      deps.trace?.(`file event: ${path}`);
      debouncer.trigger();
      readAhead.trigger();
    }, (err) => log.warn({ err: String(err) }, 'file watcher error'));
    await watcher.ready;
  }

  let server: StatusServer | null = null;
  if (config.listen) {
    try {
      server = await startStatusServer(config.listen, {
        status,
        metrics,
        liveStats,
        now: () => clock.now(),
        nextPassAt: () => loop.state.nextPassAt,
        version: config.version,
      });
    } catch (err) {
      // e.g. the port is taken: nothing may keep the process alive after the command failed
      debouncer.cancel();
      await watcher?.close();
      await monitor.stop();
      await Promise.all([vrrp.close(), anycast.close()]);
      throw err;
    }
  }

  log.info({ paths: config.paths, intervalMs: config.intervalMs, mode, listen: server?.url ?? null, stateDir: config.stateDir, ipvsadm: deps.ipvsadm.describe,
    healthChecksInFlight: { sockets: budget.sockets, exec: budget.exec, fdLimit: budget.fdLimit } },
    `lvsync watch started: ${mode}, every ${formatDuration(config.intervalMs)}${server ? `, endpoints on ${server.url}` : ''}`);
  loop.start();

  return {
    status,
    metrics,
    loop,
    url: server?.url ?? null,
    reload() {
      log.info('SIGHUP: reloading the config and running a pass now');
      void (watcher?.refresh().catch(() => false));
      loop.request('sighup');
    },
    stop(signal) {
      stopping ??= (async () => {
        const timeoutMs = config.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
        // VRRP first: the twin takes the VIPs while this director still forwards (passes go on meanwhile)
        await Promise.all([vrrp.handOver(), anycast.withdrawAndWait()]);
        log.info({ signal }, `${signal ?? 'stop'}: finishing the current pass (at most ${formatDuration(timeoutMs)}), then exiting; the kernel table is left as it is`);
        debouncer.cancel();
        let cancelTimer = () => {};
        const timedOut = await Promise.race([
          loop.stop().then(() => false),
          new Promise<boolean>((resolve) => { cancelTimer = clock.setTimeout(() => resolve(true), timeoutMs); }),
        ]);
        cancelTimer();
        await monitor.stop();
        passTimer?.();
        refreshTimer?.();
        // write what is pending now rather than lose the last transitions
        if (persistTimer) { persistTimer(); persistTimer = null; persistNow(monitor); }
        await persisting;
        if (timedOut) log.warn(`the current pass did not finish within ${formatDuration(timeoutMs)}; exiting anyway`);
        await Promise.all([watcher?.close(), readAhead.stop(), server?.close(), vrrp.close(), anycast.close()]);
        log.info({ passes: loop.state.passes }, 'lvsync watch stopped');
        return { timedOut };
      })();
      return stopping;
    },
  };
}
