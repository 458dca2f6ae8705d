import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { loadDesired } from '../../src/desired/load.js';

/**
 * The loader against real directory trees built per test: recursion and order, hidden entries,
 * the Kubernetes ConfigMap symlink layout, and the I/O diagnostics.
 */

const root = mkdtempSync(join(tmpdir(), 'lvsync-load-'));
after(() => rmSync(root, { recursive: true, force: true }));

const svc = (port: number) => `version: 1\nservices:\n  - address: 192.168.10.100\n    port: ${port}\n`;

function tree(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('a directory: every *.yaml/*.yml inside, recursively, sorted by path; hidden and other files skipped', async () => {
  const dir = tree('plain', {
    'b.yaml': svc(2), 'a.yml': svc(1), 'sub/c.yaml': svc(3), 'sub/deeper/d.yaml': svc(4),
    '.hidden.yaml': svc(1), '.git/x.yaml': svc(1), 'notes.txt': 'not yaml', 'README.md': '# no',
  });
  const result = await loadDesired([dir]);
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.state?.files, ['a.yml', 'b.yaml', 'sub/c.yaml', 'sub/deeper/d.yaml'].map((f) => `${dir}/${f}`));
  assert.equal(result.state?.table.services.size, 4);
});

test('a ConfigMap mount: ..data and ..<timestamp> are skipped, the top-level symlinks into them are read', async () => {
  const dir = tree('configmap', { '..2024_01_01_00_00_00.123/svc.yaml': svc(80), '..2024_01_01_00_00_00.123/scope.yaml': 'version: 1\nscope:\n  prune: false\n' });
  symlinkSync('..2024_01_01_00_00_00.123', join(dir, '..data'));
  symlinkSync('..data/svc.yaml', join(dir, 'svc.yaml'));
  symlinkSync('..data/scope.yaml', join(dir, 'scope.yaml'));
  const result = await loadDesired([dir]);
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.state?.files, [`${dir}/scope.yaml`, `${dir}/svc.yaml`]);
  assert.equal(result.state?.scope.prune, false);
  // positions name the file the user sees, not the timestamped target
  assert.deepEqual(result.state?.origins.get('tcp|192.168.10.100|80'), { file: `${dir}/svc.yaml`, line: 3, col: 5 });
});

test('symlinked directories are followed; a symlink loop is read once and does not hang', async () => {
  const target = tree('linked-target', { 'x.yaml': svc(1) });
  const dir = tree('linked', { 'a.yaml': svc(2) });
  symlinkSync(target, join(dir, 'other'));
  symlinkSync('.', join(dir, 'loop'));
  const result = await loadDesired([dir]);
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.state?.files, [`${dir}/a.yaml`, `${dir}/other/x.yaml`]);
});

test('a nonexistent path is FILE_READ naming the path; the state is null', async () => {
  const missing = join(root, 'nope');
  const result = await loadDesired([missing]);
  assert.equal(result.state, null);
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.severity, d.file]), [['FILE_READ', 'error', missing]]);
  assert.match(result.diagnostics[0]?.message ?? '', /no such file or directory/);
});

test('other files are still checked when one path is missing', async () => {
  const dir = tree('partial', { 'bad.yaml': 'version: 1\nservices:\n  - adress: 1.2.3.4\n' });
  const result = await loadDesired([join(root, 'nope'), dir]);
  assert.equal(result.state, null);
  assert.deepEqual(result.diagnostics.map((d) => d.code), ['FILE_READ', 'SCHEMA', 'SCHEMA']); // unknown `adress`, missing `port`
});

test('a broken *.yaml symlink inside a directory is FILE_READ', async () => {
  const dir = tree('broken', { 'a.yaml': svc(1) });
  symlinkSync('..data/gone.yaml', join(dir, 'gone.yaml'));
  symlinkSync('..data/gone.txt', join(dir, 'gone.txt'));
  const result = await loadDesired([dir]);
  assert.equal(result.state, null);
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.file]), [['FILE_READ', `${dir}/gone.yaml`]]);
});

test('an empty directory, or no paths at all, is NO_FILES', async () => {
  const dir = tree('empty', { 'only.txt': 'x' });
  const empty = await loadDesired([dir]);
  assert.equal(empty.state, null);
  assert.deepEqual(empty.diagnostics.map((d) => [d.code, d.file]), [['NO_FILES', dir]]);
  const none = await loadDesired([]);
  assert.equal(none.state, null);
  assert.deepEqual(none.diagnostics.map((d) => d.code), ['NO_FILES']);
});

test('paths stay as the user wrote them: relative stays relative, a trailing slash is kept', async () => {
  const dir = tree('relative', { 'svc.yaml': 'version: 1\nservices:\n  - address: 192.168.10.100\n    port: 0\n' });
  const rel = relative(process.cwd(), dir);
  const result = await loadDesired([`${rel}/`]);
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.file, d.line, d.col]), [['ZERO_PORT_NOT_PERSISTENT', `${rel}/svc.yaml`, 4, 11]]);
});

