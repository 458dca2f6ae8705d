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

// the fleet section: paths are shown relative to the repository, as a reader would type them
const relative = (text: string): string => text.split(root).join('');

test('README: the fleet validate example output is pasted verbatim', async () => {
  const path = `${root}test/fixtures/readme/overrides.yaml`;
  const r = await runCli(['validate', path, '--director', 'lb2']);
  assert.equal(r.code, 3);
  const shown = r.stderr.split(path).join('overrides.yaml');
  assert.ok(readme.includes(`$ lvsync validate overrides.yaml --director lb2\n${shown}\`\`\``), 'README fleet validate block differs from `lvsync validate` output');
});

test('README: plan --all-directors output (text and Markdown) is pasted verbatim', async () => {
  const args = ['plan', `${root}examples/fleet`, '--all-directors', '--live-dir', `${root}examples/fleet/live`];
  const text = await runCli(args);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(readme.includes(`\`\`\`\n$ lvsync plan examples/fleet --all-directors --live-dir examples/fleet/live\n${relative(text.stdout)}\`\`\``), 'README plan --all-directors block differs');
  const md = await runCli([...args, '--format', 'markdown']);
  assert.equal(md.code, 0, md.stderr);
  assert.ok(readme.includes(`\`\`\`\`markdown\n${md.stdout}\`\`\`\``), 'README Markdown block differs from `plan --format markdown` output');
});

test('README: the fleet-check output is pasted verbatim', async () => {
  const r = await runCli(['fleet-check', `${root}examples/fleet`]);
  assert.equal(r.code, 1);
  assert.ok(readme.includes(`\`\`\`\n$ lvsync fleet-check examples/fleet\n${r.stdout}\`\`\``), 'README fleet-check block differs');
});
