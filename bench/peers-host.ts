/**
 * The host side of the peer comparison: lvsync's same passes (apply, and a running watch daemon)
 * over the same chain of tables, against the executable fake ipvsadm (test/fixtures/bin/ipvsadm),
 * so that lvsync's own CPU time for a change can be set beside the same work inside the VM (where
 * TCG slows V8's JIT-compiled code more than C). The fake's run times say nothing about a kernel;
 * what counts here is lvsync's own process: its user and system CPU (the usage preload for apply,
 * /proc/<pid>/stat for the daemon, neither counting the ipvsadm processes).
 * keepalived cannot run here (no IPVS in the host kernel): `keepalived -t -f` times its parsing of
 * the same configuration, the one part of its work that runs anywhere, for the same comparison.
 * With `profileStep`, one more apply of that step runs under `node --cpu-prof`, summarised by
 * bench/profile-summary.mjs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { FAKE_IPVSADM, REPO } from './apply-fake.js';
import {
  cpuDelta, exited, keepalivedParseCpu, lvsyncArgv, nextPass, passSegments, readUsage, settledCpu, sleep, timedRun, traceEvents, treeCpu,
  type KeepalivedParseCpu, type PassLine, type Segment, type TreeCpu,
} from './peer-procs.js';
import { PEER_STEPS, peerFile, type PeerStep } from './peers-data.js';

export interface HostPeerRun {
  readonly size: string;
  readonly tool: 'apply' | 'watch';
  readonly step: PeerStep;
  /** apply: spawn to exit; watch: rename (or spawn) to the end of the pass; fake ipvsadm included */
  readonly ms: number;
  /** lvsync's own process; children = the fake ipvsadm runs (Node processes: not comparable) */
  readonly cpu: TreeCpu;
  readonly segments?: Segment[];
}

export interface HostPeerResult {
  readonly node: string;
  readonly runs: HostPeerRun[];
  /** `keepalived -t -f` of each size's cold configuration, on the host */
  readonly keepalivedTest: { readonly size: string; readonly cpu: KeepalivedParseCpu }[];
  /** the --cpu-prof summary of one apply, and where the profile is */
  readonly profile: { readonly size: string; readonly step: PeerStep; readonly file: string; readonly summary: string } | null;
  readonly notes: string[];
}

const LIMIT_MS = 600_000;

async function applyChain(id: string, dir: string, work: string, steps: readonly PeerStep[], runs: HostPeerRun[], env: NodeJS.ProcessEnv): Promise<void> {
  const file = join(work, 'services.yaml');
  for (let k = 0; k < steps.length; k++) {
    copyFileSync(join(dir, peerFile.desired(k)), `${file}.tmp`);
    renameSync(`${file}.tmp`, file);
    const usageFile = join(work, `usage-${k}.json`);
    const t = await timedRun(lvsyncArgv(REPO)[0]!, [...lvsyncArgv(REPO).slice(1), 'apply', file, '--yes', '--state-dir', join(work, 'state'), '--ipvsadm', FAKE_IPVSADM], {
      env: { ...env, LVSYNC_TRACE: '1', LVSYNC_BENCH_USAGE: usageFile }, cpuFile: join(work, 'cpu.txt'),
    });
    if (t.status !== 0) throw new Error(`host apply ${id} step ${k} exited ${t.status}: ${t.stderr.slice(0, 1000)}`);
    const usage = readUsage(usageFile)!;
    const self = { user: usage.userMs, sys: usage.systemMs };
    const segments = passSegments(t.startedAt, null, t.startedAt + t.ms, traceEvents(t.stderr, usage.timeOrigin));
    runs.push({ size: id, tool: 'apply', step: PEER_STEPS[k]!, ms: t.ms, cpu: { self, children: { user: t.cpu.user - self.user, sys: t.cpu.sys - self.sys } }, segments });
  }
}

async function watchChain(id: string, dir: string, work: string, steps: readonly PeerStep[], runs: HostPeerRun[], env: NodeJS.ProcessEnv): Promise<void> {
  const file = join(work, 'services.yaml');
  const logFile = join(work, 'watch.log');
  const errFile = join(work, 'watch.err');
  const usageFile = join(work, 'usage.json');
  copyFileSync(join(dir, peerFile.desired(0)), file);
  const out = openSync(logFile, 'w');
  const err = openSync(errFile, 'w');
  const argv = lvsyncArgv(REPO);
  const t0 = performance.now();
  const child: ChildProcess = spawn(argv[0]!, [...argv.slice(1), 'watch', file, '--interval', '24h', '--listen', 'off', '--state-dir', join(work, 'state'), '--log-format', 'json', '--ipvsadm', FAKE_IPVSADM], {
    stdio: ['ignore', out, err], env: { ...env, LVSYNC_TRACE: '1', LVSYNC_BENCH_USAGE: usageFile },
  });
  closeSync(out);
  closeSync(err);
  const done: { k: number; triggerAt: number; pass: PassLine; cpu: TreeCpu }[] = [];
  try {
    let triggerAt = performance.timeOrigin + t0;
    let before: TreeCpu = { self: { user: 0, sys: 0 }, children: { user: 0, sys: 0 } };
    let last = 0;
    for (let k = 0; k < steps.length; k++) {
      if (k > 0) {
        // idle first: the rehearsals after a pass (pass.ts REHEARSALS) are done
        before = await settledCpu(child.pid!);
        copyFileSync(join(dir, peerFile.desired(k)), join(work, '.incoming'));
        triggerAt = performance.timeOrigin + performance.now();
        renameSync(join(work, '.incoming'), file);
      }
      let pass = await nextPass(logFile, last, LIMIT_MS);
      while (pass && pass.startAt < triggerAt - 5) pass = await nextPass(logFile, pass.pass, LIMIT_MS);
      if (!pass) throw new Error(`host watch ${id}: no pass after step ${k}: ${readFileSync(errFile, 'utf8').slice(-1000)}`);
      if (pass.outcome !== 'applied') throw new Error(`host watch ${id} step ${k}: pass ${pass.outcome}: ${pass.msg}`);
      last = pass.pass;
      done.push({ k, triggerAt, pass, cpu: cpuDelta(treeCpu(child.pid!), before) });
    }
  } finally {
    child.kill('SIGTERM');
    if (!(await exited(child, 60_000))) child.kill('SIGKILL');
  }
  const usage = readUsage(usageFile);
  const events = usage ? traceEvents(readFileSync(errFile, 'utf8'), usage.timeOrigin) : [];
  for (const d of done) {
    runs.push({
      size: id, tool: 'watch', step: PEER_STEPS[d.k]!, ms: d.pass.endAt - d.triggerAt, cpu: d.cpu,
      ...(usage ? { segments: passSegments(d.triggerAt, d.pass.startAt, d.pass.endAt, events, d.k === 0 ? 'start-up until the first pass' : 'until the pass starts') } : {}),
    });
  }
}

