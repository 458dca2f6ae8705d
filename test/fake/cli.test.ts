// The executable fake (test/fixtures/bin/ipvsadm): state file persistence between processes,
// -R from stdin, the invocation log, unavailable mode and concurrent writers.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { readState } from '../fake-ipvsadm/state-file.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'test/fixtures/bin/ipvsadm');

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lvsync-fake-cli-'));
}

function run(args: string[], env: Record<string, string>, input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(BIN, args, { input: input ?? '', encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('executable fake ipvsadm', () => {
  test('creates the state file and keeps the table between processes', () => {
    const state = join(tempDir(), 'state.json');
    const env = { LVSYNC_FAKE_IPVSADM_STATE: state };
    assert.equal(existsSync(state), false);
    assert.deepEqual(run(['-A', '-t', '10.0.0.1:80', '-s', 'rr'], env), { status: 0, stdout: '', stderr: '' });
    assert.ok(existsSync(state));
    assert.equal(run(['-a', '-t', '10.0.0.1:80', '-r', '192.168.1.10:8080', '-m', '-w', '3'], env).status, 0);
    const saved = run(['-S', '-n'], env);
    assert.equal(saved.stdout, '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 192.168.1.10:8080 -m -w 3\n');
    assert.deepEqual(run(['-A', '-t', '10.0.0.1:80'], env), { status: 255, stdout: '', stderr: 'Service already exists\n' });
  });

  test('reads -R input from stdin and reports the last line status', () => {
    const state = join(tempDir(), 'state.json');
    const env = { LVSYNC_FAKE_IPVSADM_STATE: state };
    const r = run(['-R'], env, '-A -t 10.0.0.1:80\n-A -t 10.0.0.1:80\n-A -u 10.0.0.2:53 -s rr\n');
    assert.deepEqual(r, { status: 0, stdout: '', stderr: 'Service already exists\n' });
    assert.equal(run(['-S', '-n'], env).stdout, '-A -t 10.0.0.1:80 -s wlc\n-A -u 10.0.0.2:53 -s rr\n');
  });

  test('does not wait for stdin unless the command is -R', () => {
    const state = join(tempDir(), 'state.json');
    const child = spawn(BIN, ['-L', '-n'], { env: { ...process.env, LVSYNC_FAKE_IPVSADM_STATE: state }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    return new Promise<void>((done, fail) => {
      const timer = setTimeout(() => {
        child.kill();
        fail(new Error('fake ipvsadm -L blocked on an open stdin'));
      }, 10_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        child.stdin.destroy();
        assert.equal(code, 0);
        assert.match(out, /^IP Virtual Server version 1\.2\.1 \(size=4096\)\n/);
        done();
      });
    });
  });

  test('logs one JSON line per invocation', () => {
    const dir = tempDir();
    const log = join(dir, 'calls.jsonl');
    const env = { LVSYNC_FAKE_IPVSADM_STATE: join(dir, 'state.json'), LVSYNC_FAKE_IPVSADM_LOG: log };
    run(['-A', '-t', '10.0.0.1:80'], env);
    run(['-R'], env, '-a -t 10.0.0.1:80 -r 192.168.1.1\n');
    run(['-D', '-t', '10.0.0.9:80'], env);
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(lines, [
      { argv: ['-A', '-t', '10.0.0.1:80'], stdin: null, exitCode: 0, stderr: '' },
      { argv: ['-R'], stdin: '-a -t 10.0.0.1:80 -r 192.168.1.1\n', exitCode: 0, stderr: '' },
      { argv: ['-D', '-t', '10.0.0.9:80'], stdin: null, exitCode: 255, stderr: 'No such service\n' },
    ]);
  });

  test('unavailable mode fails every call like a host without IPVS and touches nothing', () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    for (const args of [['-L', '-n'], ['-v'], ['-A', '-t', '10.0.0.1:80']]) {
      const r = run(args, { LVSYNC_FAKE_IPVSADM_STATE: state, LVSYNC_FAKE_IPVSADM_UNAVAILABLE: '1' });
      assert.deepEqual(r, {
        status: 2,
        stdout: '',
        stderr:
          "Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n",
      });
    }
    assert.equal(existsSync(state), false);
  });

  test('refuses to run without a state file setting', () => {
    const env: Record<string, string> = {};
    const r = spawnSync(BIN, ['-L', '-n'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /LVSYNC_FAKE_IPVSADM_STATE/);
  });

  test('concurrent invocations do not lose updates', async () => {
    const state = join(tempDir(), 'state.json');
    const env = { ...process.env, LVSYNC_FAKE_IPVSADM_STATE: state };
    const n = 16;
    const codes = await Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          new Promise<number | null>((done) => {
            const child = spawn(BIN, ['-A', '-t', `10.0.1.${i + 1}:80`], { env, stdio: 'ignore' });
            child.on('exit', (code) => done(code));
          }),
      ),
    );
    assert.deepEqual(codes, new Array<number>(n).fill(0));
    assert.equal(readState(state).state.services.length, n);
  });

  test('a state file written by hand is picked up (e.g. counters set by a test)', () => {
    const dir = tempDir();
    const state = join(dir, 'state.json');
    const env = { LVSYNC_FAKE_IPVSADM_STATE: state };
    run(['-A', '-t', '10.0.0.1:80'], env);
    run(['-a', '-t', '10.0.0.1:80', '-r', '192.168.1.1'], env);
    const json = JSON.parse(readFileSync(state, 'utf8')) as { services: Array<{ dests: Array<{ activeConns: number }> }> };
    json.services[0]!.dests[0]!.activeConns = 42;
    writeFileSync(state, JSON.stringify(json));
    assert.match(run(['-L', '-n'], env).stdout, / {2}-> 192\.168\.1\.1:80 {15}Route {3}1 {6}42 {9}0 {9}\n/);
  });
});
