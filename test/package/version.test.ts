import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readBuildInfo } from '../../packaging/build-info.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = join(root, 'dist/src/cli/main.js');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

test('lvsync --version prints the package version and the commit the build was stamped with', () => {
  const r = spawnSync(process.execPath, [main, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const m = /^lvsync (\S+) \(commit ([0-9a-f]{12}(?:-dirty)?|unknown)\)\n$/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.equal(m[1], version);
  const stamped = JSON.parse(readFileSync(join(root, 'dist/src/build-info.json'), 'utf8')) as { commit: string };
  assert.equal(m[2], stamped.commit);
  // the stamp names a commit of this repository (the build may be older than HEAD)
  if (m[2] !== 'unknown') execFileSync('git', ['cat-file', '-e', `${m[2].replace(/-dirty$/, '')}^{commit}`], { cwd: root });
});

test('a build outside git is stamped with the version and commit "unknown", or the commit it is told', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-build-info-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ version: '9.8.7' }));
    assert.deepEqual(readBuildInfo(dir, {}), { version: '9.8.7', commit: 'unknown' });
    assert.deepEqual(readBuildInfo(dir, { LVSYNC_BUILD_COMMIT: 'abc123' }), { version: '9.8.7', commit: 'abc123' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const inGit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root }).status === 0;

test('the stamp is the build\'s git commit', { skip: inGit ? false : 'not a git checkout' }, () => {
  const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  assert.match(readBuildInfo(root, {}).commit, new RegExp(`^${head}(-dirty)?$`));
});
