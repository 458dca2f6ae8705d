import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadDesired } from '../../src/desired/load.js';
import { formatSave } from '../../src/live/format-save.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { createExecIpvsadm } from '../../src/ipvsadm/exec.js';
import { systemClock } from '../../src/watch/clock.js';
import { startDaemon } from '../../src/watch/daemon.js';
import { createLogger } from '../../src/watch/logger.js';
import { tempTree } from '../helpers/cli.js';
import { REPO, SKIP, lvsync, must, sh, tempStateDir, type Sh } from './helpers.js';

/**
 * Faults on the real kernel (issue 13): what lvsync does when it is killed, raced, fed broken state
 * files, given an ipvsadm that fails, an emptied config or a burst of edits. Every test has its own
 * fresh network namespace (its own IPVS table, no dest trash left by other suites): lvsync reaches it
 * through a wrapper script given as --ipvsadm, which can also inject faults (see Director). Applies
 * that are killed or raced run the real binary; the daemon runs in this process (startWatch) except
 * where the process itself is killed.
 * Runs inside the VM only: test/kernel/vm.sh -- node --test dist/test/kernel/faults.ktest.js
 */

const MAIN = join(REPO, 'dist/src/cli/main.js');
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: (() => void)[] = [];

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs: number, stepMs = 100, context: () => string = () => ''): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined;
    try { v = await fn(); } catch { v = undefined; } // e.g. the HTTP server not listening yet
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context()}`);
    await sleep(stepMs);
  }
}

let namespaces = 0;

/**
 * A director: a fresh network namespace (`ip netns`) and an ipvsadm wrapper for it. The wrapper
 * records every call as "pid first-argument" in `calls`, fails (exit 1) while the file `fail`
 * exists, holds a `-R` while the file `gate` exists, and otherwise execs the real ipvsadm inside
 * the namespace (nsenter execs, so the recorded pid becomes the ipvsadm process).
 */
class Director {
  readonly ns: string;
  readonly dir: string;
  readonly ipvsadm: string;

  constructor(tag: string) {
    this.ns = `flt-${tag}-${++namespaces}`;
    this.dir = mkdtempSync(join(tmpdir(), `lvsync-${this.ns}-`));
    this.ipvsadm = join(this.dir, 'ipvsadm');
    must(`ip netns add ${this.ns}`);
    this.exec('ip link set lo up && ip route add default dev lo');
    writeFileSync(this.ipvsadm, `#!/bin/sh
d='${this.dir}'
echo "$$ $1" >> "$d/calls"
if [ -e "$d/fail" ]; then echo "ipvsadm: fault injected by the test: netlink unavailable" >&2; exit 1; fi
if [ "$1" = -R ]; then while [ -e "$d/gate" ]; do sleep 0.05; done; fi
exec nsenter --net=/run/netns/${this.ns} ipvsadm "$@"
`);
    chmodSync(this.ipvsadm, 0o755);
    cleanups.push(() => sh(`ip netns del ${this.ns}`));
  }

  /** a shell command inside the namespace */
  exec(command: string): string {
    return must(`ip netns exec ${this.ns} sh -c '${command}'`);
  }

  run(args: string[]): Sh {
    const r = spawnSync(this.ipvsadm, args, { encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  save(): string {
    const r = this.run(['-S', '-n']);
    if (r.code !== 0) throw new Error(`ipvsadm -S -n in ${this.ns} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** the kernel table in lvsync's canonical save form (sorted), for exact comparisons */
  table(): string {
    const parsed = parseIpvsadmSave(this.save());
    assert.deepEqual(parsed.diagnostics, []);
    return formatSave(parsed.table);
  }

  services(): number {
    return this.save().split('\n').filter((l) => l.startsWith('-A ')).length;
  }

  weightOf(server: string): string | undefined {
    return new RegExp(`-r ${server.replace(/\./g, '\\.')} -m -w (\\d+)`).exec(this.save())?.[1];
  }

  setFailing(on: boolean): void { this.flag('fail', on); }
  setGate(on: boolean): void { this.flag('gate', on); }

  private flag(name: string, on: boolean): void {
    if (on) writeFileSync(join(this.dir, name), '');
    else rmSync(join(this.dir, name), { force: true });
  }

  /** pids of the wrapper calls whose first argument was `arg` */
  calls(arg: string): number[] {
    const text = existsSync(join(this.dir, 'calls')) ? readFileSync(join(this.dir, 'calls'), 'utf8') : '';
    return text.split('\n').filter((l) => l.split(' ')[1] === arg).map((l) => Number(l.split(' ')[0]));
  }
}

