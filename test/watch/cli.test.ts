import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CliIo, DaemonSignal } from '../../src/cli/io.js';
import { run } from '../../src/cli/run.js';
import { createStateFile } from '../fake-ipvsadm/state-file.js';
import { checkBudget } from '../../src/health/budget.js';
import { readOpenFileLimit } from '../../src/health/fd-limit.js';
import { parseDuration } from '../../src/watch/duration.js';
import { parseListen } from '../../src/watch/server.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { fakeWithTable } from '../helpers/in-memory-ipvsadm.js';
import { WEB } from './daemon-helpers.js';
import { eventually } from './helpers.js';

const REPO = new URL('../../../', import.meta.url).pathname;
const FAKE_BIN = join(REPO, 'test/fixtures/bin/ipvsadm');
const MAIN = join(REPO, 'dist/src/cli/main.js');

test('usage errors exit 64: no PATH, unreadable --interval, too short, bad --listen, bad --log-format, bad --health-concurrency, bad --metrics-servers, bad --scrape-interval', async () => {
  const dir = tempTree({ 'web.yaml': WEB });
  const cases: [string[], RegExp][] = [
    [['watch'], /watch needs at least one PATH/],
    [['watch', dir, '--interval', 'soon'], /--interval: cannot read 'soon'/],
    [['watch', dir, '--interval', '200ms'], /--interval must be at least 1s/],
    [['watch', dir, '--listen', 'localhost'], /--listen: expected HOST:PORT/],
    [['watch', dir, '--log-format', 'xml'], /--log-format: expected auto, json or pretty/],
    [['watch', dir, '--health-concurrency', '0'], /--health-concurrency: expected a whole number from 1 to 1000000/],
    [['watch', dir, '--health-concurrency', 'auto'], /--health-concurrency: expected a whole number/],
    [['watch', dir, '--metrics-servers=no'], /--metrics-servers: expected true or false/],
    [['watch', dir, '--scrape-interval', '500ms'], /--scrape-interval: expected a duration of at least 1s/],
    [['watch', dir, '--scrape-interval', 'often'], /--scrape-interval: expected a duration/],
  ];
  for (const [argv, message] of cases) {
    const r = await runCli(argv);
    assert.equal(r.code, 64, argv.join(' '));
    assert.match(r.stderr, message);
  }
});

