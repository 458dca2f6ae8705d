/**
 * The peer comparison, INSIDE the VM (called by bench/vm-inner.ts): the same chain of tables
 * (bench/peers-data.ts: cold load, 1% weight change, 10% real-server churn) brought into the kernel by
 *
 *  - floor:      `ipvsadm -R` of exactly the minimal commands; done = its exit;
 *  - keepalived: `keepalived -C -n` (checkers only, foreground, no checks configured); cold = start,
 *                a change = the config file replaced then SIGHUP to the parent; done = the poller;
 *  - apply:      `lvsync apply FILE --yes` (the CLI: process start to exit);
 *  - watch:      `lvsync watch FILE`, already running and converged; a change = the desired-state
 *                file atomically replaced (rename); cold = the daemon's start; done = the poller.
 *
 * Every tool runs its chain in a fresh network namespace (fresh IPVS tables, empty dest trash; see
 * vm-inner.ts). The poller is this process, started long before: it reads /proc/<pid>/net/ip_vs of a
 * process in the namespace and compares its digest with the expected table's (bench/ipvs-proc.ts),
 * then sleeps at least POLL_GAP times as long as that took. The kernel held the new table by the
 * end of the first read whose digest matches (confirmed key by key, outside the timed window), and
 * not yet at some moment of the read before: "done" is the middle of that stretch, ± half of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { REPO } from './apply-fake.js';
import { expectedDigest, procDigest, procTableMatches, sameDigest, type ProcDigest } from './ipvs-proc.js';
import {
  ZERO_CPU, cpuDelta, exited, keepalivedParseCpu, lvsyncArgv, must, nextPass, passLines, passSegments, passTranscript, readUsage, settledCpu, sleep, timedRun,
  traceEvents, treeCpu, type CpuMs, type KeepalivedParseCpu, type PassLine, type Segment, type TreeCpu,
} from './peer-procs.js';
import { PEER_STEPS, peerFile, type PeerConfig, type PeerSizeMeta, type PeerStep, type PeerTool } from './peers-data.js';

export interface PollStats {
  readonly reads: number;
  /** median ms of one read + compare during the wait */
  readonly readMs: number;
  /** … of which reading the file (the kernel printing the table), median */
  readonly kernelMs: number;
  /** ms the poller was busy reading during the wait */
  readonly busyMs: number;
  /** the matching read's end minus the previous read's start: the table was complete somewhere in there */
  readonly resolutionMs: number;
  /** ms from the trigger to the end of the matching read: the upper bound of done */
  readonly upperMs: number;
  /** ms from the trigger to the end of the first read that differed from the first one: the kernel's table began to change (null: the first read already matched) */
  readonly firstChangeMs: number | null;
}

export interface PeerRun {
  readonly size: string;
  readonly tool: PeerTool;
  readonly step: PeerStep;
  readonly rep: number;
  /** minimal -R lines of the step */
  readonly lines: number;
  /** ms from the trigger to done (exit, or the poller's estimate: see waitForTable); null: not converged in time */
  readonly ms: number | null;
  /** watch: ms from the trigger to the end of the pass (its log line), verification included */
  readonly passMs?: number;
  readonly poll?: PollStats;
  /** CPU over the step: the tool's own process (lvsync's node; keepalived's parent) and what it ran or forked */
  readonly cpu: TreeCpu | null;
  /** the saved transcript (test-output/bench/peers/…) */
  readonly transcript?: string;
  readonly segments?: Segment[];
  readonly note?: string;
}

export interface PeerSizeInfo extends PeerSizeMeta {
  /** one read + compare of the whole table by the poller, idle (median of 7) */
  readonly pollIdleMs: number | null;
  /** … of which reading the file */
  readonly pollIdleKernelMs: number | null;
  /** `keepalived -t -f` of the cold config and of an empty one: keepalived's own parsing, user/system CPU */
  readonly keepalivedTestCpu: KeepalivedParseCpu | null;
}

