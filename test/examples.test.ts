import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { loadDesired } from '../src/desired/load.js';
import { parseIpvsadmSave } from '../src/live/parse-save.js';
import { formatSave } from '../src/live/format-save.js';
import { createPlan } from '../src/plan/plan.js';

/** Every bundled example validates without warnings and plans, so the docs cannot rot. */
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

const entries = readdirSync(examples)
  .filter((name) => name.endsWith('.yaml') || (statSync(`${examples}${name}`).isDirectory() && !['live', 'systemd', 'ci', 'migrate', 'monitoring'].includes(name)))
  .sort();

test('there are examples to check', () => {
  assert.ok(entries.length >= 5, entries.join(', '));
});

// a fleet example is checked for each director it names, from that director's snapshot in live/
test('example fleet: each director validates without warnings and plans from its snapshot', async () => {
  const { fleet } = await loadDesired([`${examples}fleet`]);
  assert.deepEqual(fleet?.directors, ['lb1', 'lb2']);
  for (const director of fleet.directors) {
    const { state, diagnostics } = await loadDesired([`${examples}fleet`], { director });
    assert.deepEqual(diagnostics, [], director);
    assert.ok(state);
    const live = parseIpvsadmSave(readFileSync(`${examples}fleet/live/${director}.save`, 'utf8'));
    assert.deepEqual(live.diagnostics, []);
    const plan = createPlan(state, live.table);
    assert.equal(plan.summary.destroy, 0, director);
    assert.equal(createPlan(state, parseIpvsadmSave(formatSave(state.table)).table).operations.length, 0, director);
  }
});

for (const name of entries) {
  test(`example ${name} validates, plans from empty, and a table equal to it plans no changes`, async () => {
    const { state, diagnostics } = await loadDesired([`${examples}${name}`]);
    assert.deepEqual(diagnostics, []);
    assert.ok(state);
    assert.ok(state.table.services.size > 0);
    const fromEmpty = createPlan(state, { services: new Map() });
    assert.equal(fromEmpty.summary.destroy, 0);
    assert.ok(fromEmpty.summary.add > 0);
    const live = parseIpvsadmSave(formatSave(state.table));
    assert.deepEqual(live.diagnostics, []);
    assert.equal(createPlan(state, live.table).operations.length, 0);
  });
}
