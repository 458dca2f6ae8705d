import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { createStateFile, preloadStateFile, readState } from '../fake-ipvsadm/state-file.js';
import { parseDrainState } from '../../src/state/drains.js';
import { parseHealthFile } from '../../src/state/health-file.js';
import { parseInventory } from '../../src/state/inventory.js';
import type { Parsed } from '../../src/state/recover.js';
import { runCli, tempTree, type CliResult } from '../helpers/cli.js';
import { fakeWithTable } from '../helpers/in-memory-ipvsadm.js';

/**
 * Issue 13 through the CLI: every state file × every way it can be broken. `lvsync apply` must exit
 * 0 with the table converged, report the file once (STATE_FILE, naming it), move it aside as
 * `<name>.corrupt-<time>`, and carry on with the file's safe default: above all, a lost inventory
 * deletes nothing that only the inventory owned.
 */

const REPO = new URL('../../../', import.meta.url).pathname;
const MAIN = join(REPO, 'dist/src/cli/main.js');
const FAKE_BIN = join(REPO, 'test/fixtures/bin/ipvsadm');

const WEB = `version: 1
scope: { addresses: ["192.168.10.0/24"] }
services:
  - name: web
    protocol: tcp
    address: 192.168.10.100
    port: 80
    scheduler: wrr
    realServers:
      - { address: 10.0.0.11, port: 8080, method: nat, weight: 3 }
`;
// web has drifted (weight 1), and 172.16.0.9:80 is outside the scope: only an inventory can own it
const LIVE = '-A -t 192.168.10.100:80 -s wrr\n-a -t 192.168.10.100:80 -r 10.0.0.11:8080 -m -w 1\n-A -t 172.16.0.9:80 -s rr\n';
const OLD = /-A -t 172\.16\.0\.9:80 -s rr/;
const CONVERGED = /-a -t 192\.168\.10\.100:80 -r 10\.0\.0\.11:8080 -m -w 3/;
const INVENTORY_WITH_OLD = '{"version": 1, "services": ["tcp|192.168.10.100|80", "tcp|172.16.0.9|80"], "thresholds": false}\n';

type Kind = 'bad JSON' | 'wrong shape' | 'wrong version' | 'a directory' | 'permission denied' | 'empty' | 'a dangling symlink';

const FILES: Record<string, { readonly parse: ((text: string) => Parsed<unknown>) | null; readonly shape: string; readonly version: string }> = {
  'inventory.json': { parse: parseInventory, shape: '{"version": 1, "services": "tcp|172.16.0.9|80"}', version: '{"version": 2, "services": ["tcp|172.16.0.9|80"]}' },
  'drains.json': { parse: parseDrainState, shape: '{"version": 1, "drains": {"a": 1}}', version: '{"version": 2, "drains": []}' },
  'health.json': { parse: parseHealthFile, shape: '[{"id": "x", "status": "down"}]', version: '{"version": 2, "states": []}' },
  // the lock is not JSON: each of these is a lock file without a pid
  'apply.lock': { parse: null, shape: '[4242]', version: '{"version": 2, "pid": 4242}' },
};

const KINDS: readonly Kind[] = ['bad JSON', 'wrong shape', 'wrong version', 'a directory', 'permission denied'];

function corrupt(state: string, file: string, kind: Kind): void {
  const path = join(state, file);
  mkdirSync(state, { recursive: true });
  const spec = FILES[file]!;
  switch (kind) {
    case 'bad JSON': writeFileSync(path, '{garbage'); break;
    case 'wrong shape': writeFileSync(path, spec.shape); break;
    case 'wrong version': writeFileSync(path, spec.version); break;
    case 'empty': writeFileSync(path, ''); break;
    case 'a directory': mkdirSync(path); writeFileSync(join(path, 'inside'), 'x'); break;
    case 'a dangling symlink': symlinkSync('/nonexistent/lvsync-test', path); break;
    case 'permission denied': writeFileSync(path, file === 'apply.lock' ? `${process.pid}\n` : '{"version": 1}', { mode: 0o000 }); chmodSync(path, 0o000); break;
  }
}

/** A director: lvsync in-process against the in-memory fake, or (to be denied a read as root) the binary as nobody. */
interface Director {
  run(argv: string[]): Promise<CliResult>;
  save(): string;
}

const root = process.getuid?.() === 0;

