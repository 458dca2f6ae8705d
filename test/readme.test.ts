import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative as relativePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runCli } from './helpers/cli.js';

/**
 * The README and the reference pages in docs/ show real output; these tests fail when the tool's
 * output drifts from what is pasted there. Each block is looked for in the one page that holds it,
 * so a block cannot silently move or vanish.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const page = (name: string): string => readFileSync(`${root}${name}`, 'utf8');

test('README: the main set-up command output is pasted verbatim', async () => {
  const r = await runCli(['plan', `${root}examples/nat-web.yaml`, `${root}examples/multi-file`, '--live', `${root}examples/live/director-a.save`, '--state-dir', '/nonexistent/lvsync-state']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(page('README.md').includes(`\`\`\`\n${r.stdout}\`\`\``), 'README plan block differs from `lvsync plan` output');
});

test('docs/commands.md: the end of the plan --diff output is pasted verbatim', async () => {
  const r = await runCli(['plan', `${root}examples/nat-web.yaml`, '--live', `${root}examples/live/director-a.save`, '--diff', '--state-dir', '/nonexistent/lvsync-state']);
  assert.equal(r.code, 0, r.stderr);
  const diff = r.stdout.slice(r.stdout.indexOf('--- live\n'));
  assert.ok(diff.startsWith('--- live\n+++ desired\n'), r.stdout);
  assert.ok(page('docs/commands.md').includes(`\`\`\`\n${diff}\`\`\``), 'docs/commands.md --diff block differs from `lvsync plan --diff` output');
});

test('docs/validation.md: the validate example output is pasted verbatim', async () => {
  const path = `${root}test/fixtures/readme/broken.yaml`;
  const r = await runCli(['validate', path]);
  assert.equal(r.code, 3);
  const shown = r.stderr.split(path).join('broken.yaml');
  assert.ok(page('docs/validation.md').includes(`$ lvsync validate broken.yaml\n${shown}\`\`\``), 'docs/validation.md validate block differs from `lvsync validate` output');
});

// the fleet page: paths are shown relative to the repository, as a reader would type them
const relative = (text: string): string => text.split(root).join('');

test('docs/fleet.md: the fleet validate example output is pasted verbatim', async () => {
  const path = `${root}test/fixtures/readme/overrides.yaml`;
  const r = await runCli(['validate', path, '--director', 'lb2']);
  assert.equal(r.code, 3);
  const shown = r.stderr.split(path).join('overrides.yaml');
  assert.ok(page('docs/fleet.md').includes(`$ lvsync validate overrides.yaml --director lb2\n${shown}\`\`\``), 'docs/fleet.md fleet validate block differs from `lvsync validate` output');
});

test('docs/fleet.md: plan --all-directors output (text and Markdown) is pasted verbatim', async () => {
  const args = ['plan', `${root}examples/fleet`, '--all-directors', '--live-dir', `${root}examples/fleet/live`];
  const fleet = page('docs/fleet.md');
  const text = await runCli(args);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(fleet.includes(`\`\`\`\n$ lvsync plan examples/fleet --all-directors --live-dir examples/fleet/live\n${relative(text.stdout)}\`\`\``), 'docs/fleet.md plan --all-directors block differs');
  const md = await runCli([...args, '--format', 'markdown']);
  assert.equal(md.code, 0, md.stderr);
  assert.ok(fleet.includes(`\`\`\`\`markdown\n${md.stdout}\`\`\`\``), 'docs/fleet.md Markdown block differs from `plan --format markdown` output');
});

test('docs/fleet.md: the fleet-check output is pasted verbatim', async () => {
  const r = await runCli(['fleet-check', `${root}examples/fleet`]);
  assert.equal(r.code, 1);
  assert.ok(page('docs/fleet.md').includes(`\`\`\`\n$ lvsync fleet-check examples/fleet\n${r.stdout}\`\`\``), 'docs/fleet.md fleet-check block differs');
});

// Links: the reference moved out of the README, so anchors now live in other files.

const docsPages = readdirSync(`${root}docs`).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`);

/** The page's prose: fenced code blocks dropped (a fence closes on as many backticks as opened it). */
function prose(markdown: string): string[] {
  const lines: string[] = [];
  let fence = 0;
  for (const line of markdown.split('\n')) {
    const ticks = /^\s*(`{3,})/.exec(line)?.[1]?.length ?? 0;
    if (fence === 0 && ticks > 0) fence = ticks;
    else if (fence > 0 && ticks >= fence && line.trim() === '`'.repeat(ticks)) fence = 0;
    else if (fence === 0) lines.push(line);
  }
  return lines;
}

/** The anchors GitHub gives a page's headings (lower case, punctuation dropped, spaces to hyphens, repeats numbered). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

function links(markdown: string): string[] {
  const text = prose(markdown).join('\n').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((target) => !/^[a-z]+:/.test(target));
}

test('README and docs: every relative link names an existing file, and every anchor a heading in it', () => {
  const broken: string[] = [];
  let checked = 0;
  for (const name of ['README.md', ...docsPages]) {
    for (const target of links(page(name))) {
      checked++;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? `${root}${name}` : join(dirname(`${root}${name}`), path);
      if (!existsSync(file)) broken.push(`${name}: ${target} (no ${relativePath(root, file)})`);
      else if (anchor !== undefined && !anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${name}: ${target} (no heading with that anchor)`);
    }
  }
  assert.ok(checked > 20, `only ${checked} links found: is the link pattern still right?`);
  assert.deepEqual(broken, []);
});

test('README: links every page in docs/', () => {
  assert.ok(docsPages.length >= 8, docsPages.join(', '));
  const linked = new Set(links(page('README.md')).map((target) => target.split('#')[0]));
  assert.deepEqual(docsPages.filter((name) => !linked.has(name)), []);
});
