/**
 * Runs INSIDE the real-kernel VM (test/kernel/vm.sh), started by bench/vm.ts:
 *
 *   node dist/bench/vm-inner.js <data dir> <result.json> <reps> [<peers.json>]
 *
 * Side by side in one boot: the full `lvsync apply` CLI versus the floor of the same work done
 * directly (`ipvsadm -R` of exactly the minimal commands, plus one `ipvsadm -S -n`), for the cold
 * start and for 1% real-server churn; then the daemon's steady state (a no-change pass) in-process
 * against `ipvsadm -S -n` alone plus YAML parsing. Pairs alternate (floor, lvsync, floor, lvsync...)
 * so that drifting emulation speed hits both sides alike.
 *
 * Every timed run gets a network namespace of its own, i.e. fresh IPVS tables. Deleted real servers
 * stay in the kernel's per-namespace dest trash for up to 3 minutes (IP_VS_DEST_TRASH_PERIOD), and
 * every `-a` walks that list (ip_vs_trash_get_dest): a 50,000-line -R right after `ipvsadm -C` of
 * the same table took 79-88 s against 41 s on clean tables, which is what made the earlier pairs,
 * each run right after a `-C`, unequal (test-output/bench/trace.sh, 2026-12-01).
 *
 * With a peers.json (bench/peers-data.ts PeerConfig), the peer comparison (bench/vm-peers.ts:
 * keepalived, lvsync apply and watch, the -R floor) runs after them in the same boot, or alone.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { NODE_FLAGS } from '../src/cli/node-flags.js';
import { steadyLoop, type SteadyStateResult } from './apply-fake.js';
import type { PeerConfig } from './peers-data.js';
import { runPeers, type PeerResult } from './vm-peers.js';

export interface VmPair {
  readonly floorMs: number;
  readonly lvsyncMs: number;
}

export interface VmResult {
  readonly kernel: string;
  readonly ipvsadm: string;
  readonly cpus: number;
  readonly cold: { readonly lines: number; readonly pairs: VmPair[] };
  readonly churn: { readonly lines: number; readonly pairs: VmPair[] };
  readonly steady: SteadyStateResult | null;
  /** the peer comparison, when asked for */
  readonly peers?: PeerResult | null;
  readonly notes: string[];
}

const IPVSADM = 'ipvsadm';

/** The network namespace the next commands run in (`ip netns exec NS ...`); null = the VM's own. */
let namespace: string | null = null;
let namespaces = 0;