test('a file is read even with another extension or a hidden name, and only once when named twice', async () => {
  const dir = tree('explicit', { '.desired.conf': svc(80), 'svc.yaml': svc(81) });
  const result = await loadDesired([`${dir}/.desired.conf`, dir, `${dir}/svc.yaml`]);
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.state?.files, [`${dir}/.desired.conf`, `${dir}/svc.yaml`]);
});

test('a change to one file of several: the unchanged files are reused, and the result is what a fresh parse gives', async () => {
  const { parseDesiredSources } = await import('../../src/desired/parse.js');
  const { readFileSync } = await import('node:fs');
  const warned = `version: 1\nservices:\n  - address: 192.168.10.100\n    port: 9\n    fallback: { address: 10.9.9.9, port: 80 }\n    realServers:\n      - { address: 10.0.0.9, port: 80, method: nat }\n`;
  const dir = tree('reuse', { 'a.yaml': svc(1), 'b.yaml': warned, 'c.yaml': svc(3) });
  const fresh = () => parseDesiredSources(['a.yaml', 'b.yaml', 'c.yaml'].map((n) => ({ file: join(dir, n), text: readFileSync(join(dir, n), 'utf8') })));
  const first = await loadDesired([dir]);
  assert.deepEqual(first, { ...fresh(), fleet: first.fleet });
  assert.ok(first.diagnostics.some((d) => d.file === join(dir, 'b.yaml')), 'b.yaml has a diagnostic to keep');
  for (const [file, text] of [['a.yaml', svc(11)], ['c.yaml', svc(1)], ['a.yaml', svc(1)]] as const) {
    writeFileSync(join(dir, file), text);
    const again = await loadDesired([dir]);
    const expected = fresh();
    assert.deepEqual(again.state, expected.state, `after ${file} changed`);
    assert.deepEqual(again.diagnostics, expected.diagnostics, `after ${file} changed: the unchanged file's diagnostics are still reported`);
  }
  // c.yaml now says what a.yaml says: the duplicate is found across a reused and a re-read file
  assert.ok((await loadDesired([dir])).diagnostics.some((d) => d.severity === 'error'));
});

test('a file rewritten with the same size and other bytes is read again, whatever its timestamps (bytes are compared, not decoded twice)', async () => {
  const { utimesSync, statSync } = await import('node:fs');
  const dir = tree('same-size', { 'a.yaml': svc(81) });
  const file = join(dir, 'a.yaml');
  const before = statSync(file);
  assert.equal((await loadDesired([dir])).state?.table.services.size, 1);
  const first = await loadDesired([dir]);
  assert.ok([...first.state!.table.services.keys()][0]!.endsWith('|81'));
  writeFileSync(file, svc(82));
  utimesSync(file, before.atime, before.mtime);
  const again = await loadDesired([dir]);
  assert.ok([...again.state!.table.services.keys()][0]!.endsWith('|82'), 'the new port, not the remembered text');
  // and a file that is gone is forgotten: one with that name later is read afresh
  rmSync(file);
  assert.equal((await loadDesired([dir])).state, null);
  writeFileSync(file, svc(81));
  assert.ok([...(await loadDesired([dir])).state!.table.services.keys()][0]!.endsWith('|81'));
});

test('rehearseChange: the same desired state as the last load, read through the per-service reuse, and the next load is untouched by it', async () => {
  const { rehearseChange } = await import('../../src/desired/load.js');
  // 25 services: the rehearsal touches three of them (REHEARSAL_SPREAD), read together
  const many = `version: 1\nservices:\n${Array.from({ length: 25 }, (_, k) => k + 1).map((i) => `  - address: 192.168.20.${i}\n    port: 80\n    realServers:\n      - { address: 10.1.0.${i}, port: 8080, method: nat }\n`).join('')}`;
  const dir = tree('rehearse', { 'a.yaml': many });
  const loaded = await loadDesired([dir]);
  assert.ok(loaded.state);
  const rehearsed = rehearseChange();
  assert.ok(rehearsed, 'a file the reuse can read was loaded');
  assert.notEqual(rehearsed, loaded.state, 'a new parse, not the cached result');
  assert.deepEqual(rehearsed.table, loaded.state.table);
  // the caches are as the last load left them: the unchanged file is the same result object
  assert.equal((await loadDesired([dir])).state, loaded.state);
  // and a real change after it is read as before
  writeFileSync(join(dir, 'a.yaml'), many.replace('10.1.0.2', '10.1.0.22'));
  const changed = await loadDesired([dir]);
  assert.ok(changed.state?.table.services.get('tcp|192.168.20.2|80')?.servers.has('10.1.0.22|8080'));
});
