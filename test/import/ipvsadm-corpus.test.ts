import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { fakeNames } from '../helpers/fake-names.js';

/**
 * The corpus of rules files (test/fixtures/import/ipvsadm/, README.md there says where each shape
 * comes from): `lvsync import ipvsadm NAME.rules` run end to end, from inside the folder so paths in
 * the output are the names. NAME.yaml is the exact stdout of a successful import; NAME.notes the
 * notes on stderr as `line:col severity[CODE]` (positions and codes, not wording); the exit code is
 * 0 exactly when there is a NAME.yaml. Host names come from the folder's `hosts` table, ports from
 * the built-in services table. LVSYNC_UPDATE_GOLDEN=1 rewrites NAME.yaml and NAME.notes.
 */

const dir = fileURLToPath(new URL('../../../test/fixtures/import/ipvsadm/', import.meta.url));
const manifest = JSON.parse(readFileSync(`${dir}cases.json`, 'utf8')) as { cases: Record<string, { kernel: boolean }> };
const names = readdirSync(dir).filter((n) => n.endsWith('.rules')).map((n) => n.slice(0, -'.rules'.length)).sort();
const update = process.env.LVSYNC_UPDATE_GOLDEN === '1';

process.chdir(dir);

/** "3:1 warning[IMPORT_RESOLVED]" for every note line of stderr. */
export function noteLines(stderr: string, file: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith(`${file}:`)).map((l) => {
    const m = /^[^:]+:(\d+):(\d+): (\w+\[[A-Z_]+\])/.exec(l);
    return m ? `${m[1]}:${m[2]} ${m[3]}` : l;
  });
}

test('the manifest lists every rules file of the corpus, and only those', () => {
  assert.deepEqual(Object.keys(manifest.cases).sort(), names);
});

for (const name of names) {
  test(`import ipvsadm ${name}.rules`, async () => {
    const r = await runCli(['import', 'ipvsadm', `${name}.rules`], { names: fakeNames(readFileSync('hosts', 'utf8')) });
    assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
    const notes = noteLines(r.stderr, `${name}.rules`);
    if (update) {
      writeFileSync(`${name}.notes`, notes.map((l) => `${l}\n`).join(''));
      if (r.code === 0) writeFileSync(`${name}.yaml`, r.stdout);
    }
    assert.deepEqual(notes, readFileSync(`${name}.notes`, 'utf8').split('\n').filter(Boolean), r.stderr);
    if (existsSync(`${name}.yaml`)) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, readFileSync(`${name}.yaml`, 'utf8'));
    } else {
      assert.equal(r.code, 3, r.stdout);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /cannot be imported .*nothing was written/);
    }
  });
}

test('every file ipvsadm -R loads imports without an error', () => {
  for (const [name, c] of Object.entries(manifest.cases)) {
    if (c.kernel) assert.ok(existsSync(`${name}.yaml`), `${name} loads with ipvsadm -R but has no golden YAML`);
  }
});
