import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { applyHealth, targetId } from '../../src/health/overlay.js';
import type { HealthState, HealthStatus } from '../../src/health/types.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import type { DesiredState } from '../../src/model/types.js';
import { planPass } from '../../src/reconcile/plan-pass.js';
import { operationToArgv } from '../../src/plan/to-argv.js';

const SVC = 'tcp|10.0.0.1|80';
const T0 = Date.UTC(2026, 11, 1, 13, 0, 0);

function desired(yaml: string): DesiredState {
  const r = parseDesiredSources([{ file: 'web.yaml', text: yaml }]);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  return r.state!;
}

function health(entries: Record<string, HealthStatus>): Map<string, HealthState> {
  return new Map(Object.entries(entries).map(([server, status]) => {
    const id = targetId(SVC, server);
    return [id, { id, status, since: T0, consecutiveOk: 0, consecutiveFail: 3, lastResult: { ok: status !== 'down', detail: 'connect ECONNREFUSED', durationMs: 1 }, lastCheckAt: T0 }];
  }));
}

const WEB = (extra = '', servers = `
      - { address: 10.0.1.1, weight: 5 }
      - { address: 10.0.1.2, weight: 3 }
      - { address: 10.0.1.3, weight: 0 }`) => `version: 1
services:
  - name: web
    address: 10.0.0.1
    port: 80
    scheduler: wrr
    healthCheck: { type: tcp, fall: 3, rise: 2 }
${extra}    realServers:${servers}
`;

function commands(d: DesiredState, live: string, h: Map<string, HealthState>): string[] {
  const { plan } = planPass({ desired: d, live: parseIpvsadmSave(live).table, planOptions: {}, health: h });
  return plan.operations.map((op) => operationToArgv(op).join(' '));
}

const LIVE = `-A -t 10.0.0.1:80 -s wrr
-a -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 5
-a -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 3
-a -t 10.0.0.1:80 -r 10.0.1.3:80 -g -w 0
`;

test('a down server is quiesced to weight 0 with the reason; up and unknown keep their declared weights', () => {
  const d = desired(WEB());
  const h = health({ '10.0.1.1|80': 'down', '10.0.1.2|80': 'unknown' });
  const overlay = applyHealth(d, h);
  const svc = overlay.desired.table.services.get(SVC)!;
  assert.equal(svc.servers.get('10.0.1.1|80')!.weight, 0);
  assert.equal(svc.servers.get('10.0.1.2|80')!.weight, 3);
  assert.deepEqual(overlay.adjustments.map((a) => [a.server, a.kind, a.declaredWeight, a.effectiveWeight]), [['10.0.1.1|80', 'quiesced', 5, 0]]);
  assert.match(overlay.adjustments[0]!.reason, /^health: down since 2026-12-01T13:00:00Z \(connect ECONNREFUSED\)$/);
  // the config itself is not modified
  assert.equal(d.table.services.get(SVC)!.servers.get('10.0.1.1|80')!.weight, 5);
  assert.deepEqual(commands(d, LIVE, h), ['-e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 0']);
  const { plan } = planPass({ desired: d, live: parseIpvsadmSave(LIVE).table, planOptions: {}, health: h });
  assert.match(plan.operations[0]!.reason, /^health: down since .*; declared weight 5$/);
});

test('a recovered server gets its declared weight back', () => {
  const d = desired(WEB());
  const quiesced = LIVE.replace('10.0.1.1:80 -g -w 5', '10.0.1.1:80 -g -w 0');
  assert.deepEqual(commands(d, quiesced, health({ '10.0.1.1|80': 'up' })), ['-e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 5']);
});

test('onFailure remove leaves the server out; it is marked for an immediate delete', () => {
  const d = desired(WEB().replace('fall: 3, rise: 2', 'fall: 3, rise: 2, onFailure: remove'));
  const h = health({ '10.0.1.2|80': 'down' });
  const overlay = applyHealth(d, h);
  assert.equal(overlay.desired.table.services.get(SVC)!.servers.has('10.0.1.2|80'), false);
  assert.deepEqual([...overlay.removed], [`${SVC}#10.0.1.2|80`]);
  assert.deepEqual(commands(d, LIVE, h), ['-d -t 10.0.0.1:80 -r 10.0.1.2:80']);
});

