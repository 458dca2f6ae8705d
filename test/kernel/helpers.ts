import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/io.js';
import { run } from '../../src/cli/run.js';
import { createExecIpvsadm } from '../../src/ipvsadm/exec.js';
import { parseListing } from '../../src/live/parse-listing.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { mergeThresholds } from '../../src/live/read.js';
import type { Table } from '../../src/model/types.js';

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
export async function lvsync(argv: string[]): Promise<LvsyncResult> {
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
    createIpvsadm: (binary) => createExecIpvsadm({ binary }),
    hostname: () => 'kernel-vm',
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
 * A network namespace joined to the director (the VM's root namespace) by a veth pair: the
 * director side is `${net}.1/24` on `hostIf`, the namespace has `${net}.2/24` on eth0 and routes
 * everything back through the director, as a NAT real server or a client must.
 */
export function addNamespaceHost(name: string, hostIf: string, net: string): void {
  must(`ip netns add ${name}`);
  must(`ip link add ${hostIf} type veth peer name eth0 netns ${name}`);
  must(`ip addr add ${net}.1/24 dev ${hostIf} && ip link set ${hostIf} up`);
  must(`ip netns exec ${name} sh -c 'ip link set lo up && ip addr add ${net}.2/24 dev eth0 && ip link set eth0 up && ip route add default via ${net}.1'`);
}
