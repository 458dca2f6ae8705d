import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import type { OperationKind } from '../plan/types.js';
import type { DriftItem } from './drift.js';
import { STATE_FILE_NAMES } from '../state/recover.js';
import { PASS_OUTCOMES, type PassOutcome } from './status.js';
import { LB_SERIES, type Sample, type SeriesName } from './lb-series.js';

/**
 * The daemon's Prometheus metrics, in a registry of its own (never prom-client's global one), so
 * several daemons can live in one test process. Names and meanings are documented in docs/daemon.md (Metrics).
 */
export interface DaemonMetrics {
  readonly registry: Registry;
  readonly passes: Counter<'outcome'>;
  readonly passDuration: Histogram<'outcome'>;
  readonly operations: Counter<'kind'>;
  readonly operationFailures: Counter<'kind'>;
  readonly driftEvents: Counter<'object'>;
  readonly driftCurrent: Gauge;
  readonly configValid: Gauge;
  readonly lastSuccess: Gauge;
  readonly services: Gauge;
  readonly realServers: Gauge;
  readonly consecutiveFailures: Gauge;
  readonly healthChecks: Counter<'result'>;
  readonly healthTransitions: Counter<'to'>;
  readonly realServersHealth: Gauge<'status'>;
  readonly drainsInProgress: Gauge;
  readonly drainsFinished: Counter<'outcome'>;
  readonly stateFileErrors: Counter<'file'>;
  readonly lostInventoryServices: Gauge;
  readonly vrrpReady: Gauge<'vrrp_instance'>;
  readonly vrrpState: Gauge<'vrrp_instance' | 'state'>;
  readonly vrrpTransitions: Counter<'vrrp_instance' | 'state'>;
  readonly vrrpTrackFileErrors: Counter<'vrrp_instance'>;
  readonly anycastReady: Gauge<'vip'>;
  readonly anycastStateFileErrors: Counter;
}

