import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

// the packed tarball installed the way a user does (`npm install ./lvsync-x.y.z.tgz`), dependencies
// from npm's cache where it has them: its `lvsync` bin runs, plans an example and knows its version
test('the packed tarball installs, and its lvsync bin plans an example', { timeout: 300_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'lvsync-pack-'));
  try {
    const packed = (JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { filename: string }[])[0]!.filename;
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{ "name": "director", "private": true }\n');
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, packed)], { cwd: project, stdio: 'ignore', timeout: 240_000 });
    const bin = join(project, 'node_modules/.bin/lvsync');
    const version = execFileSync(bin, ['--version'], { encoding: 'utf8' });
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
    assert.match(version, new RegExp(`^lvsync ${pkg.version.replace(/\./g, '\\.')} `));
    const plan = execFileSync(bin, ['plan', join(root, 'examples/nat-web.yaml'), '--live', join(root, 'examples/live/director-a.save')], { encoding: 'utf8' });
    assert.match(plan, /Plan: \d+ to add, \d+ to change, \d+ to destroy/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