function run(cmd: string, args: string[], stdinFile?: string): { ms: number; stdout: string; stderr: string; status: number } {
  const fd = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
  const [file, argv] = namespace ? ['ip', ['netns', 'exec', namespace, cmd, ...args]] : [cmd, args];
  try {
    const t0 = performance.now();
    const r = spawnSync(file, argv, { stdio: [fd, 'pipe', 'pipe'], maxBuffer: 1 << 30, encoding: 'utf8' });
    const ms = performance.now() - t0;
    return { ms, stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status ?? -1 };
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}

function must(r: { status: number; stderr: string }, what: string): void {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
}

function liveLines(): number {
  const r = run(IPVSADM, ['-S', '-n']);
  must(r, 'ipvsadm -S -n');
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

/**
 * Switch to a new namespace (empty tables, empty dest trash), after clearing the one before untimed;
 * the cleared namespaces stay until the end, so that no namespace teardown runs beside a measurement.
 */
function freshTables(baseFile: string | null): void {
  if (namespace) must(run(IPVSADM, ['-C']), 'ipvsadm -C');
  namespace = `lvbench${++namespaces}`;
  const add = spawnSync('ip', ['netns', 'add', namespace], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`ip netns add ${namespace}: ${add.stderr}`);
  // without lo up a new namespace has no local routing table yet, and the kernel then calls every
  // real-server address "not unicast" (inet_addr_type answers RTN_BROADCAST): -a fails with EINVAL
  must(run('ip', ['link', 'set', 'lo', 'up']), 'ip link set lo up');
  if (baseFile) must(run(IPVSADM, ['-R'], baseFile), 'ipvsadm -R (base table)');
}

function dropNamespaces(): void {
  namespace = null;
  for (let i = 1; i <= namespaces; i++) spawnSync('ip', ['netns', 'del', `lvbench${i}`]);
}

/** The floor: exactly the minimal commands through one -R, then one -S -n (which an apply needs to verify). */
function floor(minimalFile: string): number {
  const restore = run(IPVSADM, ['-R'], minimalFile);
  must(restore, 'ipvsadm -R (minimal commands)');
  const save = run(IPVSADM, ['-S', '-n']);
  must(save, 'ipvsadm -S -n');
  return restore.ms + save.ms;
}

function lvsyncApply(desiredDir: string): number {
  rmSync('/tmp/lvsync-bench-state', { recursive: true, force: true });
  const r = run(process.execPath, [...NODE_FLAGS, 'dist/src/cli/main.js', 'apply', desiredDir, '--yes', '--state-dir', '/tmp/lvsync-bench-state']);
  must(r, 'lvsync apply');
  return r.ms;
}

function lines(file: string): number {
  return spawnSync('wc', ['-l', file], { encoding: 'utf8' }).stdout.trim().split(/\s+/).map(Number)[0] ?? 0;
}

async function main(): Promise<void> {
  const [dataDir, resultFile, repsText, peersFile] = process.argv.slice(2);
  if (!dataDir || !resultFile) throw new Error('usage: vm-inner.js <data dir> <result.json> [reps]');
  if (process.env['LVSYNC_IN_VM'] !== '1') throw new Error('vm-inner.js must run inside test/kernel/vm.sh');
  const reps = Number(repsText ?? 2);
  const notes: string[] = [];
  const say = (s: string): void => { process.stderr.write(`vm-inner: ${s}\n`); };
  const file = (name: string): string => join(dataDir, name);
  const coldDesired = file('desired-cold');
  const churnDesired = file('desired-churn');
  const expectedLines = lines(file('base.txt'));
  const peerConfig = peersFile ? JSON.parse(readFileSync(peersFile, 'utf8')) as PeerConfig : null;
  const pairs = !peerConfig?.peersOnly;

  // warm the 9p page cache and the binaries once, untimed: the first read over 9p is not what we measure
  if (pairs) {
    freshTables(null);
    run(process.execPath, ['dist/src/cli/main.js', 'validate', coldDesired]);
    run(process.execPath, ['dist/src/cli/main.js', 'validate', churnDesired]);
    readdirSync(coldDesired);
  } else {
    run(process.execPath, ['dist/src/cli/main.js', '--version']);
  }

  const cold: VmPair[] = [];
  for (let r = 0; r < (pairs ? reps : 0); r++) {
    freshTables(null);
    const floorMs = floor(file('cold-minimal.txt'));
    if (liveLines() !== expectedLines) throw new Error('floor cold start did not load the table');
    freshTables(null);
    const lvsyncMs = lvsyncApply(coldDesired);
    if (liveLines() !== expectedLines) throw new Error('lvsync cold start did not converge');
    cold.push({ floorMs, lvsyncMs });
    say(`cold pair ${r + 1}: floor ${(floorMs / 1000).toFixed(1)} s, lvsync ${(lvsyncMs / 1000).toFixed(1)} s`);
  }

  const churn: VmPair[] = [];
  for (let r = 0; r < (pairs ? reps : 0); r++) {
    freshTables(file('base.txt'));
    const floorMs = floor(file('churn-minimal.txt'));
    const floorTable = run(IPVSADM, ['-S', '-n']).stdout;
    freshTables(file('base.txt'));
    const lvsyncMs = lvsyncApply(churnDesired);
    if (run(IPVSADM, ['-S', '-n']).stdout.split('\n').sort().join('\n') !== floorTable.split('\n').sort().join('\n')) {
      throw new Error('lvsync churn apply and the floor left different tables');
    }
    churn.push({ floorMs, lvsyncMs });
    say(`churn pair ${r + 1}: floor ${(floorMs / 1000).toFixed(1)} s, lvsync ${(lvsyncMs / 1000).toFixed(1)} s`);
  }

  // steady state: the churned table is live and declared; nothing to do
  let steady: SteadyStateResult | null = null;
  if (pairs && process.env['LVSYNC_BENCH_VM_STEADY'] !== '0') {
    // in the VM's own namespace (the daemon pass runs ipvsadm there), loaded with the churned table
    if (namespace) must(run(IPVSADM, ['-C']), 'ipvsadm -C');
    namespace = null;
    must(run(IPVSADM, ['-R'], file('base.txt')), 'ipvsadm -R (base table)');
    must(run(IPVSADM, ['-R'], file('churn-minimal.txt')), 'ipvsadm -R (churn)');
    const files = readdirSync(churnDesired).filter((n) => n.endsWith('.yaml')).sort().map((n) => join(churnDesired, n));
    steady = await steadyLoop('10k×4', files, IPVSADM, 1, 0);
    say(`steady: pass ${steady.passMs.map((x) => x.toFixed(0)).join('/')} ms, re-parse ${steady.reparseMs.map((x) => x.toFixed(0)).join('/')} ms, -S -n ${steady.saveMs.map((x) => x.toFixed(0)).join('/')} ms, YAML ${steady.yamlMs.map((x) => x.toFixed(0)).join('/')} ms`);
  }
  if (namespace) must(run(IPVSADM, ['-C']), 'ipvsadm -C');
  dropNamespaces();
  must(run(IPVSADM, ['-C']), 'ipvsadm -C');

  let peers: PeerResult | null = null;
  if (peerConfig) {
    try {
      peers = await runPeers(join(dataDir, 'peers'), peerConfig, join(dirname(resultFile), 'peers'));
    } catch (err) {
      notes.push(`the peer comparison failed: ${err instanceof Error ? err.message : String(err)}`);
      say(`peers failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
  }

  const kernel = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
  const version = run(IPVSADM, ['-v']).stdout.trim();
  const cpus = (await import('node:os')).cpus().length;
  const result: VmResult = {
    kernel, ipvsadm: version, cpus,
    cold: { lines: lines(file('cold-minimal.txt')), pairs: cold },
    churn: { lines: lines(file('churn-minimal.txt')), pairs: churn },
    steady, peers, notes,
  };
  writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`vm-inner: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