const OPERATION_KINDS: readonly OperationKind[] = ['add-service', 'edit-service', 'delete-service', 'add-server', 'edit-server', 'delete-server'];

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): DaemonMetrics {
  const registry = new Registry();
  const registers = [registry];
  const m: DaemonMetrics = {
    registry,
    passes: new Counter({ name: 'lvsync_passes_total', help: 'Reconcile passes by outcome (in-sync, applied, drift-detected, refused, invalid-config, failed).', labelNames: ['outcome'], registers }),
    passDuration: new Histogram({
      name: 'lvsync_pass_duration_seconds', help: 'Duration of reconcile passes: load, read, plan, apply and verify.', labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers,
    }),
    operations: new Counter({ name: 'lvsync_operations_applied_total', help: 'ipvsadm operations that took effect (verified by re-reading the table), by kind.', labelNames: ['kind'], registers }),
    operationFailures: new Counter({ name: 'lvsync_operations_failed_total', help: 'ipvsadm operations the kernel or ipvsadm refused, by kind.', labelNames: ['kind'], registers }),
    driftEvents: new Counter({ name: 'lvsync_drift_events_total', help: 'Differences made outside lvsync (per field, or a missing/extra object) found while the desired state was unchanged, by object (service, real-server, address: a VIP lvsync owns). A difference that persists is counted once.', labelNames: ['object'], registers }),
    driftCurrent: new Gauge({ name: 'lvsync_drift_current', help: 'Differences between the live table and the desired state still present after the last pass (non-zero with --detect-only or after a failed pass).', registers }),
    configValid: new Gauge({ name: 'lvsync_config_valid', help: '1 when the config files loaded at the last pass were valid, 0 when not (the last good config is kept).', registers }),
    lastSuccess: new Gauge({ name: 'lvsync_last_success_timestamp_seconds', help: 'Unix time of the end of the last successful pass (in-sync, applied or drift-detected).', registers }),
    services: new Gauge({ name: 'lvsync_managed_services', help: 'Virtual services declared in the desired state in force.', registers }),
    realServers: new Gauge({ name: 'lvsync_managed_real_servers', help: 'Real servers declared in the desired state in force.', registers }),
    consecutiveFailures: new Gauge({ name: 'lvsync_consecutive_failed_passes', help: 'Failed passes in a row; the retry delay doubles with each (capped).', registers }),
    healthChecks: new Counter({ name: 'lvsync_health_checks_total', help: 'Health checks of real servers run, by result (ok, failed).', labelNames: ['result'], registers }),
    healthTransitions: new Counter({ name: 'lvsync_health_transitions_total', help: 'Real servers changing health, by the status they changed to (up, down).', labelNames: ['to'], registers }),
    realServersHealth: new Gauge({ name: 'lvsync_real_servers_health', help: 'Health-checked real servers by status (up, down, unknown: not decided yet, counted as up).', labelNames: ['status'], registers }),
    drainsInProgress: new Gauge({ name: 'lvsync_drains_in_progress', help: 'Real servers and services at weight 0 waiting for their active connections to end before they are deleted.', registers }),
    drainsFinished: new Counter({ name: 'lvsync_drains_finished_total', help: 'Drains that ended, by outcome: drained (no connections left), timed-out (deleted at drainTimeout), cancelled (declared again).', labelNames: ['outcome'], registers }),
    stateFileErrors: new Counter({ name: 'lvsync_state_file_errors_total', help: 'State files found unusable (not JSON, wrong shape or version, a directory, unreadable), by file; each was reported (STATE_FILE), moved aside as <file>.corrupt-<time> and replaced by its safe default.', labelNames: ['file'], registers }),
    vrrpReady: new Gauge({ name: 'lvsync_vrrp_ready', help: 'Per VRRP instance (vrrp.instances): 1 when this director should hold its VIPs (config valid, last pass succeeded, no drift pending, every service with at least minHealthy healthy real servers), 0 when not; the track file holds 0 or the weight.', labelNames: ['vrrp_instance'], registers }),
    vrrpState: new Gauge({ name: 'lvsync_vrrp_keepalived_state', help: 'Per VRRP instance, 1 for the state keepalived last reported through notify_fifo (MASTER, BACKUP, FAULT, STOP), 0 for the others; absent until keepalived reports.', labelNames: ['vrrp_instance', 'state'], registers }),
    vrrpTransitions: new Counter({ name: 'lvsync_vrrp_transitions_total', help: 'State changes keepalived reported through notify_fifo, by instance and the state it changed to.', labelNames: ['vrrp_instance', 'state'], registers }),
    vrrpTrackFileErrors: new Counter({ name: 'lvsync_vrrp_track_file_errors_total', help: 'Failed writes of a VRRP track file, by instance: keepalived does not see the readiness while they fail.', labelNames: ['vrrp_instance'], registers }),
    anycastReady: new Gauge({ name: 'lvsync_anycast_ready', help: 'Per anycast VIP (anycast.vips): 1 while this director should receive its traffic and lvsync exabgp announces it, 0 while it is withdrawn.', labelNames: ['vip'], registers }),
    anycastStateFileErrors: new Counter({ name: 'lvsync_anycast_state_file_errors_total', help: 'Failed writes of the anycast state file: lvsync exabgp withdraws every VIP once the file is stale.', registers }),
    lostInventoryServices: new Gauge({ name: 'lvsync_lost_inventory_services', help: 'Live services a lost inventory leaves in question (neither declared nor in the scope): kept until lvsync apply --lost-inventory delete|keep; 0 when none.', registers }),
  };
  // every label value exists from the start, so rate() and absent() work before the first event
  for (const outcome of PASS_OUTCOMES) { m.passes.labels(outcome).inc(0); }
  for (const kind of OPERATION_KINDS) { m.operations.labels(kind).inc(0); m.operationFailures.labels(kind).inc(0); }
  for (const object of ['service', 'real-server', 'address'] satisfies DriftItem['object'][]) m.driftEvents.labels(object).inc(0);
  for (const result of ['ok', 'failed']) m.healthChecks.labels(result).inc(0);
  for (const to of ['up', 'down']) m.healthTransitions.labels(to).inc(0);
  for (const status of ['up', 'down', 'unknown']) m.realServersHealth.labels(status).set(0);
  for (const outcome of ['drained', 'timed-out', 'cancelled']) m.drainsFinished.labels(outcome).inc(0);
  for (const file of STATE_FILE_NAMES) m.stateFileErrors.labels(file).inc(0);
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    // gauges named *_total, which `promtool check metrics` rejects; their per-type series
    // (nodejs_active_handles{type} …) stay, and sum to them
    for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(name);
  }
  return m;
}

export function observePass(m: DaemonMetrics, outcome: PassOutcome, durationMs: number): void {
  m.passes.labels(outcome).inc();
  m.passDuration.labels(outcome).observe(durationMs / 1000);
}

/**
 * The load balancer's series (lb-series.ts) as metric families whose values are set from a snapshot
 * at each scrape: the kernel's counters are absolute, so they are copied, never inc()'d. `snapshot`
 * is called once per family per scrape; it must share one read (the daemon memoises it).
 */
export function registerLoadBalancerMetrics(registry: Registry, snapshot: () => Promise<ReadonlyMap<SeriesName, readonly Sample[]>>): void {
  for (const [name, spec] of Object.entries(LB_SERIES) as [SeriesName, (typeof LB_SERIES)[SeriesName]][]) {
    const family = {
      name, help: spec.help, type: spec.type, aggregator: 'sum' as const,
      async get() {
        const values = (await snapshot()).get(name) ?? [];
        return { name, help: spec.help, type: spec.type, aggregator: 'sum' as const, values: values.map((v) => ({ labels: { ...v.labels }, value: v.value })) };
      },
      reset() {},
    };
    // prom-client's Registry takes any object with name, help, type and get(); its typings name only its own classes
    registry.registerMetric(family as unknown as Metric);
  }
}

/** lvsync_ready: what /readyz says, as a gauge to alert on (read at each scrape). */
export function registerReadiness(registry: Registry, ready: () => boolean): void {
  new Gauge({
    name: 'lvsync_ready', help: '1 when /readyz answers 200 (the last pass succeeded and the config files are valid), 0 when not; /readyz and the status page say why.',
    registers: [registry], collect() { this.set(ready() ? 1 : 0); },
  });
}