function keepalivedAvailable(): boolean {
  return spawnSync('keepalived', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * `dataDir` holds each size's files (bench/peers-data.ts writePeerData). Runs lvsync with the fake
 * ipvsadm in a temporary directory per chain.
 */
export async function runHostPeers(dataDir: string, sizes: readonly string[], steps: readonly PeerStep[], outDir: string, profileStep: { size: string; step: PeerStep } | null, log: (s: string) => void): Promise<HostPeerResult> {
  const runs: HostPeerRun[] = [];
  const notes: string[] = [];
  const keepalivedTest: HostPeerResult['keepalivedTest'] = [];
  const chain = PEER_STEPS.slice(0, Math.max(...steps.map((s) => PEER_STEPS.indexOf(s))) + 1);
  let profile: HostPeerResult['profile'] = null;
  const ka = keepalivedAvailable();
  if (!ka) notes.push('keepalived is not installed: no `keepalived -t` on the host');
  for (const id of sizes) {
    const dir = join(dataDir, id);
    for (const tool of ['apply', 'watch'] as const) {
      const work = mkdtempSync(join(tmpdir(), `lvsync-peers-host-${id}-${tool}-`));
      const env = { ...process.env, LVSYNC_FAKE_IPVSADM_STATE: join(work, 'fake-state.json') };
      try {
        const t0 = performance.now();
        const mine: HostPeerRun[] = [];
        if (tool === 'apply') await applyChain(id, dir, work, chain, mine, env);
        else await watchChain(id, dir, work, chain, mine, env);
        runs.push(...mine.filter((r) => steps.includes(r.step)));
        log(`  host ${id} ${tool}: ${mine.map((r) => `${r.step} ${(r.ms / 1000).toFixed(2)} s, lvsync cpu ${((r.cpu.self.user + r.cpu.self.sys) / 1000).toFixed(2)} s`).join('; ')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      } catch (err) {
        notes.push(`host ${id} ${tool} failed: ${err instanceof Error ? err.message : String(err)}`);
        log(`  host ${id} ${tool} FAILED: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
    if (ka) keepalivedTest.push({ size: id, cpu: await keepalivedParseCpu(join(dir, peerFile.keepalived(0)), dir) });
    if (profileStep?.size === id) profile = await profileApply(id, dir, profileStep.step, outDir);
  }
  return { node: process.version, runs, keepalivedTest, profile, notes };
}

/** One more apply of `step` (the live table at the step before), under --cpu-prof. */
async function profileApply(id: string, dir: string, step: PeerStep, outDir: string): Promise<HostPeerResult['profile']> {
  const k = PEER_STEPS.indexOf(step);
  const work = mkdtempSync(join(tmpdir(), 'lvsync-peers-prof-'));
  const env = { ...process.env, LVSYNC_FAKE_IPVSADM_STATE: join(work, 'fake-state.json') };
  try {
    // the live table of the step before, loaded into the fake untimed
    for (let j = 0; j < k; j++) {
      const load = spawnSync(FAKE_IPVSADM, ['-R'], { input: readFileSync(join(dir, peerFile.restore(j))), env });
      if (load.status !== 0) throw new Error(`fake ipvsadm -R: ${load.stderr}`);
    }
    const file = join(work, 'services.yaml');
    copyFileSync(join(dir, peerFile.desired(k)), file);
    const profDir = join(work, 'prof');
    const argv = lvsyncArgv(REPO, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    const r = spawnSync(argv[0]!, [...argv.slice(1), 'apply', file, '--yes', '--state-dir', join(work, 'state'), '--ipvsadm', FAKE_IPVSADM], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`profiled apply exited ${r.status}: ${r.stderr.slice(0, 500)}`);
    const prof = readdirSync(profDir).find((n) => n.endsWith('.cpuprofile'));
    if (!prof) throw new Error('no .cpuprofile written');
    mkdirSync(outDir, { recursive: true });
    const target = join(outDir, `host-apply-${id}-${step}.cpuprofile`);
    copyFileSync(join(profDir, prof), target);
    const summary = spawnSync(process.execPath, [join(REPO, 'bench/profile-summary.mjs'), target, '15'], { encoding: 'utf8' }).stdout;
    writeFileSync(`${target.replace(/\.cpuprofile$/, '')}.summary.txt`, summary);
    return { size: id, step, file: target, summary };
  } catch (err) {
    return { size: id, step, file: '', summary: `profile failed: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
