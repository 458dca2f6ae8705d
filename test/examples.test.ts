import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { loadDesired } from '../src/desired/load.js';
import { parseIpvsadmSave } from '../src/live/parse-save.js';
import { formatSave } from '../src/live/format-save.js';
import { createPlan } from '../src/plan/plan.js';

/** Every bundled example validates without warnings and plans, so the docs cannot rot. */
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

const entries = readdirSync(examples)
  .filter((name) => name.endsWith('.yaml') || (statSync(`${examples}${name}`).isDirectory() && !['live', 'systemd', 'ci'].includes(name)))
  .sort();

test('there are examples to check', () => {
  assert.ok(entries.length >= 5, entries.join(', '));
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