export interface PeerResult {
  readonly kernel: string;
  readonly ipvsadm: string;
  readonly keepalived: string | null;
  readonly node: string;
  readonly cpus: number;
  /** the poller sleeps at least this many times its last read (LVSYNC_BENCH_POLL_GAP) */
  readonly pollGap: number;
  readonly config: PeerConfig;
  readonly sizes: PeerSizeInfo[];
  readonly runs: PeerRun[];
  readonly notes: string[];
}

const say = (s: string): void => { process.stderr.write(`vm-peers: ${s}\n`); };

/** How long one step may take before it counts as not converged (LVSYNC_BENCH_PEER_LIMIT seconds). */
const LIMIT_MS = Number(process.env['LVSYNC_BENCH_PEER_LIMIT'] ?? 900) * 1000;
/** the poller never sleeps less than this between reads */
const MIN_POLL_GAP_MS = 25;
/**
 * …nor less than this many times its last read took (LVSYNC_BENCH_POLL_GAP): at 2 it holds at most
 * a third of one vCPU while it waits, so that a tool running two processes at once (lvsync and its
 * ipvsadm) on the VM's two vCPUs is not slowed by its judge.
 */
const POLL_GAP = Number(process.env['LVSYNC_BENCH_POLL_GAP'] ?? 2);

// ---------------------------------------------------------------------------------------------
// namespaces and the poller

interface Netns {
  readonly name: string;
  /** a process living in the namespace, whose /proc/<pid>/net/ip_vs is the namespace's table */
  readonly anchor: ChildProcess;
  readonly proc: string;
}

let namespaceCount = 0;
const namespaces: Netns[] = [];

async function freshNamespace(): Promise<Netns> {
  const name = `lvpeer${++namespaceCount}`;
  await must('ip', ['netns', 'add', name]);
  // without a local routing table the kernel refuses real servers as "not unicast" (../shared/peers.md)
  await must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  await must('ip', ['-n', name, 'route', 'add', 'default', 'dev', 'lo']);
  await must('ip', ['-n', name, '-6', 'route', 'add', 'default', 'dev', 'lo']).catch(() => undefined);
  const anchor = spawn('ip', ['netns', 'exec', name, 'sleep', 'infinity'], { stdio: 'ignore' });
  const ns = { name, anchor, proc: `/proc/${anchor.pid}/net/ip_vs` };
  namespaces.push(ns);
  // the anchor has entered the namespace once its /proc/<pid>/net/ip_vs is the namespace's (empty) table
  for (let i = 0; i < 200 && readFileSync(`/proc/${anchor.pid}/comm`, 'utf8').trim() !== 'sleep'; i++) await sleep(20);
  return ns;
}

/** Untimed: empties the namespace's table, so that nothing of it runs beside later measurements. */
async function retire(ns: Netns): Promise<void> {
  await must('ip', ['netns', 'exec', ns.name, 'ipvsadm', '-C']);
}

async function dropNamespaces(): Promise<void> {
  for (const ns of namespaces) {
    ns.anchor.kill('SIGKILL');
    await must('ip', ['netns', 'del', ns.name]).catch(() => undefined);
  }
}

const readBuffer = Buffer.allocUnsafe(32 << 20);

/** One read of a /proc table into readBuffer (large reads: each read(2) of a seq_file restarts its walk); returns its length. */
function readProcBytes(path: string): number {
  const fd = openSync(path, 'r');
  try {
    let n = 0;
    for (;;) {
      const r = readSync(fd, readBuffer, n, readBuffer.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === readBuffer.length) throw new Error(`${path} is larger than ${readBuffer.length} bytes`);
    }
    return n;
  } finally {
    closeSync(fd);
  }
}

