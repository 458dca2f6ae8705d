import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/cli/node-flags.js';

const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('the lvsync binary runs node with NODE_FLAGS, the flags the benchmark measures with', () => {
  const shebang = readFileSync(main, 'utf8').split('\n')[0]!;
  assert.equal(shebang, `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
});

test('the binary starts through its first line (env -S) and node accepts the flags', () => {
  const r = spawnSync(main, ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^lvsync \d+\.\d+\.\d+/);
});
