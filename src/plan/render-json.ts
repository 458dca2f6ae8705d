import { describeTarget, hostPort } from '../model/keys.js';
import { iso } from '../health/overlay.js';
import { settingsJson } from './render-settings.js';
import { operationToArgv } from './to-argv.js';
import { isEmptyPlan, type Plan } from './types.js';

/**
 * The plan as a stable, versioned JSON document for CI tools (documented in schema/plan.v1.schema.json).
 * Field names never change within formatVersion 1; new fields may be added.
 */
export function renderPlanJson(plan: Plan): string {
  const doc = {
    formatVersion: plan.formatVersion,
    summary: plan.summary,
    changed: !isEmptyPlan(plan),
    ignoredServices: plan.ignoredServices,
    keptServices: plan.keptServices,
    desiredDigest: plan.desiredDigest,
    liveDigest: plan.liveDigest,
    refusal: plan.refusal ? { code: plan.refusal.code, message: plan.refusal.message } : null,
    // `file`: the file a warning is about, when it is one (a STATE_FILE warning names the state file)
    warnings: plan.warnings.map((w) => ({ code: w.code, message: w.message, ...(w.file !== undefined ? { file: w.file } : {}) })),
    operations: plan.operations.map((op) => ({
      kind: op.kind,
      service: { key: op.service.key, name: op.service.name, target: describeTarget(op.service.target) },
      server: 'server' in op ? { key: op.server.key, address: op.server.address, port: op.server.port, target: hostPort(op.server.address, op.server.port) } : null,
      changes: 'changes' in op ? op.changes : [],
      reason: op.reason,
      argv: ['ipvsadm', ...operationToArgv(op)],
    })),
    settings: settingsJson(plan.settings),
    // present only when health was considered / drains are in progress, so older consumers see no change
    ...(plan.health ? { health: plan.health } : {}),
    ...(plan.drains?.length ? {
      drains: plan.drains.map((d) => ({
        id: d.record.id, service: d.record.service, server: d.record.server, target: d.record.what, state: d.state,
        activeConnections: d.activeConnections, startedAt: iso(d.record.startedAt), deadline: iso(d.record.deadline),
      })),
    } : {}),
    // present only while a lost inventory leaves live services in question (src/plan/lost-inventory.ts)
    ...(plan.lostInventory ? {
      lostInventory: {
        lostAt: iso(plan.lostInventory.lostAt), movedTo: plan.lostInventory.movedTo, resolution: plan.lostInventory.resolution,
        services: plan.lostInventory.services.map((s) => ({ key: s.key, name: s.name, target: describeTarget(s.target) })),
      },
    } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