function readProc(path: string): string {
  return readBuffer.toString('latin1', 0, readProcBytes(path));
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** One poll: read the table and compare digests; also says how long the read alone took. */
function pollOnce(ns: Netns, digest: ProcDigest): { ok: boolean; kernelMs: number; seen: ProcDigest } {
  const t0 = performance.now();
  const n = readProcBytes(ns.proc);
  const kernelMs = performance.now() - t0;
  const seen = procDigest(readBuffer, n);
  return { ok: sameDigest(seen, digest), kernelMs, seen };
}

/** Polls until the namespace's table is exactly `want`; doneMs is measured from `t0` (performance.now()). */
async function waitForTable(ns: Netns, want: Expected, t0: number): Promise<{ doneMs: number | null; poll: PollStats }> {
  const times: number[] = [];
  const kernel: number[] = [];
  let busy = 0;
  let prevStart = t0;
  let first: ProcDigest | null = null;
  let firstChangeMs: number | null = null;
  for (;;) {
    const r0 = performance.now();
    const { ok, kernelMs, seen } = pollOnce(ns, want.digest);
    const r1 = performance.now();
    times.push(r1 - r0);
    kernel.push(kernelMs);
    busy += r1 - r0;
    first ??= seen;
    if (firstChangeMs === null && !sameDigest(seen, first)) firstChangeMs = r1 - t0;
    const poll = (): PollStats => ({ reads: times.length, readMs: median(times), kernelMs: median(kernel), busyMs: busy, resolutionMs: r1 - prevStart, upperMs: r1 - t0, firstChangeMs });
    // a digest match is confirmed key by key, outside the timed window. The table was complete by
    // the end of this read (r1) and not yet at some moment of the read before (from prevStart):
    // done is reported as the middle of that, ± half of it (PollStats.resolutionMs is all of it)
    if (ok && procTableMatches(readBuffer.toString('latin1', 0, readProcBytes(ns.proc)), want.keys)) return { doneMs: (prevStart + r1) / 2 - t0, poll: poll() };
    if (r1 - t0 > LIMIT_MS) return { doneMs: null, poll: poll() };
    prevStart = r0;
    await sleep(Math.max(MIN_POLL_GAP_MS, POLL_GAP * (r1 - r0)));
  }
}

function matchesNow(ns: Netns, want: Expected): boolean {
  return procTableMatches(readProc(ns.proc), want.keys);
}

/** A step's table as the poller checks it: its keys, and their digest. */
interface Expected {
  readonly keys: ReadonlySet<string>;
  readonly digest: ProcDigest;
}

// ---------------------------------------------------------------------------------------------
// one chain per tool

interface SizeData {
  readonly meta: PeerSizeMeta;
  /** the size's files, copied to the VM's tmpfs */
  readonly dir: string;
  readonly expected: Expected[];
}

interface ChainContext {
  readonly data: SizeData;
  readonly rep: number;
  readonly steps: readonly PeerStep[];
  /** where the step files of this chain live (tmpfs) */
  readonly work: string;
  readonly outDir: string;
  readonly runs: PeerRun[];
}

function stepsToRun(selected: readonly PeerStep[]): PeerStep[] {
  // a step needs the ones before it: run the chain up to the last selected step, record the selected
  const last = Math.max(...selected.map((s) => PEER_STEPS.indexOf(s)));
  return PEER_STEPS.slice(0, last + 1);
}

function record(ctx: ChainContext, tool: PeerTool, k: number, run: Omit<PeerRun, 'size' | 'tool' | 'step' | 'rep' | 'lines'>): boolean {
  const step = PEER_STEPS[k]!;
  const full: PeerRun = { size: ctx.data.meta.id, tool, step, rep: ctx.rep, lines: ctx.data.meta.lines[k]!, ...run };
  if (ctx.steps.includes(step)) ctx.runs.push(full);
  const cpu = full.cpu ? `, cpu ${(full.cpu.self.user / 1000).toFixed(2)}u/${(full.cpu.self.sys / 1000).toFixed(2)}s + children ${(full.cpu.children.user / 1000).toFixed(2)}u/${(full.cpu.children.sys / 1000).toFixed(2)}s` : '';
  say(`${full.size} ${tool} ${step} r${ctx.rep}: ${full.ms === null ? 'NOT CONVERGED' : `${(full.ms / 1000).toFixed(2)} s`}${full.passMs ? ` (pass ends ${(full.passMs / 1000).toFixed(2)} s)` : ''}${full.poll ? ` [${full.poll.reads} polls of ${full.poll.readMs.toFixed(0)} ms (read ${full.poll.kernelMs.toFixed(0)} ms), resolution ${full.poll.resolutionMs.toFixed(0)} ms]` : ''}${cpu}${full.note ? ` — ${full.note}` : ''}`);
  return full.ms !== null;
}

/** Puts step k's file in place by an atomic rename, as a deployment would. */
function place(ctx: ChainContext, source: string, target: string): void {
  const tmp = join(ctx.work, `.incoming-${Date.now()}`);
  copyFileSync(source, tmp);
  renameSync(tmp, target);
}

async function floorChain(ctx: ChainContext, ns: Netns): Promise<void> {
  for (let k = 0; k < ctx.steps.length; k++) {
    const t = await timedRun('ip', ['netns', 'exec', ns.name, 'ipvsadm', '-R'], { stdinFile: join(ctx.data.dir, peerFile.restore(k)), cpuFile: join(ctx.work, 'cpu.txt') });
    if (t.status !== 0) throw new Error(`ipvsadm -R exited ${t.status}: ${t.stderr.slice(0, 1000)}`);
    if (!matchesNow(ns, ctx.data.expected[k]!)) throw new Error(`the floor's -R of step ${k} did not leave the expected table`);
    record(ctx, 'floor', k, { ms: t.ms, cpu: { self: t.cpu, children: ZERO_CPU.children } });
  }
}

async function applyChain(ctx: ChainContext, ns: Netns): Promise<void> {
  const file = join(ctx.work, 'services.yaml');
  const stateDir = join(ctx.work, 'state');
  for (let k = 0; k < ctx.steps.length; k++) {
    place(ctx, join(ctx.data.dir, peerFile.desired(k)), file);
    const usageFile = join(ctx.work, `usage-${k}.json`);
    const env = { ...process.env, LVSYNC_TRACE: '1', LVSYNC_BENCH_USAGE: usageFile };
    const t = await timedRun('ip', ['netns', 'exec', ns.name, ...lvsyncArgv(REPO), 'apply', file, '--yes', '--state-dir', stateDir], { env, cpuFile: join(ctx.work, 'cpu.txt') });
    if (t.status !== 0) throw new Error(`lvsync apply exited ${t.status}: ${t.stderr.slice(0, 2000)}`);
    if (!matchesNow(ns, ctx.data.expected[k]!)) throw new Error(`lvsync apply of step ${k} did not leave the expected table`);
    const usage = readUsage(usageFile);
    const self: CpuMs = usage ? { user: usage.userMs, sys: usage.systemMs } : t.cpu;
    const cpu: TreeCpu = { self, children: { user: Math.max(0, t.cpu.user - self.user), sys: Math.max(0, t.cpu.sys - self.sys) } };
    const name = `apply-${ctx.data.meta.id}-${PEER_STEPS[k]}-r${ctx.rep}.txt`;
    let segments: Segment[] | undefined;
    if (usage) {
      const events = traceEvents(t.stderr, usage.timeOrigin);
      const end = t.startedAt + t.ms;
      segments = passSegments(t.startedAt, null, end, events);
      writeFileSync(join(ctx.outDir, name), passTranscript(`lvsync apply, ${ctx.data.meta.label}, ${PEER_STEPS[k]}, rep ${ctx.rep}`, t.startedAt, end, events, [], [{ at: end, event: '(exit seen by the bench)' }]));
    }
    record(ctx, 'apply', k, { ms: t.ms, cpu, transcript: name, ...(segments ? { segments } : {}) });
  }
}

async function keepalivedChain(ctx: ChainContext, ns: Netns): Promise<void> {
  const conf = join(ctx.work, 'keepalived.conf');
  const pidFiles = ['keepalived.pid', 'checkers.pid', 'vrrp.pid'].map((n) => join(ctx.work, n));
  let child: ChildProcess | null = null;
  try {
    for (let k = 0; k < ctx.steps.length; k++) {
      place(ctx, join(ctx.data.dir, peerFile.keepalived(k)), conf);
      let before: TreeCpu = ZERO_CPU;
      let t0: number;
      if (k === 0) {
        t0 = performance.now();
        child = spawn('ip', ['netns', 'exec', ns.name, 'keepalived', '-C', '-n', '-f', conf, '-p', pidFiles[0]!, '-c', pidFiles[1]!, '-r', pidFiles[2]!], { stdio: 'ignore', detached: true });
      } else {
        before = await settledCpu(child!.pid!);
        t0 = performance.now();
        process.kill(child!.pid!, 'SIGHUP');
      }
      const { doneMs, poll } = await waitForTable(ns, ctx.data.expected[k]!, t0);
      if (child!.exitCode !== null) throw new Error(`keepalived exited ${child!.exitCode} during step ${k}`);
      const cpu = cpuDelta(await settledCpu(child!.pid!), before);
      if (!record(ctx, 'keepalived', k, { ms: doneMs, poll, cpu, ...(doneMs === null ? { note: 'the kernel never held the expected table; the chain stopped' } : {}) })) break;
    }
  } finally {
    if (child?.pid) {
      // SIGKILL: keepalived's shutdown would remove every service, beside the next measurement
      let checker = 0;
      try { checker = Number(readFileSync(pidFiles[1]!, 'utf8').trim()); } catch { /* never written */ }
      try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
      if (checker > 0) try { process.kill(checker, 'SIGKILL'); } catch { /* gone with its group */ }
      await exited(child, 30_000);
    }
  }
}

async function watchChain(ctx: ChainContext, ns: Netns): Promise<void> {
  const file = join(ctx.work, 'services.yaml');
  const logFile = join(ctx.work, 'watch.log');
  const errFile = join(ctx.work, 'watch.err');
  const usageFile = join(ctx.work, 'usage.json');
  let child: ChildProcess | null = null;
  const steps: { k: number; triggerAt: number; doneAt: number | null; pass: PassLine | null; run: Omit<PeerRun, 'size' | 'tool' | 'step' | 'rep' | 'lines'> }[] = [];
  let lastPass = 0;
  try {
    for (let k = 0; k < ctx.steps.length; k++) {
      let before: TreeCpu = ZERO_CPU;
      let t0: number;
      if (k === 0) {
        place(ctx, join(ctx.data.dir, peerFile.desired(0)), file);
        const out = openSync(logFile, 'w');
        const err = openSync(errFile, 'w');
        const env = { ...process.env, LVSYNC_TRACE: '1', LVSYNC_BENCH_USAGE: usageFile };
        t0 = performance.now();
        child = spawn('ip', ['netns', 'exec', ns.name, ...lvsyncArgv(REPO), 'watch', file, '--interval', '24h', '--listen', 'off', '--state-dir', join(ctx.work, 'state'), '--log-format', 'json'], { stdio: ['ignore', out, err], env, detached: true });
        closeSync(out);
        closeSync(err);
      } else {
        // idle first, as keepalived is before its SIGHUP: the daemon's rehearsals after a pass (watch's
        // pass.ts REHEARSALS, about 1.2 s in this VM) would otherwise still be running at the rename
        before = await settledCpu(child!.pid!);
        const tmp = join(ctx.work, '.services.yaml.incoming');
        copyFileSync(join(ctx.data.dir, peerFile.desired(k)), tmp);
        t0 = performance.now();
        renameSync(tmp, file);
      }
      const triggerAt = performance.timeOrigin + t0;
      const { doneMs, poll } = await waitForTable(ns, ctx.data.expected[k]!, t0);
      if (doneMs === null) {
        steps.push({ k, triggerAt, doneAt: null, pass: null, run: { ms: null, poll, cpu: null, note: 'the kernel never held the expected table; the chain stopped' } });
        break;
      }
      // the pass that brought the change: the first that started after the trigger (its verification read comes after the table)
      let pass = await nextPass(logFile, lastPass, LIMIT_MS);
      while (pass && pass.startAt < triggerAt - 5) pass = await nextPass(logFile, pass.pass, LIMIT_MS);
      if (!pass) throw new Error(`lvsync watch logged no pass after step ${k}: ${readFileSync(errFile, 'utf8').slice(-2000)}`);
      lastPass = pass.pass;
      const cpu = cpuDelta(treeCpu(child!.pid!), before);
      // a second pass right behind it would run beside the next step: wait and say so
      await sleep(1000);
      const extra = passLines(readFileSync(logFile, 'utf8')).filter((p) => p.pass > lastPass);
      if (extra.length) lastPass = Math.max(...extra.map((p) => p.pass));
      steps.push({
        k, triggerAt, doneAt: triggerAt + doneMs, pass,
        run: { ms: doneMs, passMs: pass.endAt - triggerAt, poll, cpu, ...(pass.outcome !== 'applied' || extra.length ? { note: `pass ${pass.pass} ${pass.outcome}${extra.length ? `; then ${extra.length} more pass(es)` : ''}` } : {}) },
      });
    }
  } finally {
    if (child?.pid) {
      process.kill(child.pid, 'SIGTERM');
      if (!(await exited(child, 120_000))) { try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); } }
    }
  }
  // the trace is in seconds since lvsync started: the preload's timeOrigin (written at exit) places it
  const usage = readUsage(usageFile);
  const events = usage ? traceEvents(readFileSync(errFile, 'utf8'), usage.timeOrigin) : [];
  const passes = passLines(readFileSync(logFile, 'utf8'));
  for (const s of steps) {
    let extra: Partial<PeerRun> = {};
    if (usage && s.pass) {
      const name = `watch-${ctx.data.meta.id}-${PEER_STEPS[s.k]}-r${ctx.rep}.txt`;
      const poll = s.run.poll;
      const marks = s.doneAt && poll ? [
        { at: s.triggerAt + poll.upperMs - poll.resolutionMs, event: '(poller: the last read that did not show the new table started)' },
        { at: s.doneAt, event: '(poller: done, the middle of that window)' },
        { at: s.triggerAt + poll.upperMs, event: '(poller: the first read that showed exactly the new table ended)' },
      ] : [];
      writeFileSync(join(ctx.outDir, name), passTranscript(`lvsync watch, ${ctx.data.meta.label}, ${PEER_STEPS[s.k]}, rep ${ctx.rep} (trigger: ${s.k === 0 ? 'the daemon\'s spawn' : 'rename of the desired-state file'})`, s.triggerAt, s.pass.endAt, events, passes, [{ at: s.triggerAt, event: '(trigger)' }, ...marks]));
      extra = { transcript: name, segments: passSegments(s.triggerAt, s.pass.startAt, s.pass.endAt, events, s.k === 0 ? 'start-up until the first pass' : 'until the pass starts') };
    }
    if (!record(ctx, 'watch', s.k, { ...s.run, ...extra })) break;
  }
}

