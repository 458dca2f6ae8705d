import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * What `npm pack` ships is what runs: the compiled product, its schema, examples and docs. The
 * tests, the bench and the fake ipvsadm (test/fake-ipvsadm) are built into dist/ too, and must stay
 * out of the package.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('npm pack ships the product and none of the tests, the bench or the fake ipvsadm', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  const bin = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { bin: Record<string, string> }).bin.lvsync!;
  assert.ok(files.includes(bin), `the bin ${bin} is not packed (run npm run build first)`);
  assert.ok(files.includes('schema/desired-state.v1.schema.json'));
  assert.ok(files.includes('dist/src/desired/schema/desired-state.validate.cjs'));
  assert.deepEqual(files.filter((f) => /^(dist\/)?(test|bench)\//.test(f) || /fake/.test(f)), []);
});