/** The desired table of a config, in the canonical save form. */
async function desiredTable(path: string): Promise<string> {
  const { state } = await loadDesired([path]);
  assert.ok(state);
  return formatSave(state.table);
}

/** Gone, or a zombie that nobody reaped (an orphan's new parent may never wait for it): finished. */
function finished(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true;
  }
}

interface Spawned {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The real binary (the process is what the faults act on), output collected as it arrives. */
function spawnCli(argv: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [MAIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { err += c; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** A running `lvsync watch`, seen through its JSON log and its HTTP endpoints. */
interface Watch {
  readonly url: string;
  /** the JSON log lines so far */
  lines(): Record<string, unknown>[];
  messages(): string[];
  readyz(): Promise<{ status: number; text: string }>;
  /** the log line of pass n, once it has finished */
  pass(n: number): Record<string, unknown> | undefined;
  /** SIGTERM: the daemon stops cleanly */
  stop(): Promise<void>;
}

function watchOf(url: string, lines: () => Record<string, unknown>[], stop: () => Promise<void>): Watch {
  return {
    url,
    lines,
    messages: () => lines().map((l) => String(l.msg)),
    readyz: async () => {
      const r = await fetch(`${url}/readyz`);
      return { status: r.status, text: await r.text() };
    },
    pass: (n) => lines().find((l) => l.pass === n),
    stop,
  };
}

interface InProcessWatch extends Watch {
  /** a pass now, as the interval timer requests one */
  requestPass(): void;
  /** a pass is running */
  busy(): boolean;
}

/**
 * The daemon in this process (startDaemon, as the CLI assembles it, with the real file watcher and
 * HTTP endpoints): a spawned daemon pays Node's start-up and module loading under emulation, 30 s
 * and more on a busy host. Only the kill -9 test, whose subject is the process, spawns the binary.
 */
async function startWatch(director: Director, config: string, state: string, intervalMs: number): Promise<InProcessWatch> {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ format: 'json', write: (l) => { lines.push(JSON.parse(l) as Record<string, unknown>); } });
  const daemon = await startDaemon({
    paths: [config], intervalMs, detectOnly: false, listen: { host: '127.0.0.1', port: 0 }, stateDir: state,
    perCommand: false, allowMassDelete: false, hostname: 'kernel-vm', version: 'test',
  }, { ipvsadm: createExecIpvsadm({ binary: director.ipvsadm }), clock: systemClock, log });
  let stopped = false;
  cleanups.push(() => { if (!stopped) void daemon.stop('SIGTERM'); });
  return {
    ...watchOf(daemon.url!, () => lines, async () => {
      stopped = true;
      const { timedOut } = await daemon.stop('SIGTERM');
      assert.equal(timedOut, false, 'the daemon stops within its shutdown timeout');
    }),
    requestPass: () => daemon.loop.request('interval'),
    busy: () => daemon.loop.state.running,
  };
}

interface SpawnedWatch extends Watch, Spawned {}

/** The real binary, for what happens to the process. */
async function spawnWatch(director: Director, config: string, state: string, interval: string): Promise<SpawnedWatch> {
  const startedAt = Date.now();
  const spawned = spawnCli(['watch', config, '--interval', interval, '--listen', '127.0.0.1:0', '--state-dir', state,
    '--ipvsadm', director.ipvsadm, '--log-format', 'json']);
  const lines = () => spawned.stdout().split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  const started = await until('the daemon to start', () => lines().find((l) => typeof l.listen === 'string'), 120_000, 100,
    () => `; stderr: ${spawned.stderr()}`);
  console.log(`# lvsync watch (the binary) started in ${Date.now() - startedAt} ms`);
  return {
    ...spawned,
    ...watchOf(String(started.listen), lines, async () => {
      spawned.child.kill('SIGTERM');
      const { code } = await spawned.exited;
      assert.equal(code, 0, `the daemon exits 0 on SIGTERM; stderr: ${spawned.stderr()}`);
    }),
  };
}

/** `plan --detailed-exitcode` in this process: 0 when the kernel matches the config. */
async function secondPlan(director: Director, config: string, state: string): Promise<void> {
  const plan = await lvsync(['plan', config, '--state-dir', state, '--ipvsadm', director.ipvsadm, '--detailed-exitcode']);
  assert.equal(plan.code, 0, `the second plan is empty:\n${plan.stdout}${plan.stderr}`);
}

function stateFiles(state: string): string[] {
  return readdirSync(state).sort();
}

function inventory(state: string): string[] {
  return (JSON.parse(readFileSync(join(state, 'inventory.json'), 'utf8')) as { services: string[] }).services;
}

function drains(state: string): { id: string; startedAt: number; deadline: number }[] {
  const path = join(state, 'drains.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { drains: { id: string; startedAt: number; deadline: number }[] }).drains : [];
}

/** n services, two NAT real servers each: a -R of 3n lines */
function bigConfig(n: number): string {
  const lines = ['version: 1', 'services:'];
  for (let i = 0; i < n; i++) {
    const ab = `${i >> 8}.${i & 255}`;
    lines.push(`  - { name: s${i}, protocol: tcp, address: 10.60.${ab}, port: 80, scheduler: wlc, realServers: [{ address: 10.61.${ab}, port: 8080, method: nat }, { address: 10.62.${ab}, port: 8080, method: nat }] }`);
  }
  return `${lines.join('\n')}\n`;
}

/** one NAT service with two real servers; `weight` on the first */
const small = (weight: number) => `version: 1
services:
  - name: web
    protocol: tcp
    address: 10.65.0.1
    port: 80
    scheduler: wrr
    realServers:
      - { address: 10.66.0.1, port: 8080, method: nat, weight: ${weight} }
      - { address: 10.66.0.2, port: 8080, method: nat, weight: 1 }
`;

describe('faults on the real kernel (issue 13)', { skip: SKIP }, () => {
  after(() => {
    for (const c of cleanups.reverse()) {
      try { c(); } catch { /* best effort */ }
    }
  });

  test('kill -9 of apply in the middle of a big -R: apply again converges, the second plan is empty, the state is consistent', async () => {
    const N = 500;
    // the kill must land inside the batch; under load it once came when the kernel held none of it
    // (0 of 500), which tests nothing: such an attempt is retried on a fresh director, at most 3 times
    const attempt = async (n: number) => {
      const d = new Director(`kill-apply-${n}`);
      const state = tempStateDir();
      const config = join(tempTree({ 'big.yaml': bigConfig(N) }), 'big.yaml');
      const apply = spawnCli(['apply', config, '--yes', '--state-dir', state, '--ipvsadm', d.ipvsadm], { LVSYNC_TRACE: '1' });
      await until('the -R to start', () => /ipvsadm -R \(\d+ lines in\) started/.test(apply.stderr()), 120_000, 20, () => `; stderr: ${apply.stderr()}`);
      // the batch is in the kernel's hands once the ipvsadm process (nsenter has exec'd it) shows a service in its table
      const pid = await until('the -R process', () => d.calls('-R')[0], 10_000, 5);
      const loaded = () => readFileSync(`/proc/${pid}/net/ip_vs`, 'utf8').split('\n').filter((l) => l.startsWith('TCP ')).length;
      await until('the -R to load a first service', () => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ipvsadm' && loaded() > 0, 30_000, 2);
      // lvsync and its ipvsadm together, as killing the service's cgroup does (systemd, the OOM killer). Killed
      // alone, lvsync leaves an orphaned ipvsadm that goes on loading the ~200 KB already in its socket buffer
      apply.child.kill('SIGKILL');
      process.kill(pid, 'SIGKILL');
      const killed = await apply.exited;
      assert.equal(killed.signal, 'SIGKILL');
      await until('the ipvsadm -R to be gone', () => finished(pid), 30_000, 20);
      const partial = d.services();
      console.log(`# kill -9 during -R (attempt ${n}): ${partial} of ${N} services were in the kernel`);
      return { d, state, config, partial };
    };
    let run = await attempt(1);
    for (let n = 2; n <= 3 && !(run.partial > 0 && run.partial < N); n++) run = await attempt(n);
    const { d, state, config, partial } = run;
    assert.ok(partial > 0 && partial < N, `the kill landed mid-way through the -R (${partial} of ${N} services loaded)`);
    // killed before it could record anything: a stale lock, no inventory
    assert.deepEqual(stateFiles(state), ['apply.lock']);

    const again = await lvsync(['apply', config, '--yes', '--state-dir', state, '--ipvsadm', d.ipvsadm]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /Plan: \d+ to add, \d+ to change, 0 to destroy/);
    await secondPlan(d, config, state);
    assert.equal(d.table(), await desiredTable(config));
    // drains.json is only written when there is something to record
    assert.deepEqual(stateFiles(state).filter((f) => f !== 'drains.json'), ['inventory.json'], 'the stale lock is gone, nothing else left behind');
    assert.equal(inventory(state).length, N);
    assert.deepEqual(drains(state), []);
  });

  test('two applies at once: one holds the lock, the other refuses (exit 1, naming the holder); the table is exact', async () => {
    const d = new Director('race');
    const state = tempStateDir();
    const config = join(tempTree({ 'lb.yaml': bigConfig(100) }), 'lb.yaml');
    // the -R of whichever takes the lock is held until the other one has finished
    d.setGate(true);
    const runs = [0, 1].map(() => spawnCli(['apply', config, '--yes', '--state-dir', state, '--ipvsadm', d.ipvsadm], { LVSYNC_TRACE: '1' }));
    const holding = (r: Spawned) => /ipvsadm -R \(\d+ lines in\) started/.test(r.stderr());
    const winner = await until('one apply to reach its -R', () => runs.find(holding), 120_000, 50, () => `; stderr: ${runs.map((r) => r.stderr()).join('\n---\n')}`);
    const loser = runs.find((r) => r !== winner)!;
    let timer: NodeJS.Timeout | undefined;
    const lost = await Promise.race([loser.exited, new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), 90_000); })]);
    clearTimeout(timer); // a pending timer would keep the test process alive for the rest of it
    d.setGate(false);
    assert.ok(lost, `the second apply neither finished nor failed while the first held the lock; stderr: ${loser.stderr()}`);
    assert.equal(lost.code, 1, loser.stdout() + loser.stderr());
    assert.match(loser.stderr(), new RegExp(`another lvsync \\(pid ${winner.child.pid}\\) is applying to this director \\(lock ${escape(join(state, 'apply.lock'))}\\)`));
    assert.equal(loser.stdout(), '', 'the refused apply planned nothing');
    const won = await winner.exited;
    assert.equal(won.code, 0, winner.stdout() + winner.stderr());
    assert.equal(d.calls('-R').length, 1, 'exactly one -R reached the kernel');
    assert.equal(d.table(), await desiredTable(config));
    await secondPlan(d, config, state);
    assert.deepEqual(stateFiles(state).filter((f) => f !== 'drains.json'), ['inventory.json']);
  });

  test('every state file corrupt: apply and watch carry on, report STATE_FILE with the path, move the files aside, delete nothing they no longer know they own', async () => {
    const d = new Director('corrupt');
    const state = tempStateDir();
    const config = join(tempTree({ 'conf/web.yaml': small(2) }), 'conf');
    // 10.65.9.9:80 is neither declared nor in a scope: only the (about to be lost) inventory owned it
    const first = await lvsync(['apply', config, '--yes', '--state-dir', state, '--ipvsadm', d.ipvsadm]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(d.run(['-A', '-t', '10.65.9.9:80', '-s', 'rr']).code, 0);
    const owned = inventory(state);
    writeFileSync(join(state, 'inventory.json'), `${JSON.stringify({ version: 1, services: [...owned, owned[0]!.replace('10.65.0.1', '10.65.9.9')], thresholds: false })}\n`);
    const before = d.table();
    const files = ['inventory.json', 'drains.json', 'health.json', 'apply.lock'];
    const corrupt = () => {
      writeFileSync(join(state, 'inventory.json'), '{"version": 1, "services": ["tcp|10.65.0.1:80"');
      writeFileSync(join(state, 'drains.json'), 'not json at all\n');
      writeFileSync(join(state, 'health.json'), '\u0000\u0000\u0000');
      writeFileSync(join(state, 'apply.lock'), 'garbage\n');
    };
    const assertReported = (output: string, what: string) => {
      for (const name of files) {
        const path = join(state, name);
        assert.ok(output.split('\n').some((l) => l.includes('STATE_FILE') && l.includes(path)), `${what}: a STATE_FILE warning names ${path}:\n${output}`);
        assert.ok(readdirSync(state).some((f) => f.startsWith(`${name}.corrupt-`)), `${what}: ${name} moved aside as ${name}.corrupt-<time>: ${readdirSync(state).join(' ')}`);
      }
    };

    corrupt();
    const apply = await lvsync(['apply', config, '--yes', '--state-dir', state, '--ipvsadm', d.ipvsadm]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assertReported(apply.stderr, 'apply');
    assert.equal(d.table(), before, 'nothing deleted, nothing changed');

    for (const f of readdirSync(state)) if (f.includes('.corrupt-')) rmSync(join(state, f));
    corrupt();
    const watch = await startWatch(d, config, state, 5000);
    await until('the first pass', () => watch.pass(1), 60_000);
    assert.match(String(watch.pass(1)!.outcome), /^(in-sync|applied)$/, JSON.stringify(watch.pass(1)));
    assertReported(watch.messages().join('\n'), 'watch');
    assert.equal((await watch.readyz()).status, 200);
    assert.equal(d.table(), before, 'nothing deleted, nothing changed');
    await watch.stop();
  });

  test('ipvsadm failing for a while: the daemon stays up, /readyz is 503 with the reason, and it converges once ipvsadm recovers', async () => {
    const d = new Director('ipvsadm-fails');
    const state = tempStateDir();
    const dir = tempTree({ 'conf/web.yaml': small(1) });
    const config = join(dir, 'conf');
    const watch = await startWatch(d, config, state, 2000);
    await until('/readyz 200 after the first pass', async () => (await watch.readyz()).status === 200, 60_000);
    assert.equal(d.weightOf('10.66.0.1:8080'), '1');

    d.setFailing(true);
    const failingSince = Date.now();
    writeFileSync(join(config, 'web.yaml'), small(7)); // a change that can only reach the kernel after recovery
    const notReady = await until('/readyz 503', async () => {
      const r = await watch.readyz();
      return r.status === 503 ? r.text : null;
    }, 30_000);
    assert.match(notReady, /last pass failed: .*exited 1: ipvsadm: fault injected by the test: netlink unavailable/);
    // a few failed passes with backoff, while the daemon keeps serving
    await until('two failed passes', () => watch.lines().filter((l) => l.outcome === 'failed').length >= 2, 60_000);
    // still up: no error escaped a pass (node:test fails the file on an unhandled rejection), and it serves
    assert.equal((await fetch(`${watch.url}/healthz`)).status, 200);
    assert.ok(watch.messages().some((m) => /^retrying in \S+ \(\d+ failed pass(es)? in a row/.test(m)), 'the backoff is logged');
    d.setFailing(false);
    const recoveredAt = Date.now();

    await until('the change applied after recovery', () => d.weightOf('10.66.0.1:8080') === '7', 60_000);
    const convergedIn = Date.now() - recoveredAt;
    await until('/readyz 200 again', async () => (await watch.readyz()).status === 200, 30_000);
    console.log(`# ipvsadm failed for ${recoveredAt - failingSince} ms (${watch.lines().filter((l) => l.outcome === 'failed').length} failed passes); converged ${convergedIn} ms after it recovered`);
    assert.equal(d.table(), await desiredTable(config));
    await watch.stop();
    await secondPlan(d, config, state);
  });

  test('the config emptied: nothing is deleted, and apply and watch say why', async () => {
    const d = new Director('emptied');
    const state = tempStateDir();
    const dir = tempTree({ 'conf/web.yaml': small(3), 'conf/api.yaml': 'version: 1\nservices:\n  - { name: api, protocol: tcp, address: 10.65.0.2, port: 443, realServers: [{ address: 10.66.0.3, port: 443, method: nat }] }\n' });
    const config = join(dir, 'conf');
    const first = await lvsync(['apply', config, '--yes', '--state-dir', state, '--ipvsadm', d.ipvsadm]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const full = d.table();
    assert.equal(d.services(), 2);
    const applyEmptied = async () => lvsync(['apply', config, '--yes', '--state-dir', state, '--ipvsadm', d.ipvsadm]);

    // 1. no files left: invalid (exit 3), the kernel is not even read
    for (const f of readdirSync(config)) rmSync(join(config, f));
    const none = await applyEmptied();
    assert.equal(none.code, 3, none.stdout + none.stderr);
    assert.match(none.stderr, /error\[NO_FILES\]/);
    // 2. a file truncated to nothing: invalid (exit 3)
    writeFileSync(join(config, 'web.yaml'), '');
    const truncated = await applyEmptied();
    assert.equal(truncated.code, 3, truncated.stdout + truncated.stderr);
    assert.match(truncated.stderr, /web\.yaml:1:1: error\[VERSION\]/);
    // 3. a valid config that declares no services: the deletes are a refused mass delete (exit 1)
    writeFileSync(join(config, 'web.yaml'), 'version: 1\nservices: []\n');
    const noServices = await applyEmptied();
    assert.equal(noServices.code, 1, noServices.stdout + noServices.stderr);
    assert.match(noServices.stdout + noServices.stderr, /MASS_DELETE\]: refusing a mass delete: the desired state declares no services but the plan deletes 2 owned service\(s\)/);
    assert.equal(d.table(), full, 'apply deleted nothing');

    // the daemon: an emptied directory keeps the last good config; an empty config is refused
    writeFileSync(join(config, 'web.yaml'), small(3));
    writeFileSync(join(config, 'api.yaml'), 'version: 1\nservices:\n  - { name: api, protocol: tcp, address: 10.65.0.2, port: 443, realServers: [{ address: 10.66.0.3, port: 443, method: nat }] }\n');
    const watch = await startWatch(d, config, state, 2000);
    await until('/readyz 200 after the first pass', async () => (await watch.readyz()).status === 200, 60_000);
    for (const f of readdirSync(config)) rmSync(join(config, f));
    const noFiles = await until('/readyz 503 for the emptied directory', async () => {
      const r = await watch.readyz();
      return r.status === 503 ? r.text : null;
    }, 30_000);
    assert.match(noFiles, /config invalid \(1 error\); enforcing the last good config/);
    assert.match(noFiles, /error\[NO_FILES\]/);
    writeFileSync(join(config, 'web.yaml'), 'version: 1\nservices: []\n');
    const refused = await until('/readyz 503 for the refused mass delete', async () => {
      const r = await watch.readyz();
      return r.status === 503 && /refused/.test(r.text) ? r.text : null;
    }, 30_000);
    assert.match(refused, /last pass refused: refusing a mass delete: the desired state declares no services but the plan deletes 2 owned service\(s\)/);
    await until('two more refused passes', () => watch.lines().filter((l) => l.outcome === 'refused').length >= 3, 30_000);
    assert.equal(d.table(), full, 'the daemon deleted nothing');
    assert.ok(watch.messages().some((m) => /error\[MASS_DELETE\]/.test(m)), 'the refusal is logged');
    await watch.stop();
    assert.equal(d.table(), full);
  });

  test('a burst of 40 edits in 2 s, with a pass in the middle of it: the kernel ends at the last version', async () => {
    const d = new Director('burst');
    const state = tempStateDir();
    const dir = tempTree({ 'conf/web.yaml': small(1) });
    const config = join(dir, 'conf');
    const file = join(config, 'web.yaml');
    // a long interval: only file events can bring the last version in within the test's time
    const watch = await startWatch(d, config, state, 60_000);
    await until('/readyz 200 after the first pass', async () => (await watch.readyz()).status === 200, 60_000);
    // The debouncer alone would fold the whole burst into one pass after it. A periodic pass that
    // starts in the middle (requested here as the interval timer would) reads a version from the
    // middle, and its -R is held until after the burst: the edits that arrive meanwhile must bring
    // one more pass, and that pass must see the last text (versions 10-41 have the same length)
    d.setGate(true);
    const started = Date.now();
    for (let v = 2; v <= 41; v++) {
      // editors write in place or replace the file; both, alternately
      if (v % 2 === 0) writeFileSync(file, small(v));
      else {
        writeFileSync(`${file}.tmp`, small(v));
        renameSync(`${file}.tmp`, file);
      }
      if (v === 11) watch.requestPass();
      await sleep(20);
    }
    const burstMs = Date.now() - started;
    await sleep(800); // the debounced file event arrives while the middle pass waits
    d.setGate(false);
    await until('the last version (weight 41) in the kernel', () => d.weightOf('10.66.0.1:8080') === '41', 40_000, 100);
    const settledIn = Date.now() - started;
    const passes = () => watch.lines().filter((l) => typeof l.pass === 'number');
    await until('the passes to settle', () => !watch.busy(), 20_000);
    assert.equal(d.weightOf('10.66.0.1:8080'), '41', 'and it stays there');
    console.log(`# burst: 40 edits in ${burstMs} ms; the kernel had the last one after ${settledIn} ms; ${passes().length} passes: ${passes().map((l) => `${String(l.pass)}:${String(l.outcome)}`).join(' ')}`);
    assert.ok(passes().length >= 3, 'the startup pass, the one in the middle, and at least one after it');
    assert.equal((await watch.readyz()).status, 200);
    assert.equal(d.table(), await desiredTable(config));
    await watch.stop();
    await secondPlan(d, config, state);
  });

  test('kill -9 of the daemon while it drains, then a restart: the drain resumes with its deadline and ends when the connection does', async () => {
    // director namespace D; a real server R and a client C joined to it by veth pairs; VIP local to D
    const d = new Director('drain');
    const vip = '10.70.0.10';
    const rs = '10.70.1.2:8080';
    const spare = '10.70.1.3:8080'; // declared, never connected to: weight 0 first, so the connection lands on rs
    const rsNs = `${d.ns}-rs`;
    const clientNs = `${d.ns}-c`;
    for (const [ns, net] of [[rsNs, '10.70.1'], [clientNs, '10.70.2']] as const) {
      must(`ip netns add ${ns}`);
      cleanups.push(() => sh(`ip netns del ${ns}`));
      const hostIf = `v${ns.slice(-2)}${namespaces}`;
      d.exec(`ip link add ${hostIf} type veth peer name eth0 netns ${ns} && ip addr add ${net}.1/24 dev ${hostIf} && ip link set ${hostIf} up`);
      must(`ip netns exec ${ns} sh -c 'ip link set lo up && ip addr add ${net}.2/24 dev eth0 && ip link set eth0 up && ip route add default via ${net}.1'`);
    }
    d.exec(`ip addr add ${vip}/32 dev lo && echo 1 > /proc/sys/net/ipv4/ip_forward`);
    const config = (servers: string) => `version: 1
services:
  - { name: web, protocol: tcp, address: ${vip}, port: 80, scheduler: wrr, drainTimeout: 300s, realServers: [${servers}] }
`;
    const dir = tempTree({ 'conf/web.yaml': config(`{ address: 10.70.1.2, port: 8080, method: nat, weight: 1 }, { address: 10.70.1.3, port: 8080, method: nat, weight: 0 }`) });
    const confDir = join(dir, 'conf');
    const state = tempStateDir();
    const server = spawn('ip', ['netns', 'exec', rsNs, 'busybox', 'nc', '-l', '-p', '8080'], { stdio: ['pipe', 'ignore', 'ignore'] });
    cleanups.push(() => { server.stdin!.destroy(); server.kill('SIGKILL'); });
    // busybox nc listens on the IPv6 wildcard (dual stack)
    await until('the real server listening', () => /:1F90 0+:0000 0A /.test(readFileSync(`/proc/${server.pid}/net/tcp6`, 'utf8')), 30_000, 50);

    const first = await spawnWatch(d, confDir, state, '5s');
    await until('the service in the kernel', () => d.weightOf(rs) === '1', 60_000);
    // one long-lived connection through the VIP; stdin stays open, so it stays established
    const client = spawn('ip', ['netns', 'exec', clientNs, 'busybox', 'nc', vip, '80'], { stdio: ['pipe', 'ignore', 'ignore'] });
    cleanups.push(() => { client.stdin!.destroy(); client.kill('SIGKILL'); });
    const active = () => /-> 10\.70\.1\.2:8080\s+Masq\s+\d+\s+(\d+)/.exec(d.run(['-L', '-n']).stdout)?.[1];
    await until('the connection established through IPVS', () => active() === '1', 30_000);

    // rs removed from the config while the connection is open: drained, not deleted
    writeFileSync(join(confDir, 'web.yaml'), config(`{ address: 10.70.1.3, port: 8080, method: nat, weight: 1 }`));
    await until('rs quiesced and the drain recorded', () => d.weightOf(rs) === '0' && drains(state).length === 1, 30_000);
    assert.equal(d.weightOf(spare), '1');
    const record = drains(state)[0]!;
    await until('the drain start logged', () => first.messages().some((m) => m.startsWith(`draining ${rs} of tcp ${vip}:80: weight 0, 1 active connection`)), 10_000, 100, () => `; log:\n${first.messages().join('\n')}`);

    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    // the restarted daemon runs in this process: same code, same state directory, fresh memory, and no
    // second start-up of the binary under emulation (18-25 s on a busy host)
    const second = await startWatch(d, confDir, state, 5000);
    await until('the restarted daemon\'s first pass and a drain poll after it', () => second.pass(2), 60_000);
    assert.equal(d.weightOf(rs), '0', 'still in the table at weight 0 after the restart, its connection untouched');
    assert.deepEqual(drains(state), [record], 'the same drain, with its original start and deadline');
    assert.equal(active(), '1');
    assert.equal((await second.readyz()).status, 200);
    const status = await (await fetch(`${second.url}/status.json`)).json() as { drains: { target: string; state: string; activeConnections: number }[] };
    assert.deepEqual(status.drains.map((x) => [x.target, x.state, x.activeConnections]), [[`${rs} of tcp ${vip}:80`, 'waiting', 1]]);

    // the connection ends: the resumed drain finishes and rs is deleted
    client.kill('SIGKILL');
    const endedAt = Date.now();
    await until('rs deleted after its connection ended', () => !d.save().includes('10.70.1.2:8080'), 30_000);
    const deletedIn = Date.now() - endedAt;
    await until('the drain record removed', () => drains(state).length === 0, 10_000);
    console.log(`# drain resumed after kill -9 + restart; rs deleted ${deletedIn} ms after its connection ended (deadline was ${Math.round((record.deadline - Date.now()) / 1000)} s away)`);
    await until('the drain end logged', () => second.messages().includes(`drained ${rs} of tcp ${vip}:80: no active connections left; deleting it`), 10_000, 100, () => `; log:\n${second.messages().join('\n')}`);
    await second.stop();
    assert.equal(d.table(), await desiredTable(confDir));
    await secondPlan(d, confDir, state);
  });
});
