import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/run.js';
import { createExecIpvsadm, procPathFor } from '../../src/ipvsadm/exec.js';
import { createExecRunner } from '../../src/realserver/exec-runner.js';
import type { CommandRunner } from '../../src/realserver/runner.js';
import { parseListing } from '../../src/live/parse-listing.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { mergeThresholds } from '../../src/live/read.js';
import type { Table } from '../../src/model/types.js';
import { systemClock } from '../../src/watch/clock.js';
import { startDaemon, type Daemon } from '../../src/watch/daemon.js';
import { createLogger } from '../../src/watch/logger.js';

/**
 * Helpers for the kernel suite. These files run INSIDE the QEMU VM (test/kernel/vm.sh), as root,
 * against the real kernel and the real ipvsadm; outside the VM every test skips.
 */
export const IN_VM = process.env.LVSYNC_IN_VM === '1';
export const SKIP = IN_VM ? false : 'not inside the kernel VM (run test/kernel/run-suite.sh)';

export const REPO = new URL('../../../', import.meta.url).pathname;

export interface Sh { readonly code: number; readonly stdout: string; readonly stderr: string }

export function ipvsadm(args: string[], input?: string): Sh {
  const r = spawnSync('ipvsadm', args, { input: input ?? '', encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function sh(command: string): Sh {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Empty the kernel table: every test starts from a known state. */
export function resetKernel(): void {
  const r = ipvsadm(['-C']);
  if (r.code !== 0) throw new Error(`ipvsadm -C failed: ${r.stderr}`);
}

/** Load a table into the kernel with one ipvsadm -R; throws with stderr if any line failed. */
export function loadKernel(save: string): void {
  if (!save.trim()) return;
  const r = ipvsadm(['-R'], save);
  if (r.code !== 0 || r.stderr.trim()) throw new Error(`ipvsadm -R refused the setup table: ${r.stderr}`);
}

/** What the kernel holds now, thresholds included, in lvsync's model. */
export function kernelTable(): Table {
  const save = ipvsadm(['-S', '-n']);
  const parsed = parseIpvsadmSave(save.stdout);
  if (save.code !== 0 || parsed.diagnostics.length) throw new Error(`cannot read the kernel table: ${save.stderr} ${JSON.stringify(parsed.diagnostics)}`);
  return mergeThresholds(parsed.table, parseListing(ipvsadm(['-L', '-n', '--thresholds']).stdout));
}

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'lvsync-kstate-'));
}

export interface LvsyncResult extends Sh { readonly argv: readonly string[] }

/**
 * lvsync's CLI in this process with the real ipvsadm behind the seam: everything but main.ts, without
 * paying Node's start-up under emulation for every call. `spawnLvsync` runs the real binary.
 */
export async function lvsync(argv: string[], options: { runCommand?: CommandRunner } = {}): Promise<LvsyncResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    readStdin: async () => '',
    interactive: false,
    color: false,
    prompt: async () => '',
    env: {},
    // as main.ts builds it: /proc/net/ip_vs for the counts with the ipvsadm on PATH, not with a wrapper into a namespace
    createIpvsadm: (binary) => createExecIpvsadm({ binary, procPath: procPathFor(binary, {}) }),
    hostname: () => 'kernel-vm',
    ...(options.runCommand ? { runCommand: options.runCommand } : {}),
  };
  const code = await run(argv, io);
  return { argv, code, stdout, stderr };
}

