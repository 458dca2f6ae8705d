import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/** examples/ci/plan-all.sh, as the GitHub workflow runs it, against the bundled snapshot. */
const root = fileURLToPath(new URL('../../', import.meta.url));
const lvsync = `${process.execPath} ${root}dist/src/cli/main.js`;

test('plan-all.sh writes one Markdown document with a section per director snapshot and exits 0 with changes', () => {
  const snapshots = mkdtempSync(join(tmpdir(), 'lvsync-snap-'));
  copyFileSync(`${root}examples/live/director-a.save`, join(snapshots, 'lb1.save'));
  writeFileSync(join(snapshots, 'lb2.save'), '');
  const out = join(snapshots, 'plan.md');
  const r = spawnSync('bash', [`${root}examples/ci/plan-all.sh`, `${root}examples/multi-file`, snapshots, out], { env: { ...process.env, LVSYNC: lvsync }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const md = readFileSync(out, 'utf8');
  // one document (lvsync plan --all-directors): a summary row and a section per director
  assert.equal(md.match(/^### lvsync plan$/gm)?.length, 1);
  assert.match(md, /^\| lb1 \| /m);
  assert.match(md, /^\| lb2 \| /m);
  assert.match(md, /^#### lb1$/m);
  assert.match(md, /^#### lb2$/m);
  assert.match(md, /🗑️ delete service \| `tcp 192\.168\.20\.80:80`/);
});

test('plan-all.sh fails with 3 on an invalid desired state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-bad-'));
  writeFileSync(join(dir, 'bad.yaml'), 'version: 1\nservices: [{ protocol: tcp }]\n');
  writeFileSync(join(dir, 'lb1.save'), '');
  const r = spawnSync('bash', [`${root}examples/ci/plan-all.sh`, join(dir, 'bad.yaml'), dir, join(dir, 'plan.md')], { env: { ...process.env, LVSYNC: lvsync }, encoding: 'utf8' });
  assert.equal(r.status, 3);
});
