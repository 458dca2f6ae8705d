import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { watchDesired, type DesiredWatcher } from '../../src/watch/triggers.js';
import { tempTree } from '../helpers/cli.js';
import { eventually } from './helpers.js';

/**
 * The chokidar adapter on a real file system (real time, the one edge that cannot be faked): every
 * way a config can change on a director must produce at least one event.
 */

async function watching(paths: string[]): Promise<{ w: DesiredWatcher; events: string[] }> {
  const events: string[] = [];
  const w = watchDesired(paths, { onChange: (p) => events.push(p) });
  await w.ready;
  return { w, events };
}

const settle = () => new Promise((r) => setTimeout(r, 200));

test('a file edited in place, and an editor-style atomic save (write a temporary file, rename it over)', async () => {
  const dir = tempTree({ 'lb.yaml': 'version: 1\n' });
  const { w, events } = await watching([join(dir, 'lb.yaml')]);
  writeFileSync(join(dir, 'lb.yaml'), 'version: 1\nservices: []\n');
  await eventually(() => events.length > 0, 'an event for the in-place write');
  // chokidar drops a change whose mtime equals the last one it saw (two writes in the same instant):
  // harmless for a level-based loop (the pass after the first event reads the final content), so
  // the test gives the two edits room
  await settle();
  events.length = 0;
  writeFileSync(join(dir, '.lb.yaml.swp'), 'version: 1\n# saved\n');
  renameSync(join(dir, '.lb.yaml.swp'), join(dir, 'lb.yaml'));
  await eventually(() => events.length > 0, 'an event for the atomic save');
  await w.close();
});

test('a file that disappears and reappears (git checkout of another branch, rm + create)', async () => {
  const dir = tempTree({ 'conf/a.yaml': 'version: 1\n' });
  const { w, events } = await watching([join(dir, 'conf/a.yaml')]);
  unlinkSync(join(dir, 'conf/a.yaml'));
  await eventually(() => events.length > 0, 'an event for the deletion');
  events.length = 0;
  await settle();
  writeFileSync(join(dir, 'conf/a.yaml'), 'version: 1\n');
  await eventually(() => events.length > 0, 'an event for the re-creation');
  await w.close();
});

test('a directory: files added, changed and removed, including in subdirectories', async () => {
  const dir = tempTree({ 'conf/a.yaml': 'version: 1\n' });
  const { w, events } = await watching([join(dir, 'conf')]);
  writeFileSync(join(dir, 'conf/b.yaml'), 'version: 1\n');
  await eventually(() => events.length > 0, 'an event for a new file');
  events.length = 0;
  mkdirSync(join(dir, 'conf/sub'));
  writeFileSync(join(dir, 'conf/sub/c.yaml'), 'version: 1\n');
  await eventually(() => events.some((e) => e.endsWith('c.yaml')), 'an event in a subdirectory');
  events.length = 0;
  rmSync(join(dir, 'conf/b.yaml'));
  await eventually(() => events.length > 0, 'an event for a removed file');
  await w.close();
});

test('a Kubernetes ConfigMap volume: the ..data symlink is swapped to a new timestamped directory', async () => {
  // kubelet's layout: lb.yaml -> ..data/lb.yaml, ..data -> ..2026_01_01_00_00_00.1, swapped by renaming ..data_tmp
  const dir = tempTree({ 'cm/..2026_01_01_00_00_00.1/lb.yaml': 'version: 1\n' });
  const cm = join(dir, 'cm');
  symlinkSync('..2026_01_01_00_00_00.1', join(cm, '..data'));
  symlinkSync('..data/lb.yaml', join(cm, 'lb.yaml'));
  const { w, events } = await watching([cm]);
  mkdirSync(join(cm, '..2026_01_01_00_05_00.2'));
  writeFileSync(join(cm, '..2026_01_01_00_05_00.2/lb.yaml'), 'version: 1\nservices: []\n');
  symlinkSync('..2026_01_01_00_05_00.2', join(cm, '..data_tmp'));
  renameSync(join(cm, '..data_tmp'), join(cm, '..data'));
  rmSync(join(cm, '..2026_01_01_00_00_00.1'), { recursive: true });
  await eventually(() => events.length > 0, 'an event for the ..data swap');
  await w.close();
});

test('a symlinked release directory swapped with ln -sfn (current -> release-2): an event, and refresh() follows the new target', async () => {
  const dir = tempTree({ 'release-1/lb.yaml': 'version: 1\n', 'release-2/lb.yaml': 'version: 1\nservices: []\n' });
  symlinkSync('release-1', join(dir, 'current'));
  const { w, events } = await watching([join(dir, 'current')]);
  symlinkSync('release-2', join(dir, 'current.new'));
  renameSync(join(dir, 'current.new'), join(dir, 'current'));
  await eventually(() => events.length > 0, 'an event for the swapped symlink');
  assert.equal(await w.refresh(), true, 'the real path moved');
  assert.equal(await w.refresh(), false, 'and only once');
  events.length = 0;
  writeFileSync(join(dir, 'release-2/lb.yaml'), 'version: 1\n# edited in the new release\n');
  await eventually(() => events.length > 0, 'an event from the new target');
  await w.close();
});

test('a path that does not exist yet is reported when it appears', async () => {
  const dir = tempTree({ 'keep': '' });
  const { w, events } = await watching([join(dir, 'lb.yaml')]);
  writeFileSync(join(dir, 'lb.yaml'), 'version: 1\n');
  await eventually(() => events.length > 0, 'an event for the new file');
  await w.close();
});
