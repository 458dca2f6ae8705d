import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDesired } from '../../src/desired/load.js';
import { formatSave } from '../../src/live/format-save.js';
import { tempTree } from '../helpers/cli.js';
import { IN_VM, REPO, SKIP, applicableExamples, addNamespaceHost, kernelTable, must, resetKernel, sh, tempStateDir, waitForPort, type Sh } from './helpers.js';

/**
 * The single executable (`npm run package`, dist/pkg/) on the real kernel, with Node hidden from it:
 * each run is in a private mount namespace where every `node` on the PATH is /dev/null bind-mounted
 * over, so a run that needed the host's Node (or spawned `node`) would fail. It applies every
 * example (the second plan is empty), serves the watch daemon's status page and /metrics, and runs
 * an https health check. The test itself, the real servers and the checks of the kernel table run
 * in this node process, outside that namespace.
 */

const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
const EXE = join(REPO, `dist/pkg/lvsync-${version}-linux-x64`);
const skip = SKIP || (existsSync(EXE) ? false : `${EXE} is not built (npm run package)`);

// every node on the PATH (and /usr/bin/node), each covered by /dev/null in the namespace
const nodes = IN_VM ? [...new Set(['/usr/bin/node', ...sh('which -a node').stdout.split('\n').filter((p) => p !== '')])] : [];
const HIDE = `${nodes.map((n) => `mount --bind /dev/null '${n}'`).join(' && ')} && exec "$0" "$@"`;
const hidden = (args: string[]) => ['-m', 'sh', '-c', HIDE, ...args];

/** The executable, with node hidden; `unshare` execs sh, which execs it: the pid is lvsync's. */
function exe(args: string[]): Sh {
  const r = spawnSync('unshare', hidden([EXE, ...args]), { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: '/tmp', NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const examplesDir = join(REPO, 'examples');
const examples = IN_VM ? applicableExamples(examplesDir) : [];

describe('the single executable with node hidden', { skip }, () => {
  test('in the namespace node cannot run, and the executable can', () => {
    const r = spawnSync('unshare', hidden(['sh', '-c', 'node -e 0']), { encoding: 'utf8' });
    assert.notEqual(r.status, 0, 'node still runs in the namespace');
    const v = exe(['--version']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`^lvsync ${version.replaceAll('.', '\\.')} \\(commit `));
  });

  for (const name of examples) {
    test(`example ${name}: apply, then the second plan is empty and the kernel holds the desired table`, async () => {
      const path = join(examplesDir, name);
      const state = tempStateDir();
      resetKernel();
      const apply = exe(['apply', path, '--yes', '--state-dir', state]);
      assert.equal(apply.code, 0, apply.stdout + apply.stderr);
      const plan = exe(['plan', path, '--state-dir', state, '--detailed-exitcode']);
      assert.equal(plan.code, 0, plan.stdout + plan.stderr);
      const { state: desired } = await loadDesired([path]);
      assert.ok(desired);
      assert.equal(formatSave(kernelTable()), formatSave(desired.table));
    });
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function get(url: string): Promise<{ status: number; body: string } | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, body: await res.text() };
  } catch {
    return null;
  }
}

describe('lvsync watch from the executable: status page and /metrics', { skip }, () => {
  let child: ChildProcess | null = null;
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    resetKernel();
  });

  test('the daemon applies the config, serves / and /metrics, and exits 0 on SIGTERM', async () => {
    resetKernel();
    const dir = tempTree({ 'conf/web.yaml': 'version: 1\nservices:\n  - { name: web, protocol: tcp, address: 10.98.0.1, port: 80, scheduler: wrr, realServers: [{ address: 10.98.1.1, port: 8080, method: nat, weight: 2 }] }\n' });
    const listen = '127.0.0.1:9311';
    child = spawn('unshare', hidden([EXE, 'watch', join(dir, 'conf'), '--interval', '5s', '--listen', listen, '--log-format', 'pretty', '--state-dir', tempStateDir()]), { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: '/tmp' } });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const end = Date.now() + 120_000;
    let ready = await get(`http://${listen}/readyz`);
    while (ready?.status !== 200) {
      assert.equal(child.exitCode, null, `watch exited: ${log}`);
      assert.ok(Date.now() < end, `/readyz never said ready: ${JSON.stringify(ready)}\n${log}`);
      await sleep(500);
      ready = await get(`http://${listen}/readyz`);
    }
    assert.match(formatSave(kernelTable()), /^-a -t 10\.98\.0\.1:80 -r 10\.98\.1\.1:8080 -m -w 2$/m);
    const page = await get(`http://${listen}/`);
    assert.equal(page?.status, 200);
    assert.match(page!.body, /<title>lvsync · /);
    assert.match(page!.body, /10\.98\.0\.1/);
    const metrics = await get(`http://${listen}/metrics`);
    assert.equal(metrics?.status, 200);
    assert.match(metrics!.body, /^lvsync_\w+/m);
    assert.match(metrics!.body, /^process_cpu_seconds_total /m, 'prom-client\'s default metrics');
    assert.match(log, /INFO: lvsync watch started/, 'pino-pretty rendered the log');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, log);
  });
});

