/**
 * What a plan says beyond its operations: the health adjustments it was computed with
 * (src/health/overlay.ts makes them) and the drains in progress (src/drain/plan-drains.ts makes
 * them). The types live here, beside Plan, because the plan carries them: health and drain import
 * the plan, never the other way round.
 */

export type AdjustmentKind = 'quiesced' | 'removed' | 'fallback';

export interface HealthAdjustment {
  readonly service: string;
  readonly server: string;
  /** "10.0.0.2:8080 of tcp 10.0.0.1:80" */
  readonly what: string;
  /** the weight in the config; for the fallback server, its configured weight */
  readonly declaredWeight: number;
  /** the weight now in effect, or null when the server is left out of the table */
  readonly effectiveWeight: number | null;
  readonly kind: AdjustmentKind;
  /** "health: down since 2026-12-01T13:02:11Z (connect ECONNREFUSED)" */
  readonly reason: string;
}

export interface DrainRecord {
  /** `service` for a whole service, `service#server` for one real server: operationTargetKey */
  readonly id: string;
  readonly service: string;
  readonly server: string | null;
  /** for people: "10.0.0.3:8080 of tcp 10.0.0.1:80", "tcp 10.0.0.1:80" */
  readonly what: string;
  readonly startedAt: number;
  readonly deadline: number;
  /** the service is persistent: quiesced servers keep their persistent clients (facts §5) */
  readonly persistent: boolean;
}

/** A drain as plans, logs and the status page show it. */
export interface DrainView {
  readonly record: DrainRecord;
  readonly activeConnections: number;
  /** waiting: still held; deleting: this plan deletes it */
  readonly state: 'waiting' | 'deleting';
  /** this plan starts the drain (its quiesce is lvsync's own step, not drift) */
  readonly started: boolean;
}