// ---------------------------------------------------------------------------------------------

async function version(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (b: Buffer) => { text += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { text += b.toString(); });
    child.on('error', () => resolve(''));
    child.on('close', () => resolve(text.trim().split('\n')[0] ?? ''));
  });
}

function loadSize(dataDir: string, id: string): SizeData {
  const src = join(dataDir, id);
  const dir = join('/tmp/lvsync-peers', id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // off the 9p share onto tmpfs, untimed: the tools read their configuration from a local disk
  const meta = JSON.parse(readFileSync(join(src, peerFile.meta), 'utf8')) as PeerSizeMeta;
  const expected: Expected[] = [];
  for (let k = 0; k < PEER_STEPS.length; k++) {
    for (const name of [peerFile.desired(k), peerFile.keepalived(k), peerFile.restore(k)]) copyFileSync(join(src, name), join(dir, name));
    const keys = readFileSync(join(src, peerFile.keys(k)), 'utf8').split('\n').filter((l) => l !== '');
    expected.push({ keys: new Set(keys), digest: expectedDigest(keys) });
  }
  return { meta, dir, expected };
}

export async function runPeers(dataDir: string, config: PeerConfig, outDir: string): Promise<PeerResult> {
  mkdirSync(outDir, { recursive: true });
  const notes: string[] = [];
  const tools = config.tools.filter((t) => t !== 'keepalived' || config.keepalived);
  if (config.tools.includes('keepalived') && !config.keepalived) notes.push('keepalived is not installed (Debian package keepalived): its rows were skipped');
  const steps = stepsToRun(config.steps);
  const runs: PeerRun[] = [];
  const sizes: PeerSizeInfo[] = [];
  for (const id of config.sizes) {
    const data = loadSize(dataDir, id);
    // untimed: lvsync's modules and node itself into the page cache (the host's disk is a 9p share)
    await must(process.execPath, [join(REPO, 'dist/src/cli/main.js'), 'validate', join(data.dir, peerFile.desired(0))]).catch(() => undefined);
    let pollIdleMs: number | null = null;
    let pollIdleKernelMs: number | null = null;
    const keepalivedTestCpu = config.keepalived ? await keepalivedParseCpu(join(data.dir, peerFile.keepalived(0)), data.dir) : null;
    for (let rep = 1; rep <= config.reps; rep++) {
      // alternate the order between reps, so that drifting emulation speed hits every tool alike
      const order = rep % 2 === 1 ? tools : [...tools].reverse();
      for (const tool of order) {
        const work = join('/tmp/lvsync-peers', `${id}-${tool}-r${rep}`);
        rmSync(work, { recursive: true, force: true });
        mkdirSync(work, { recursive: true });
        const ns = await freshNamespace();
        const ctx: ChainContext = { data, rep, steps, work, outDir, runs: [] };
        try {
          if (tool === 'floor') await floorChain(ctx, ns);
          else if (tool === 'apply') await applyChain(ctx, ns);
          else if (tool === 'keepalived') await keepalivedChain(ctx, ns);
          else await watchChain(ctx, ns);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          notes.push(`${id} ${tool} rep ${rep} failed: ${message.slice(0, 500)}`);
          say(`${id} ${tool} rep ${rep} FAILED: ${message}`);
        }
        runs.push(...ctx.runs.filter((r) => config.steps.includes(r.step)));
        if (pollIdleMs === null && matchesNow(ns, data.expected[steps.length - 1]!)) {
          // the poller's own cost, with the tool idle: one read + digest of the whole table
          const times: number[] = [];
          const kernel: number[] = [];
          for (let i = 0; i < 7; i++) {
            const r0 = performance.now();
            kernel.push(pollOnce(ns, data.expected[steps.length - 1]!.digest).kernelMs);
            times.push(performance.now() - r0);
          }
          pollIdleMs = median(times);
          pollIdleKernelMs = median(kernel);
        }
        await retire(ns);
        rmSync(work, { recursive: true, force: true });
        // what is measured so far, in case the VM does not live to the end (bench/vm.ts reads it then)
        writeFileSync(join(outDir, PARTIAL_FILE), `${JSON.stringify(await result(config, [...sizes, { ...data.meta, pollIdleMs, pollIdleKernelMs, keepalivedTestCpu }], runs, notes))}\n`);
      }
    }
    sizes.push({ ...data.meta, pollIdleMs, pollIdleKernelMs, keepalivedTestCpu });
  }
  await dropNamespaces();
  const done = await result(config, sizes, runs, notes);
  rmSync(join(outDir, PARTIAL_FILE), { force: true });
  return done;
}

/** The peer results so far, written after every chain: a VM that dies late still leaves its numbers. */
export const PARTIAL_FILE = 'peers-partial.json';

async function result(config: PeerConfig, sizes: PeerSizeInfo[], runs: PeerRun[], notes: string[]): Promise<PeerResult> {
  return {
    kernel: await version('uname', ['-r']),
    ipvsadm: await version('ipvsadm', ['-v']),
    keepalived: config.keepalived ? await version('keepalived', ['--version']) : null,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    pollGap: POLL_GAP,
    config, sizes, runs, notes,
  };
}