describe('an https health check from the executable', { skip }, () => {
  const servers: ChildProcess[] = [];
  let certDir = '';
  before(async () => {
    resetKernel();
    certDir = tempTree({});
    must(`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=lvsync-test -keyout ${certDir}/key.pem -out ${certDir}/cert.pem 2>/dev/null`);
    addNamespaceHost('xrs1', 'vx-rs1', '10.33.1');
    addNamespaceHost('xrs2', 'vx-rs2', '10.33.2');
    // xrs1 serves https; xrs2 serves plain http on the same port, which an https check must call down
    const https = `require('node:https').createServer({ key: require('node:fs').readFileSync('${certDir}/key.pem'), cert: require('node:fs').readFileSync('${certDir}/cert.pem') }, (q, s) => s.end('tls ok')).listen(8443)`;
    const plain = "require('node:http').createServer((q, s) => s.end('plain')).listen(8443)";
    servers.push(spawn('ip', ['netns', 'exec', 'xrs1', process.execPath, '-e', https], { stdio: 'ignore' }));
    servers.push(spawn('ip', ['netns', 'exec', 'xrs2', process.execPath, '-e', plain], { stdio: 'ignore' }));
    await waitForPort('10.33.1.2', 8443);
    await waitForPort('10.33.2.2', 8443);
  });
  after(() => {
    for (const s of servers) s.kill('SIGKILL');
    sh('ip netns del xrs1; ip netns del xrs2');
    resetKernel();
  });

  test('plan --health: the https server is up, the plain one down and planned at weight 0', () => {
    const state = tempStateDir();
    const dir = tempTree({ 'web.yaml': `version: 1
services:
  - name: tls
    address: 10.52.0.10
    port: 443
    scheduler: wrr
    healthCheck: { type: https, path: /, expectBody: tls ok, timeout: 5s }
    realServers:
      - { address: 10.33.1.2, port: 8443, method: nat, weight: 1 }
      - { address: 10.33.2.2, port: 8443, method: nat, weight: 1 }
` });
    const file = join(dir, 'web.yaml');
    const apply = exe(['apply', file, '--yes', '--state-dir', state]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    const plan = exe(['plan', file, '--health', '--state-dir', state, '--detailed-exitcode']);
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    assert.match(plan.stderr, /--health: checked 2 real server\(s\), 1 down\n {2}down: 10\.33\.2\.2:8443 of tcp 10\.52\.0\.10:443 \(https\)/);
    assert.deepEqual(plan.stdout.split('\n').filter((l) => l.startsWith('  ipvsadm ')), ['  ipvsadm -e -t 10.52.0.10:443 -r 10.33.2.2:8443 -m -w 0']);
    const applied = exe(['apply', file, '--health', '--yes', '--state-dir', state]);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.match(formatSave(kernelTable()), /^-a -t 10\.52\.0\.10:443 -r 10\.33\.1\.2:8443 -m -w 1$/m);
    assert.match(formatSave(kernelTable()), /^-a -t 10\.52\.0\.10:443 -r 10\.33\.2\.2:8443 -m -w 0$/m);
  });
});
