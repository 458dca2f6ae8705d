import { describeTarget, hostPort } from '../model/keys.js';
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
    warnings: plan.warnings.map((w) => ({ code: w.code, message: w.message })),
    operations: plan.operations.map((op) => ({
      kind: op.kind,
      service: { key: op.service.key, name: op.service.name, target: describeTarget(op.service.target) },
      server: 'server' in op ? { key: op.server.key, address: op.server.address, port: op.server.port, target: hostPort(op.server.address, op.server.port) } : null,
      changes: 'changes' in op ? op.changes : [],
      reason: op.reason,
      argv: ['ipvsadm', ...operationToArgv(op)],
    })),
    settings: settingsJson(plan.settings),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