function inProcess(): Director {
  const fake = fakeWithTable(LIVE);
  return { run: (argv) => runCli(argv, { ipvsadm: fake }), save: () => runIpvsadm(fake.kernel, ['-S', '-n']).stdout };
}

// root reads any file whatever its mode: the binary runs as nobody, on a tree nobody may use
function asNobody(dir: string): Director {
  const kernelDir = join(dir, 'kernel');
  mkdirSync(kernelDir, { mode: 0o777 });
  chmodSync(kernelDir, 0o777);
  const stateFile = createStateFile(join(kernelDir, 'ipvs.json'));
  preloadStateFile(stateFile, LIVE);
  chmodSync(stateFile, 0o666);
  chmodSync(dir, 0o755);
  return {
    run: (argv) => new Promise((resolve, reject) => {
      const child: ChildProcess = spawn(process.execPath, [MAIN, ...argv, '--ipvsadm', FAKE_BIN], {
        uid: 65534, gid: 65534, env: { ...process.env, LVSYNC_FAKE_IPVSADM_STATE: stateFile }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
      child.stderr!.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr, prompts: [] }));
    }),
    save: () => runIpvsadm(readState(stateFile), ['-S', '-n']).stdout,
  };
}

function setUp(file: string, kind: Kind): { dir: string; state: string; director: Director } {
  const dir = tempTree({ 'web.yaml': WEB });
  const state = join(dir, 'state');
  mkdirSync(state, { mode: 0o777 });
  chmodSync(state, 0o777);
  corrupt(state, file, kind);
  return { dir, state, director: kind === 'permission denied' && root ? asNobody(dir) : inProcess() };
}

// what the warning says is wrong (the lock is not JSON: whatever is not a pid "holds no pid")
const REASON: Record<Kind, RegExp> = {
  'bad JSON': /: (is not valid JSON|holds no pid)/, 'wrong shape': /: (is not an lvsync|holds no pid)/, 'wrong version': /: (has version 2|holds no pid)/,
  'a directory': /: is a directory, not a file/, 'permission denied': /: cannot be read: permission denied/, empty: /: is empty/,
  'a dangling symlink': /: is a symbolic link to nothing/,
};

