import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runCli } from './helpers/cli.js';

/** The README shows real output; these tests fail when the tool's output drifts from what is pasted there. */
const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');

test('README: the main set-up command output is pasted verbatim', async () => {
  const r = await runCli(['plan', `${root}examples/nat-web.yaml`, `${root}examples/multi-file`, '--live', `${root}examples/live/director-a.save`, '--state-dir', '/nonexistent/lvsync-state']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readme.includes(`\`\`\`\n${r.stdout}\`\`\``), 'README plan block differs from `lvsync plan` output');
});

test('README: the validate example output is pasted verbatim', async () => {
  const path = `${root}test/fixtures/readme/broken.yaml`;
  const r = await runCli(['validate', path]);
  assert.equal(r.code, 3);
  const shown = r.stderr.split(path).join('broken.yaml');
  assert.ok(readme.includes(`$ lvsync validate broken.yaml\n${shown}\`\`\``), 'README validate block differs from `lvsync validate` output');
});
