import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { createPlan } from '../../src/plan/plan.js';
import { operationToRestoreLine } from '../../src/plan/to-argv.js';

/**
 * Golden planner cases: desired.yaml + live.save (+ inventory.json) in, the exact ipvsadm commands
 * out (commands.txt, one per line, empty file = no changes). Each case names the fact it pins.
 */
const root = new URL('../../../test/golden/plan/', import.meta.url);

for (const name of readdirSync(root).sort()) {
  test(`golden plan: ${name}`, () => {
    const read = (f: string): string => readFileSync(new URL(`${name}/${f}`, root), 'utf8');
    const desired = parseDesiredSources([{ file: `${name}/desired.yaml`, text: read('desired.yaml') }]);
    assert.deepEqual(desired.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.ok(desired.state);
    const live = parseIpvsadmSave(read('live.save'));
    assert.deepEqual(live.diagnostics, []);
    const inventory = existsSync(new URL(`${name}/inventory.json`, root)) ? new Set<string>(JSON.parse(read('inventory.json'))) : new Set<string>();
    const plan = createPlan(desired.state, live.table, { inventory });
    assert.equal(plan.refusal, null);
    const expected = read('commands.txt').split('\n').filter(Boolean);
    assert.deepEqual(plan.operations.map(operationToRestoreLine), expected);
  });
}