export function spawnLvsync(argv: string[]): LvsyncResult {
  const r = spawnSync(process.execPath, [join(REPO, 'dist/src/cli/main.js'), ...argv], { encoding: 'utf8' });
  return { argv, code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The "Commands:" block of a text plan, without the leading "ipvsadm ". */
export function planCommands(planText: string): string[] {
  return planText.split('\n').filter((l) => l.startsWith('  ipvsadm ')).map((l) => l.slice('  ipvsadm '.length));
}

/** Poll until host:port accepts a TCP connection (a real server started in a namespace is listening). */
export async function waitForPort(host: string, port: number, ms = 120000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.on('connect', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${host}:${port} never accepted a connection`);
}

/** Run a shell command inside the VM; throw with its stderr when it fails. */
export function must(command: string): string {
  const r = sh(command);
  if (r.code !== 0) throw new Error(`${command}: ${r.stderr}`);
  return r.stdout;
}

/**
 * A fresh network namespace (its own IPVS table): lo up with default routes on it, without which
 * the kernel refuses real servers as "address not unicast". Its name is added to `created`, for the
 * test's after() to delete.
 */
export function freshNamespace(name: string, created: string[]): string {
  must(`ip netns add ${name}`);
  created.push(name);
  must(`ip netns exec ${name} sh -c 'ip link set lo up && ip route add default dev lo && ip -6 route add default dev lo'`);
  return name;
}

/** ipvsadm inside a namespace, as a binary lvsync can be given with --ipvsadm (written into `dir`). */
export function ipvsadmIn(ns: string, dir: string): string {
  const path = join(dir, `ipvsadm-${ns}`);
  writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${ns} ipvsadm "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

/** `ip` (and sysctl) inside a namespace, for lvsync's VIP addresses there (vips) and `lvsync realserver`. */
export function ipIn(ns: string): CommandRunner {
  return createExecRunner({ prefix: ['ip', 'netns', 'exec', ns] });
}

export interface TableLines { readonly save: string[]; readonly thresholds: string[] }

const execFileP = promisify(execFile);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * What a namespace's table holds, as sets of lines: `-S -n` and the thresholds listing (which -S
 * leaves out), sorted, because ipvsadm prints hash order, which differs per namespace. Asynchronous
 * on purpose: a watch daemon's health probes may share this event loop, and a synchronous spawn that
 * blocks it past a probe's timeout under TCG fails the probe of a healthy server.
 */
export async function tableOf(ns: string): Promise<TableLines> {
  const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '').sort();
  const run = async (args: string[]) => (await execFileP('ip', ['netns', 'exec', ns, 'ipvsadm', ...args])).stdout;
  const [save, thresholds] = await Promise.all([run(['-S', '-n']), run(['-L', '-n', '--thresholds'])]);
  return { save: lines(save), thresholds: lines(thresholds) };
}

/**
 * Poll until the peer's namespace (`peer`, the table another tool built) and lvsync's (`mine`) hold the
 * same table; return how long that took, or fail after `ms` with the difference (assert.deepEqual's diff).
 */
export async function untilSame(peer: string, mine: string, what: string, opts: { readonly tool: string; readonly ms?: number }): Promise<number> {
  const ms = opts.ms ?? 30_000;
  const start = Date.now();
  for (;;) {
    const [left, right] = await Promise.all([tableOf(peer), tableOf(mine)]);
    if (JSON.stringify(left) === JSON.stringify(right)) return Date.now() - start;
    if (Date.now() - start > ms) assert.deepEqual(right, left, `${what}: lvsync's table (${mine}) differs from ${opts.tool}'s (${peer}) after ${ms} ms`);
    await sleep(250);
  }
}

/**
 * Poll until a namespace's `-S -n` lines (sorted) satisfy `ok`: a peer tool has reached the table a
 * test waits for. Return how long that took, or fail after `ms` with the last table.
 */
export async function untilTable(ns: string, ok: (save: string[]) => boolean, what: string, ms = 30_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    const { save } = await tableOf(ns);
    if (ok(save)) return Date.now() - start;
    assert.ok(Date.now() - start < ms, `${what} within ${ms} ms; the table of ${ns}:\n${save.join('\n')}`);
    await sleep(250);
  }
}

/**
 * `lvsync import KIND SOURCE` into DIR/conf/x.yaml (no error on stderr), then `lvsync apply` of it in
 * the namespace NS through an ipvsadm wrapper: the lvsync side of every comparison with a peer.
 */
export async function importAndApply(kind: 'ipvsadm' | 'keepalived' | 'ldirectord', source: string, dir: string, ns: string): Promise<{ file: string; binary: string; state: string }> {
  const file = join(dir, 'conf', 'x.yaml');
  mkdirSync(join(dir, 'conf'), { recursive: true });
  const binary = ipvsadmIn(ns, dir);
  const imported = await lvsync(['import', kind, source, '--out', file]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.doesNotMatch(imported.stderr, /error/);
  const state = tempStateDir();
  const apply = await lvsync(['apply', file, '--yes', '--ipvsadm', binary, '--state-dir', state]);
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  return { file, binary, state };
}

/**
 * `lvsync watch` in this process on `conf` (no file watcher, no endpoints, every 10 s), through the
 * `binary` ipvsadm wrapper: what the peer comparisons run beside keepalived and ldirectord. `lines`
 * are its JSON log lines, parsed.
 */
export async function startWatchIn(conf: string, state: string, binary: string, ip?: CommandRunner): Promise<{ daemon: Daemon; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ format: 'json', write: (l) => { lines.push(JSON.parse(l) as Record<string, unknown>); } });
  const daemon = await startDaemon({
    paths: [conf], intervalMs: 10_000, detectOnly: false, listen: null, stateDir: state,
    perCommand: false, allowMassDelete: false, hostname: 'kernel-vm', version: 'test',
  }, { ipvsadm: createExecIpvsadm({ binary, procPath: procPathFor(binary, {}) }), clock: systemClock, log, watch: false, ...(ip ? { ip } : {}) });
  return { daemon, lines };
}

/** Poll until a watch daemon has seen `count` checked real servers up (its first rounds are done). */
export async function untilHealthy(daemon: Daemon, count: number, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while ([...daemon.status.health.values()].filter((h) => h.state.status === 'up').length < count) {
    assert.ok(Date.now() < end, `lvsync never saw ${count} checked servers up: ${JSON.stringify([...daemon.status.health.values()].map((h) => h.state))}`);
    await sleep(100);
  }
}

/**
 * A network namespace joined to the director (the VM's root namespace) by a veth pair: the
 * director side is `${net}.1/24` on `hostIf`, the namespace has `${net}.2/24` on eth0 and routes
 * everything back through the director, as a NAT real server or a client must. With `net6` (a /64
 * prefix such as `fd79:`) the same for IPv6: `${net6}:1` and `${net6}:2`, without duplicate address
 * detection (it would keep the addresses unusable for a second or two).
 */
export function addNamespaceHost(name: string, hostIf: string, net: string, net6?: string): void {
  must(`ip netns add ${name}`);
  must(`ip link add ${hostIf} type veth peer name eth0 netns ${name}`);
  must(`ip addr add ${net}.1/24 dev ${hostIf} && ip link set ${hostIf} up`);
  must(`ip netns exec ${name} sh -c 'ip link set lo up && ip addr add ${net}.2/24 dev eth0 && ip link set eth0 up && ip route add default via ${net}.1'`);
  if (net6 === undefined) return;
  must(`ip -6 addr add ${net6}:1/64 dev ${hostIf} nodad`);
  must(`ip netns exec ${name} sh -c 'ip -6 addr add ${net6}:2/64 dev eth0 nodad && ip -6 route add default via ${net6}:1'`);
}

/**
 * The examples/ entries a director applies as they are: every *.yaml and directory but the snapshots
 * (live), the units (systemd), CI's (ci), the Prometheus and Grafana files (monitoring), and fleet/,
 * which needs --director and a sync-daemon interface the VM lacks (settings.ktest applies it).
 */
export function applicableExamples(examplesDir: string): string[] {
  const skip = new Set(['live', 'systemd', 'ci', 'fleet', 'monitoring']);
  return readdirSync(examplesDir).filter((n) => n.endsWith('.yaml') || (statSync(join(examplesDir, n)).isDirectory() && !skip.has(n))).sort();
}