const stateFileWarnings = (stderr: string) => stderr.split('\n').filter((l) => l.includes('warning[STATE_FILE]'));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function applyAndCheck(file: string, kind: Kind): Promise<void> {
  const { dir, state, director } = setUp(file, kind);
  const what = `${file}, ${kind}`;
  const r = await director.run(['apply', join(dir, 'web.yaml'), '--state-dir', state]);
  assert.equal(r.code, 0, `${what}: exit 0\n${r.stderr}`);
  const warnings = stateFileWarnings(r.stderr);
  assert.equal(warnings.length, 1, `${what}: one STATE_FILE report\n${r.stderr}`);
  assert.ok(warnings[0]!.startsWith(`${join(state, file)}: warning[STATE_FILE]: `), `${what}: names the file: ${warnings[0]}`);
  assert.match(warnings[0]!, REASON[kind], `${what}: says what is wrong: ${warnings[0]}`);
  assert.match(warnings[0]!, new RegExp(`moved aside to ${escape(join(state, file))}\\.corrupt-\\d{8}T\\d{6}Z; lvsync `), `${what}: says where it went and what lvsync does`);
  const aside = readdirSync(state).filter((n) => new RegExp(`^${escape(file)}\\.corrupt-\\d{8}T\\d{6}Z$`).test(n));
  assert.equal(aside.length, 1, `${what}: moved aside (${readdirSync(state).join(', ')})`);
  // the original is gone, or rewritten as a usable file
  const path = join(state, file);
  if (existsSync(path)) {
    const parse = FILES[file]!.parse;
    assert.ok(parse && 'ok' in parse(readFileSync(path, 'utf8')), `${what}: rewritten usable`);
  }
  assert.match(director.save(), CONVERGED, `${what}: the table converged`);
  assert.match(director.save(), OLD, `${what}: the service only an inventory could own is still there`);
  // reported once: the next run has nothing to say, and nothing to do
  const again = await director.run(['apply', join(dir, 'web.yaml'), '--state-dir', state]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(stateFileWarnings(again.stderr), [], `${what}: reported once`);
  assert.match(again.stdout, /No changes/);
}

for (const file of Object.keys(FILES)) {
  test(`apply with ${file} broken in every way: exit 0, one STATE_FILE naming it, moved aside, converged`, async () => {
    for (const kind of [...KINDS, ...(file === 'apply.lock' ? ['empty', 'a dangling symlink'] as const : [])]) await applyAndCheck(file, kind);
  });
}

test('control: a usable inventory does own 172.16.0.9:80, so it is the lost inventory that keeps it', async () => {
  const dir = tempTree({ 'web.yaml': WEB, 'state/inventory.json': INVENTORY_WITH_OLD });
  const director = inProcess();
  const r = await director.run(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state')]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(director.save(), OLD);
});

test('the issue\'s case: `{garbage` in inventory.json; apply names the file, keeps what the inventory alone owned, and the plan says how to settle it', async () => {
  const dir = tempTree({ 'web.yaml': WEB, 'state/inventory.json': '{garbage' });
  const state = join(dir, 'state');
  const director = inProcess();
  const r = await director.run(['apply', join(dir, 'web.yaml'), '--state-dir', state]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /inventory\.json: warning\[STATE_FILE\]: is not valid JSON \(Expected property name or '\}' in JSON at position 1/);
  assert.match(r.stdout, /Inventory lost \(.*inventory\.json\.corrupt-\d{8}T\d{6}Z\):\n {2}1 live service\(s\) neither declared nor inside the scope are kept.*\n {4}tcp 172\.16\.0\.9:80\n.*--lost-inventory delete.*\n.*--lost-inventory keep/);
  assert.match(director.save(), OLD);
  assert.match(director.save(), CONVERGED);
});

test('plan only reads: a broken state file is reported in the plan (JSON warnings name it) and left in place', async () => {
  for (const file of ['inventory.json', 'drains.json', 'health.json']) {
    const dir = tempTree({ 'web.yaml': WEB });
    const state = join(dir, 'state');
    corrupt(state, file, 'bad JSON');
    const r = await runCli(['plan', join(dir, 'web.yaml'), '--state-dir', state, '--json'], { ipvsadm: fakeWithTable(LIVE) });
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { warnings: { code: string; file?: string; message: string }[]; operations: { kind: string }[] };
    const warnings = plan.warnings.filter((w) => w.code === 'STATE_FILE');
    assert.equal(warnings.length, 1, file);
    assert.equal(warnings[0]!.file, join(state, file));
    assert.match(warnings[0]!.message, /left in place/);
    assert.deepEqual(readdirSync(state), [file], `${file}: plan moves nothing`);
    assert.deepEqual(plan.operations.map((o) => o.kind), ['edit-server'], `${file}: no delete of 172.16.0.9:80`);
  }
});

test('status only reads: broken health.json and drains.json are reported on stderr, the table still shown', async () => {
  const dir = tempTree({});
  const state = join(dir, 'state');
  corrupt(state, 'health.json', 'wrong version');
  corrupt(state, 'drains.json', 'a directory');
  const r = await runCli(['status', '--state-dir', state], { ipvsadm: fakeWithTable(LIVE) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(stateFileWarnings(r.stderr).length, 2, r.stderr);
  assert.match(r.stderr, /health\.json: warning\[STATE_FILE\]: has version 2/);
  assert.match(r.stderr, /drains\.json: warning\[STATE_FILE\]: is a directory/);
  assert.match(r.stdout, /172\.16\.0\.9:80/);
  assert.deepEqual(readdirSync(state).sort(), ['drains.json', 'health.json']);
});

test('a lock whose pid now runs another program (the lvsync that wrote it died, the pid was reused) is taken over', async (t) => {
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => { sleeper.kill('SIGKILL'); });
  await new Promise((resolve) => sleeper.once('spawn', resolve));
  const dir = tempTree({ 'web.yaml': WEB, 'state/apply.lock': `${sleeper.pid}\n` });
  const director = inProcess();
  const r = await director.run(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(director.save(), CONVERGED);
  assert.equal(existsSync(join(dir, 'state/apply.lock')), false, 'released');
  // a lock held by a live lvsync (this very node process) still blocks
  writeFileSync(join(dir, 'state/apply.lock'), `${process.pid}\n`);
  const held = await director.run(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state')]);
  assert.equal(held.code, 1);
  assert.match(held.stderr, /another lvsync \(pid \d+\) is applying/);
});
