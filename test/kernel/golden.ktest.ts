import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { formatSave } from '../../src/live/format-save.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { IN_VM, REPO, SKIP, kernelTable, loadKernel, lvsync, planCommands, resetKernel, tempStateDir } from './helpers.js';

/**
 * The golden planner cases, on the real kernel: load the case's live table into the kernel, plan
 * (the plan the real kernel's table produces must be exactly commands.txt: this proves every
 * normalisation the golden cases pin), apply, then a second plan must be empty and the kernel must
 * hold exactly the desired table for everything lvsync owns, while unowned services are unchanged.
 */
const root = join(REPO, 'test/golden/plan');
const cases = IN_VM ? readdirSync(root).sort() : [];

/** How to create a case's live state with ipvsadm input; live.restore overrides when -S text cannot be restored (sh flag-3). */
function setupText(dir: string): string {
  if (existsSync(join(dir, 'live.restore'))) return readFileSync(join(dir, 'live.restore'), 'utf8');
  // canonical text: fwmarks printed unsigned (ipvsadm 1.31 refuses its own negative output), thresholds as -x/-y
  return formatSave(parseIpvsadmSave(readFileSync(join(dir, 'live.save'), 'utf8')).table);
}

describe('golden plans on the real kernel', { skip: SKIP }, () => {
  for (const name of cases) {
    test(name, async () => {
      const dir = join(root, name);
      const desiredPath = join(dir, 'desired.yaml');
      const state = tempStateDir();
      if (existsSync(join(dir, 'inventory.json'))) {
        writeFileSync(join(state, 'inventory.json'), JSON.stringify({ version: 1, services: JSON.parse(readFileSync(join(dir, 'inventory.json'), 'utf8')), thresholds: false }));
      }
      resetKernel();
      loadKernel(setupText(dir));
      const liveBefore = kernelTable();

      const plan = await lvsync(['plan', desiredPath, '--state-dir', state]);
      assert.equal(plan.code, 0, plan.stderr);
      const expected = readFileSync(join(dir, 'commands.txt'), 'utf8').split('\n').filter(Boolean);
      assert.deepEqual(planCommands(plan.stdout), expected, plan.stdout);

      const apply = await lvsync(['apply', desiredPath, '--yes', '--state-dir', state]);
      assert.equal(apply.code, 0, apply.stdout + apply.stderr);
      const again = await lvsync(['plan', desiredPath, '--state-dir', state, '--detailed-exitcode']);
      assert.equal(again.code, 0, again.stdout);

      const desired = parseDesiredSources([{ file: desiredPath, text: readFileSync(desiredPath, 'utf8') }]).state;
      assert.ok(desired);
      const after = kernelTable();
      const owned = new Map([...after.services].filter(([k]) => desired.table.services.has(k)));
      assert.equal(formatSave({ services: owned }), formatSave(desired.table));
      // services the plan did not touch are byte-for-byte as before
      const touched = new Set(expected.map((c) => c.split(' ').slice(1, 3).join(' ')));
      for (const [key, svc] of liveBefore.services) {
        if (desired.table.services.has(key)) continue;
        const spec = formatSave({ services: new Map([[key, svc]]) }).split('\n')[0]!.split(' ').slice(1, 3).join(' ');
        if (touched.has(spec)) continue;
        assert.equal(formatSave({ services: new Map([[key, after.services.get(key)!]]) }), formatSave({ services: new Map([[key, svc]]) }), `${key} changed`);
      }
    });
  }
});
