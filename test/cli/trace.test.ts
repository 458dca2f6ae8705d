import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// LVSYNC_TRACE is wired in the process entry point, so these run the built CLI against the executable fake ipvsadm
const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = join(root, 'dist/src/cli/main.js');
const fakeIpvsadm = join(root, 'test/fixtures/bin/ipvsadm');

function withoutTrace(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { LVSYNC_TRACE: _ignored, ...rest } = env;
  return rest;
}

function apply(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-trace-'));
  try {
    const r = spawnSync(process.execPath, [main, 'apply', join(root, 'examples/nat-web.yaml'), '--yes', '--state-dir', join(dir, 'state'), '--ipvsadm', fakeIpvsadm], {
      env: { ...withoutTrace(process.env), LVSYNC_FAKE_IPVSADM_STATE: join(dir, 'kernel.json'), ...env }, encoding: 'utf8',
    });
    return { code: r.status, stderr: r.stderr, stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('LVSYNC_TRACE=1: one timed line per step of an apply, in order, on stderr', () => {
  const r = apply({ LVSYNC_TRACE: '1' });
  assert.equal(r.code, 0, r.stderr);
  const events = r.stderr.split('\n').filter((l) => l.startsWith('lvsync trace ')).map((l) => l.replace(/^lvsync trace \d+\.\d{3} s: /, ''));
  const shapes = events.map((e) => e.replace(/after \d+\.\d{3} s/, 'after T').replace(/\d+/g, 'N'));
  assert.deepEqual(shapes, [
    'loading the desired state from ' + join(root, 'examples/nat-web.yaml').replace(/\d+/g, 'N'),
    'desired state loaded: N services, N diagnostics',
    'ipvsadm -S -n started',
    'ipvsadm -S -n exited N after T (N lines out)',
    'live table parsed: N services',
    'planned: N operations',
    'plan printed',
    'ipvsadm -R (N lines in) started',
    'ipvsadm -R exited N after T (N lines out)',
    'ipvsadm -S -n started',
    'ipvsadm -S -n exited N after T (N lines out)',
    'live table parsed: N services',
    'exit N',
  ]);
  assert.match(events.at(-1)!, /^exit 0$/);
  // the times are seconds since the process started, never decreasing
  const times = r.stderr.split('\n').filter((l) => l.startsWith('lvsync trace ')).map((l) => Number(/^lvsync trace (\d+\.\d{3}) s/.exec(l)![1]));
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, `${times[i]} after ${times[i - 1]}`);
  assert.match(r.stdout, /Apply complete/);
});

test('without LVSYNC_TRACE (or with 0) nothing is traced', () => {
  const envs: Record<string, string>[] = [{}, { LVSYNC_TRACE: '0' }];
  for (const env of envs) {
    const r = apply(env);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /lvsync trace/);
  }
});
