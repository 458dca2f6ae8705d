import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The single executable (`npm run package`) is the program `node dist/src/cli/main.js` runs, bundled:
 * for every example, fixture and golden case it prints the same plans, JSON, YAML and diagnostics,
 * byte for byte, with the same exit codes. Skipped until `npm run package` has made it (.ci/run does).
 * It must not start a `node` of the host: a `node` on its PATH would record being run.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const executable = join(root, `dist/pkg/lvsync-${version}-linux-${process.arch}`);
const main = join(root, 'dist/src/cli/main.js');
const skip = existsSync(executable) ? false : `${executable} is not built (npm run package)`;

// a PATH whose only `node` leaves a mark, so the test sees if the executable runs one
const trap = mkdtempSync(join(tmpdir(), 'lvsync-exe-'));
const marker = join(trap, 'node-was-run');
writeFileSync(join(trap, 'node'), `#!/bin/sh\necho "$@" >> ${marker}\nexit 127\n`);
chmodSync(join(trap, 'node'), 0o755);
const env = { PATH: `${trap}:/usr/sbin:/usr/bin:/sbin:/bin`, NO_COLOR: '1', LANG: 'C.UTF-8', HOME: trap, LVSYNC_STATE_DIR: join(trap, 'state'), LVSYNC_DIRECTOR: 'lb1' };

interface Outcome { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function runProgram(command: string, args: string[], stdin = ''): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

// both programs at once: the pairs are independent and each start costs a few hundred ms
async function assertSame(args: string[], stdin = ''): Promise<Outcome> {
  const [exe, node] = await Promise.all([runProgram(executable, args, stdin), runProgram(process.execPath, [main, ...args], stdin)]);
  assert.deepEqual(exe, node, `lvsync ${args.join(' ')}`);
  return exe;
}

const rel = (dir: string) => readdirSync(join(root, dir)).sort().map((name) => `${dir}/${name}`);
const examples = rel('examples').filter((p) => /\.yaml$/.test(p) || p === 'examples/multi-file');
const invalid = rel('test/fixtures/desired/invalid').filter((p) => !p.endsWith('.json'));
const golden = rel('test/golden/plan');

test('the executable prints the version and commit node prints', { skip }, async () => {
  const r = await assertSame(['--version']);
  assert.match(r.stdout, new RegExp(`^lvsync ${version.replaceAll('.', '\\.')} \\(commit `));
});

test('validate: the same result and exit code for every example and every invalid fixture', { skip }, async () => {
  for (const path of examples) assert.equal((await assertSame(['validate', path])).code, 0, path);
  // warn-*: warnings only, exit 0
  for (const path of invalid) assert.equal((await assertSame(['validate', path])).code, /\/warn-[^/]*$/.test(path) ? 0 : 3, path);
});

test('plan --live: the same plans as text, JSON, markdown and diff, and the same detailed exit code', { skip }, async () => {
  const live = 'examples/live/director-a.save';
  const all = ['examples/nat-web.yaml', 'examples/multi-file'];
  assert.equal((await assertSame(['plan', ...all, '--live', live, '--detailed-exitcode'])).code, 2);
  for (const format of [['--json'], ['--format', 'markdown'], ['--diff']]) assert.equal((await assertSame(['plan', ...all, '--live', live, ...format])).code, 0);
  assert.equal((await assertSame(['plan', ...all, '--live', '-'], readFileSync(join(root, live), 'utf8'))).code, 0);
  for (const path of examples) assert.equal((await assertSame(['plan', path, '--live', live, '--json'])).code, 0, path);
  assert.equal((await assertSame(['plan', 'examples/fleet', '--all-directors', '--live-dir', 'examples/fleet/live'])).code, 0);
});

test('plan: the same plans and commands for every golden case', { skip }, async () => {
  for (const dir of golden) {
    for (const format of [[], ['--json']]) await assertSame(['plan', `${dir}/desired.yaml`, '--live', `${dir}/live.save`, ...format]);
  }
});

test('export and import: the same YAML and notes', { skip }, async () => {
  assert.equal((await assertSame(['export', '--live', 'examples/live/director-a.save'])).code, 0);
  assert.equal((await assertSame(['import', 'ipvsadm', 'examples/migrate/ipvsadm/rules'])).code, 0);
  assert.equal((await assertSame(['import', 'keepalived', 'examples/migrate/keepalived/keepalived.conf'])).code, 0);
  assert.equal((await assertSame(['import', 'ldirectord', 'examples/migrate/ldirectord/ldirectord.cf'])).code, 0);
});

test('usage errors and help: the same text and exit codes', { skip }, async () => {
  assert.equal((await assertSame([])).code, 64);
  assert.equal((await assertSame(['--help'])).code, 0);
  assert.equal((await assertSame(['plan', 'examples/nat-web.yaml', '--bogus'])).code, 64);
  assert.equal((await assertSame(['plan', 'examples/nat-web.yaml', '--format', 'xml'])).code, 64);
  assert.equal((await assertSame(['frobnicate'])).code, 64);
  assert.equal((await assertSame(['plan', 'no/such/file.yaml', '--live', 'examples/live/director-a.save'])).code, 3);
});

test('the executable never ran a node of the host', { skip }, () => {
  assert.equal(existsSync(marker), false, existsSync(marker) ? readFileSync(marker, 'utf8') : '');
});

test.after(() => rmSync(trap, { recursive: true, force: true }));
