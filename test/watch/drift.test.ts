import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { createPlan } from '../../src/plan/plan.js';
import { driftItems } from '../../src/watch/drift.js';

/** Drift is the plan read backwards: how live moved away from desired, one item per field. */
function drift(yaml: string, save: string): string[] {
  const { state, diagnostics } = parseDesiredSources([{ file: 'd.yaml', text: yaml }]);
  assert.ok(state, JSON.stringify(diagnostics));
  return driftItems(createPlan(state, parseIpvsadmSave(save).table, { allowMassDelete: true })).map((d) => d.text);
}

const DESIRED = `version: 1
scope: { addresses: ["10.1.0.0/16"] }
services:
  - protocol: tcp
    address: 10.1.0.1
    port: 80
    scheduler: wrr
    persistence: { timeout: 300 }
    realServers:
      - { address: 10.2.0.1, port: 8080, method: nat, weight: 3 }
      - { address: 10.2.0.2, port: 8080, method: nat, weight: 3 }
  - protocol: udp
    address: 10.1.0.2
    port: 53
    scheduler: rr
    realServers:
      - { address: 10.2.0.3, method: dr }
`;

test('per field, desired → live, for services and real servers; missing and extra objects', () => {
  const live = [
    '-A -t 10.1.0.1:80 -s rr',
    '-a -t 10.1.0.1:80 -r 10.2.0.1:8080 -m -w 1',
    '-a -t 10.1.0.1:80 -r 10.2.0.9:8080 -m -w 1',
    '-A -t 10.1.0.3:443 -s rr',
  ].join('\n');
  assert.deepEqual(drift(DESIRED, live).sort(), [
    'real server 10.2.0.1:8080 weight 3 → 1',
    'real server 10.2.0.2:8080 of tcp 10.1.0.1:80 missing',
    'real server 10.2.0.9:8080 of tcp 10.1.0.1:80 present but not declared',
    'service tcp 10.1.0.1:80 persistence 300s → off',
    'service tcp 10.1.0.1:80 scheduler wrr → rr',
    'service tcp 10.1.0.3:443 present but not declared',
    // a missing service is one item, not one more per real server
    'service udp 10.1.0.2:53 missing',
  ]);
});

test('no drift when live matches', () => {
  const live = [
    '-A -t 10.1.0.1:80 -s wrr -p 300',
    '-a -t 10.1.0.1:80 -r 10.2.0.1:8080 -m -w 3',
    '-a -t 10.1.0.1:80 -r 10.2.0.2:8080 -m -w 3',
    '-A -u 10.1.0.2:53 -s rr',
    '-a -u 10.1.0.2:53 -r 10.2.0.3:53 -g -w 1',
  ].join('\n');
  assert.deepEqual(drift(DESIRED, live), []);
});