test('durations and listen addresses', () => {
  assert.deepEqual(['10s', '500ms', '2m', '1m30s', '1h', '15', '0.5', 'x', '10 s', ''].map(parseDuration), [10_000, 500, 120_000, 90_000, 3_600_000, 15_000, 500, null, null, null]);
  assert.deepEqual(parseListen('127.0.0.1:9110'), { host: '127.0.0.1', port: 9110 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen(':9110'), { host: '0.0.0.0', port: 9110 });
  assert.equal(parseListen('127.0.0.1'), null);
  assert.equal(parseListen('127.0.0.1:70000'), null);
});

test('lvsync watch in-process: JSON log lines, SIGHUP runs a pass, SIGTERM finishes and returns 0', async () => {
  const dir = tempTree({ 'conf/web.yaml': WEB });
  const fake = fakeWithTable('');
  let out = '';
  const handlers = new Map<DaemonSignal, () => void>();
  const io: CliIo = {
    stdout: (t) => { out += t; },
    stderr: (t) => { out += t; },
    readStdin: async () => '',
    interactive: false,
    color: false,
    prompt: async () => '',
    env: {},
    createIpvsadm: () => fake,
    hostname: () => 'director-test',
    onSignal: (signal, handler) => { handlers.set(signal, handler); return () => handlers.delete(signal); },
  };
  // above the old fixed maximum of 1024: the open-file limit is what bounds it now
  const done = run(['watch', join(dir, 'conf'), '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--health-concurrency', '2000', '--metrics-servers=false', '--scrape-interval', '30s'], io);
  const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  await eventually(() => lines().some((l) => l.pass === 1), 'the first pass');
  const url = String(lines().find((l) => typeof l.listen === 'string')?.listen);
  const fdCap = checkBudget(readOpenFileLimit()).fdCap;
  assert.deepEqual(lines().find((l) => typeof l.listen === 'string')?.healthChecksInFlight, { sockets: Math.min(2000, fdCap), exec: 64, fdLimit: checkBudget(readOpenFileLimit()).fdLimit });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  // --metrics-servers=false: the per-service series, none per real server
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /^lvsync_service_connections_total\{service="web",protocol="tcp",address="192\.168\.10\.100",port="80"\} 0$/m);
  assert.doesNotMatch(metrics, /^lvsync_real_server_weight\{/m);
  handlers.get('SIGHUP')!();
  await eventually(() => lines().some((l) => l.pass === 2), 'the SIGHUP pass');
  assert.deepEqual(lines().find((l) => l.pass === 2)?.reasons, ['sighup']);
  handlers.get('SIGTERM')!();
  assert.equal(await done, 0);
  assert.equal(handlers.size, 0, 'signal handlers removed');
  assert.ok(lines().some((l) => l.msg === 'lvsync watch stopped'));
  await assert.rejects(fetch(`${url}/healthz`), 'the HTTP server is closed');
});

const fakeBinReady = existsSync(FAKE_BIN) && existsSync(join(REPO, 'dist/test/fake-ipvsadm/cli.js'));

test('the real binary with the executable fake ipvsadm: SIGHUP → pass, SIGTERM → exit 0, table kept', { skip: fakeBinReady ? false : 'test/fixtures/bin/ipvsadm (the executable fake) is not built' }, async () => {
  const dir = tempTree({ 'conf/web.yaml': WEB });
  const stateFile = createStateFile(join(dir, 'ipvs.json'));
  const child = spawn(process.execPath, [MAIN, 'watch', join(dir, 'conf'), '--interval', '1m', '--listen', '127.0.0.1:0',
    '--state-dir', join(dir, 'state'), '--ipvsadm', FAKE_BIN], { env: { ...process.env, LVSYNC_FAKE_IPVSADM_STATE: stateFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    await eventually(() => lines().some((l) => l.pass === 1), `the first pass (stderr: ${err})`, 60_000);
    assert.equal(lines().find((l) => l.pass === 1)?.outcome, 'applied');
    child.kill('SIGHUP');
    await eventually(() => lines().some((l) => l.pass === 2), 'the SIGHUP pass', 60_000);
    assert.deepEqual(lines().find((l) => l.pass === 2)?.reasons, ['sighup']);
    assert.equal(lines().find((l) => l.pass === 2)?.outcome, 'in-sync');
    const before = readFileSync(stateFile, 'utf8');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    assert.equal(readFileSync(stateFile, 'utf8'), before, 'shutdown never touches the kernel');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a --listen port already in use fails the command (exit 1) and leaves nothing running', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  const port = (blocker.address() as { port: number }).port;
  const dir = tempTree({ 'conf/web.yaml': WEB });
  const fake = fakeWithTable('');
  let err = '';
  const io: CliIo = {
    stdout: () => undefined, stderr: (t) => { err += t; }, readStdin: async () => '', interactive: false, color: false,
    prompt: async () => '', env: {}, createIpvsadm: () => fake, hostname: () => 'director-test', onSignal: () => () => undefined,
  };
  const code = await run(['watch', join(dir, 'conf'), '--listen', `127.0.0.1:${port}`, '--state-dir', join(dir, 'state')], io);
  blocker.close();
  assert.equal(code, 1);
  assert.match(err, /EADDRINUSE/);
  assert.equal(fake.calls.length, 0, 'no pass ran');
});

test('SIGTERM while a pass waits for ipvsadm: the pass finishes, then exit 0 (not killed by execa\'s signal cleanup)', { skip: fakeBinReady ? false : 'test/fixtures/bin/ipvsadm (the executable fake) is not built' }, async () => {
  const dir = tempTree({ 'conf/web.yaml': WEB });
  const stateFile = createStateFile(join(dir, 'ipvs.json'));
  // a slow ipvsadm, so that the signal lands while the first pass is running it
  const slow = join(dir, 'slow-ipvsadm');
  const marker = join(dir, 'ipvsadm-running');
  writeFileSync(slow, `#!/bin/sh\ntouch ${JSON.stringify(marker)}\nsleep 1\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(FAKE_BIN)} "$@"\n`, { mode: 0o755 });
  const child = spawn(process.execPath, [MAIN, 'watch', join(dir, 'conf'), '--interval', '1m', '--listen', 'off',
    '--state-dir', join(dir, 'state'), '--ipvsadm', slow], { env: { ...process.env, LVSYNC_FAKE_IPVSADM_STATE: stateFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  const exited = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  try {
    await eventually(() => existsSync(marker), 'the first pass to start ipvsadm', 60_000);
    assert.ok(!out.includes('"pass":1'), 'the first pass is still running');
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const msgs = lines.map((l) => String(l.msg));
    assert.ok(lines.some((l) => l.pass === 1), 'the running pass was allowed to finish');
    assert.ok(msgs.indexOf('lvsync watch stopped') > lines.findIndex((l) => l.pass === 1));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