test('a server the config sets to weight 0 stays at 0, up or down, and does not count for fail-open', () => {
  const d = desired(WEB());
  assert.deepEqual(commands(d, LIVE, health({ '10.0.1.3|80': 'up' })), []);
  assert.deepEqual(commands(d, LIVE, health({ '10.0.1.3|80': 'down' })), []);
  assert.deepEqual(applyHealth(d, health({ '10.0.1.3|80': 'down' })).adjustments, [], 'health did not change its weight: nothing to explain');
  // not even onFailure: remove takes it out: the operator's 0 is the whole truth about it
  const removing = desired(WEB().replace('fall: 3, rise: 2', 'fall: 3, rise: 2, onFailure: remove'));
  assert.deepEqual(commands(removing, LIVE, health({ '10.0.1.3|80': 'down' })), []);
  // both weighted servers down: every server that carries weight failed → fail open, even though .3 is "up"
  const overlay = applyHealth(d, health({ '10.0.1.1|80': 'down', '10.0.1.2|80': 'down', '10.0.1.3|80': 'up' }));
  assert.deepEqual(overlay.failOpen.map((f) => [f.service, f.servers]), [[SVC, 2]]);
  assert.equal(overlay.desired, d);
});

test('every real server down without a fallback: fail open at declared weights, with a HEALTH_FAIL_OPEN warning', () => {
  const d = desired(WEB());
  const h = health({ '10.0.1.1|80': 'down', '10.0.1.2|80': 'down' });
  const { plan } = planPass({ desired: d, live: parseIpvsadmSave(LIVE).table, planOptions: {}, health: h });
  assert.deepEqual(plan.operations, []);
  assert.deepEqual(plan.warnings.map((w) => w.code), ['HEALTH_FAIL_OPEN']);
});

test('every real server down with a fallback: the failed ones are quiesced and the sorry server is added; recovery removes it', () => {
  const d = desired(WEB('    fallback: { address: 127.0.0.1, port: 8080, method: nat }\n'));
  const h = health({ '10.0.1.1|80': 'down', '10.0.1.2|80': 'down' });
  assert.deepEqual(commands(d, LIVE, h), [
    '-e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 0',
    '-e -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 0',
    '-a -t 10.0.0.1:80 -r 127.0.0.1:8080 -m -w 1',
  ]);
  const overlay = applyHealth(d, h);
  assert.deepEqual(overlay.adjustments.map((a) => a.kind), ['quiesced', 'quiesced', 'fallback']);
  // one server back: the fallback goes, the recovered server gets its weight
  const withFallback = `${LIVE.replace('-w 5', '-w 0').replace('-g -w 3', '-g -w 0')}-a -t 10.0.0.1:80 -r 127.0.0.1:8080 -m -w 1\n`;
  assert.deepEqual(commands(d, withFallback, health({ '10.0.1.1|80': 'up', '10.0.1.2|80': 'down' })), [
    '-e -t 10.0.0.1:80 -r 10.0.1.1:80 -g -w 5',
    '-d -t 10.0.0.1:80 -r 127.0.0.1:8080',
  ]);
});

test('a server with healthCheck: false is never checked and keeps the service out of fail-open', () => {
  const d = desired(WEB('', `
      - { address: 10.0.1.1, weight: 5 }
      - { address: 10.0.1.2, weight: 3, healthCheck: false }`));
  const policy = d.policies!.get(SVC)!;
  assert.deepEqual([...policy.checks.keys()], ['10.0.1.1|80']);
  const overlay = applyHealth(d, health({ '10.0.1.1|80': 'down' }));
  assert.deepEqual(overlay.failOpen, []);
  assert.equal(overlay.desired.table.services.get(SVC)!.servers.get('10.0.1.1|80')!.weight, 0);
});

test('without health states (plan without --health) the table is the config', () => {
  const d = desired(WEB());
  const overlay = applyHealth(d, new Map());
  assert.equal(overlay.desired, d);
  const { plan } = planPass({ desired: d, live: parseIpvsadmSave(LIVE).table, planOptions: {} });
  assert.equal(plan.health, undefined);
});
