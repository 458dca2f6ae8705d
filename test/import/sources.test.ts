import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileSources } from '../../src/import/sources.js';
import { tempTree } from '../helpers/cli.js';

/** The file-system ImportSources the CLI gives importers: read, and glob(3)-style includes. */

test('read: the text, or null for a file that does not exist', () => {
  const dir = tempTree({ 'a.conf': 'x\n' });
  const sources = fileSources();
  assert.equal(sources.read(join(dir, 'a.conf')), 'x\n');
  assert.equal(sources.read(join(dir, 'nope.conf')), null);
});

test('glob: relative to the including file, * ? [..] within a component, dot files only by a dotted pattern, sorted', () => {
  const dir = tempTree({
    'main.conf': '', 'conf.d/b.conf': '', 'conf.d/a.conf': '', 'conf.d/.hidden.conf': '', 'conf.d/c.txt': '',
    'conf.d/x1.conf': '', 'sub/one/v.conf': '', 'sub/two/v.conf': '',
  });
  const sources = fileSources();
  const main = join(dir, 'main.conf');
  const rel = (paths: readonly string[]) => paths.map((p) => p.slice(dir.length + 1));
  assert.deepEqual(rel(sources.glob('conf.d/*.conf', main)), ['conf.d/a.conf', 'conf.d/b.conf', 'conf.d/x1.conf']);
  assert.deepEqual(rel(sources.glob('conf.d/.*.conf', main)), ['conf.d/.hidden.conf']);
  assert.deepEqual(rel(sources.glob('conf.d/[ab].conf', main)), ['conf.d/a.conf', 'conf.d/b.conf']);
  assert.deepEqual(rel(sources.glob('conf.d/[!ab]?.conf', main)), ['conf.d/x1.conf']);
  assert.deepEqual(rel(sources.glob('sub/*/v.conf', main)), ['sub/one/v.conf', 'sub/two/v.conf']);
  assert.deepEqual(rel(sources.glob(join(dir, 'conf.d', 'a.conf'), '/elsewhere/k.conf')), ['conf.d/a.conf']);
  assert.deepEqual(sources.glob('conf.d/none-*.conf', main), []);
  assert.deepEqual(sources.glob('missing.conf', main), []);
});
