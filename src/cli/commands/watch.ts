import { parseDuration } from '../../watch/duration.js';
import { systemClock } from '../../watch/clock.js';
import { startDaemon } from '../../watch/daemon.js';
import { createLogger, type LogFormat } from '../../watch/logger.js';
import { parseListen } from '../../watch/server.js';
import type { GlobalArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo, type DaemonSignal } from '../io.js';

export interface WatchArgs {
  readonly paths: string[];
  readonly interval: string | undefined;
  readonly detectOnly: boolean;
  readonly listen: string | undefined;
  readonly perCommand: boolean;
  readonly allowMassDelete: boolean;
  readonly logFormat: string | undefined;
  readonly healthConcurrency?: string | undefined;
  readonly metricsServers?: string | undefined;
  readonly scrapeInterval?: string | undefined;
  readonly version: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:9110';
const MIN_INTERVAL_MS = 1000;
const MAX_HEALTH_CONCURRENCY = 1_000_000;

/**
 * Run the director daemon until SIGTERM/SIGINT (exit 0). SIGHUP reloads and runs a pass.
 * Everything else (passes, backoff, endpoints) lives in src/watch.
 */
export async function watchCommand(io: CliIo, g: GlobalArgs, args: WatchArgs): Promise<number> {
  if (args.paths.length === 0) throw new UsageError('watch needs at least one PATH');
  const intervalMs = parseDuration(args.interval ?? '10s');
  if (intervalMs === null) throw new UsageError(`--interval: cannot read '${args.interval}' as a duration (examples: 10s, 1m, 500ms)`);
  if (intervalMs < MIN_INTERVAL_MS) throw new UsageError(`--interval must be at least 1s (got ${args.interval})`);
  const listenText = args.listen ?? DEFAULT_LISTEN;
  const listen = listenText === 'off' ? null : parseListen(listenText);
  if (listen === undefined || (listen === null && listenText !== 'off')) throw new UsageError(`--listen: expected HOST:PORT, [IPV6]:PORT or 'off' (got '${listenText}')`);
  const format = args.logFormat ?? 'auto';
  if (!['auto', 'json', 'pretty'].includes(format)) throw new UsageError(`--log-format: expected auto, json or pretty (got '${format}')`);
  // default: what the open-file limit allows (health/budget.ts); a number above that is lowered to it, with a warning
  const healthConcurrency = args.healthConcurrency === undefined ? undefined : Number(args.healthConcurrency);
  if (healthConcurrency !== undefined && (!Number.isInteger(healthConcurrency) || healthConcurrency < 1 || healthConcurrency > MAX_HEALTH_CONCURRENCY)) {
    throw new UsageError(`--health-concurrency: expected a whole number from 1 to ${MAX_HEALTH_CONCURRENCY} (got '${args.healthConcurrency}'); without it, the open-file limit decides`);
  }
  const metricsServers = args.metricsServers ?? 'true';
  if (metricsServers !== 'true' && metricsServers !== 'false') throw new UsageError(`--metrics-servers: expected true or false (got '${metricsServers}')`);
  const scrapeIntervalMs = args.scrapeInterval === undefined ? undefined : parseDuration(args.scrapeInterval);
  if (scrapeIntervalMs === null || (scrapeIntervalMs !== undefined && scrapeIntervalMs < MIN_INTERVAL_MS)) {
    throw new UsageError(`--scrape-interval: expected a duration of at least 1s, like Prometheus's scrape_interval (got '${args.scrapeInterval}')`);
  }
  const onSignal = io.onSignal;
  if (!onSignal) throw new UsageError('watch runs only from the lvsync program (it needs signals)');

  const logFormat: LogFormat = format === 'auto' ? (io.color ? 'pretty' : 'json') : (format as LogFormat);
  const log = createLogger({ format: logFormat, write: io.stdout, color: io.color });
  if (listen && !['127.0.0.1', '::1', 'localhost'].includes(listen.host)) {
    log.warn({ listen: listenText }, `--listen ${listenText} is not loopback: the status page and metrics are readable from the network`);
  }
  const daemon = await startDaemon({
    paths: args.paths,
    intervalMs,
    detectOnly: args.detectOnly,
    listen,
    stateDir: g.stateDir,
    perCommand: args.perCommand,
    allowMassDelete: args.allowMassDelete,
    hostname: io.hostname(),
    director: g.director,
    version: args.version,
    ...(healthConcurrency !== undefined ? { healthConcurrency } : {}),
    metricsServers: metricsServers === 'true',
    ...(scrapeIntervalMs !== undefined ? { scrapeIntervalMs } : {}),
  }, { ipvsadm: io.createIpvsadm(g.ipvsadm), clock: io.clock ?? systemClock, log, ...(io.probe ? { probe: io.probe } : {}), ...(io.trace ? { trace: io.trace } : {}), ...(io.runCommand ? { ip: io.runCommand } : {}) });
  const offs: (() => void)[] = [];

  // The handlers stay installed until the daemon has stopped. execa's child-process cleanup
  // (signal-exit) re-raises a signal that nobody else listens to, so removing ours on the first
  // SIGTERM, while a pass still waits for ipvsadm, would kill the process instead of letting the
  // pass finish. A second SIGTERM/SIGINT during shutdown is ignored.
  let stopping: DaemonSignal | null = null;
  const signal = await new Promise<DaemonSignal>((resolve) => {
    const stop = (sig: DaemonSignal) => () => {
      if (stopping) { log.warn({ signal: sig }, `${sig} again: already stopping`); return; }
      stopping = sig;
      resolve(sig);
    };
    offs.push(onSignal('SIGTERM', stop('SIGTERM')), onSignal('SIGINT', stop('SIGINT')));
    offs.push(onSignal('SIGHUP', () => { if (!stopping) daemon.reload(); }));
  });
  await daemon.stop(signal);
  for (const off of offs) off();
  return EXIT.ok;
}
