import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import type { DesiredState } from '../../src/model/types.js';
import { vrrpReadiness, type ReadinessInput } from '../../src/vrrp/readiness.js';

const YAML = `version: 1
services:
  - name: web
    protocol: tcp
    address: 192.168.30.10
    port: 80
    realServers:
      - { address: 10.30.0.11, port: 8080, method: nat }
      - { address: 10.30.0.12, port: 8080, method: nat }
      - { address: 10.30.0.13, port: 8080, method: nat, weight: 0 }
  - name: dns
    protocol: udp
    address: 192.168.30.53
    port: 53
    realServers:
      - { address: 10.30.0.21, method: nat }
vrrp:
  instances:
    VI_WEB: { services: [web], minHealthy: 2, weight: -60, trackFile: /run/t/web }
    VI_ALL: { trackFile: /run/t/all }
    VI_ANY: { services: [dns], minHealthy: 0, trackFile: /run/t/any }
`;

function desired(): DesiredState {
  const r = parseDesiredSources([{ file: 'a.yaml', text: YAML }]);
  assert.ok(r.state, JSON.stringify(r.diagnostics));
  return r.state;
}

const WEB = 'tcp|192.168.30.10|80';
function input(over: Partial<ReadinessInput> = {}): ReadinessInput {
  return { configValid: true, lastPass: { ok: true, outcome: 'in-sync', summary: 'in sync' }, pendingDrift: 0, desired: desired(), health: new Map(), stopping: false, ...over };
}
const verdicts = (i: ReadinessInput) => Object.fromEntries(vrrpReadiness(desired().vrrp!, i).map((v) => [v.instance, { ready: v.ready, value: v.value, reasons: v.reasons.length }]));

describe('VRRP readiness per instance', () => {
  it('the config resolves instance services to keys, with defaults for weight and minHealthy', () => {
    const spec = desired().vrrp!;
    assert.deepEqual(spec.instances.map((i) => [i.name, i.services, i.weight, i.minHealthy]), [
      ['VI_WEB', [WEB], -60, 2], ['VI_ALL', null, -100, 1], ['VI_ANY', ['udp|192.168.30.53|53'], -100, 0],
    ]);
    assert.equal(spec.graceMs, 5000);
  });

  it('is ready with a valid config, a good last pass, no drift and enough healthy servers: the track file holds 0', () => {
    assert.deepEqual(verdicts(input()), {
      VI_WEB: { ready: true, value: 0, reasons: 0 }, VI_ALL: { ready: true, value: 0, reasons: 0 }, VI_ANY: { ready: true, value: 0, reasons: 0 },
    });
  });

  it('a weight-0 server is not healthy, and a down or unchecked one is not either: only the instance whose service falls short is not ready', () => {
    const health = new Map([[`${WEB}#10.30.0.12|8080`, { state: { status: 'down' as const } }]]);
    assert.deepEqual(verdicts(input({ health })), {
      VI_WEB: { ready: false, value: -60, reasons: 1 }, VI_ALL: { ready: true, value: 0, reasons: 0 }, VI_ANY: { ready: true, value: 0, reasons: 0 },
    });
    const unknown = new Map([[`${WEB}#10.30.0.12|8080`, { state: { status: 'unknown' as const } }]]);
    const v = vrrpReadiness(desired().vrrp!, input({ health: unknown })).find((x) => x.instance === 'VI_WEB')!;
    assert.equal(v.ready, false);
    assert.match(v.reasons[0]!, /1 not checked yet/);
  });

  it('every server of a service down makes the instances carrying it not ready; minHealthy 0 ignores health', () => {
    const health = new Map([[`udp|192.168.30.53|53#10.30.0.21|53`, { state: { status: 'down' as const } }]]);
    assert.deepEqual(verdicts(input({ health })), {
      VI_WEB: { ready: true, value: 0, reasons: 0 }, VI_ALL: { ready: false, value: -100, reasons: 1 }, VI_ANY: { ready: true, value: 0, reasons: 0 },
    });
  });

  for (const [what, over] of [
    ['an invalid config', { configValid: false }],
    ['no pass yet', { lastPass: null }],
    ['a failed last pass', { lastPass: { ok: false, outcome: 'failed', summary: 'ipvsadm exited 2' } }],
    ['pending drift', { pendingDrift: 3 }],
    ['stopping', { stopping: true }],
  ] as const) {
    it(`${what} makes every instance not ready, minHealthy 0 included`, () => {
      const v = verdicts(input(over));
      for (const name of ['VI_WEB', 'VI_ALL', 'VI_ANY']) assert.equal(v[name]!.ready, false, name);
      assert.equal(v.VI_WEB!.value, -60);
    });
  }
});
