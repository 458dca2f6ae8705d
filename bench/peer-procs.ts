/**
 * Process plumbing shared by the peer comparison in the VM (bench/vm-peers.ts) and its host side
 * (bench/peers-host.ts): starting a measured command and timing it, the CPU time of a process tree
 * from /proc, following a daemon's log, and turning an LVSYNC_TRACE into a timeline of a pass.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { NODE_FLAGS } from '../src/cli/node-flags.js';
import type { ProcessUsage } from './usage-preload.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU time in ms, user and system. */
export interface CpuMs {
  readonly user: number;
  readonly sys: number;
}

/** A process's own CPU time, and that of the processes it started (ipvsadm, keepalived's checker child). */
export interface TreeCpu {
  readonly self: CpuMs;
  readonly children: CpuMs;
}

export const ZERO_CPU: TreeCpu = { self: { user: 0, sys: 0 }, children: { user: 0, sys: 0 } };

/** Linux reports /proc times in USER_HZ ticks, 100 a second on every architecture lvsync runs on. */
const TICK_MS = 10;

function statOf(pid: number): { utime: number; stime: number; cutime: number; cstime: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name is in parentheses and may hold spaces: fields count from the last ')'
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields 14-17 of proc(5); f[0] is field 3
  return { utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) };
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) out.push(Number(c));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/**
 * CPU of `pid` (self) and of its descendants: those that ended and were waited for (cutime/cstime)
 * plus those still running. Resolution: one tick (10 ms).
 */
export function treeCpu(pid: number): TreeCpu {
  const own = statOf(pid);
  if (!own) return ZERO_CPU;
  let cu = own.cutime;
  let cs = own.cstime;
  const walk = (p: number): void => {
    for (const c of childrenOf(p)) {
      const s = statOf(c);
      if (!s) continue;
      cu += s.utime + s.cutime;
      cs += s.stime + s.cstime;
      walk(c);
    }
  };
  walk(pid);
  return { self: { user: own.utime * TICK_MS, sys: own.stime * TICK_MS }, children: { user: cu * TICK_MS, sys: cs * TICK_MS } };
}

export function cpuDelta(after: TreeCpu, before: TreeCpu): TreeCpu {
  return {
    self: { user: after.self.user - before.self.user, sys: after.self.sys - before.self.sys },
    children: { user: after.children.user - before.children.user, sys: after.children.sys - before.children.sys },
  };
}

/** Waits until the tree's CPU time stops growing (two samples `gapMs` apart agree), at most `limitMs`. */
export async function settledCpu(pid: number, gapMs = 300, limitMs = 30_000): Promise<TreeCpu> {
  const t0 = performance.now();
  let last = treeCpu(pid);
  for (;;) {
    await sleep(gapMs);
    const now = treeCpu(pid);
    const same = now.self.user + now.self.sys + now.children.user + now.children.sys === last.self.user + last.self.sys + last.children.user + last.children.sys;
    if (same || performance.now() - t0 > limitMs) return now;
    last = now;
  }
}

export interface Timed {
  /** wall ms from just before the spawn to the exit */
  readonly ms: number;
  /** ms since the epoch, just before the spawn */
  readonly startedAt: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** the command's CPU with everything it waited for (GNU time's %U and %S), 10 ms resolution */
  readonly cpu: CpuMs;
}

/** Where GNU time lives; it measures the CPU of a command that exits (wait4's rusage). */
export const GNU_TIME = '/usr/bin/time';

/**
 * Runs `cmd args` under GNU time, stdin from a file, and times it from just before the spawn to
 * the exit. Asynchronous, so a poller may run beside it.
 */
export async function timedRun(cmd: string, args: readonly string[], options: { stdinFile?: string; env?: NodeJS.ProcessEnv; cpuFile: string }): Promise<Timed> {
  rmSync(options.cpuFile, { force: true });
  const fd = options.stdinFile ? openSync(options.stdinFile, 'r') : 'ignore';
  try {
    const t0 = performance.now();
    const r = await collect(spawn(GNU_TIME, ['-f', '%U %S', '-o', options.cpuFile, cmd, ...args], { stdio: [fd, 'pipe', 'pipe'], env: options.env ?? process.env }));
    const ms = performance.now() - t0;
    const [user = 0, sys = 0] = existsSync(options.cpuFile) ? readFileSync(options.cpuFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) : [];
    return { ms, startedAt: performance.timeOrigin + t0, ...r, cpu: { user: user * 1000, sys: sys * 1000 } };
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}

function collect(child: ChildProcess): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** Runs a command to its end (untimed set-up work); throws when it fails. */
export async function must(cmd: string, args: readonly string[], options: SpawnOptions & { stdinFile?: string } = {}): Promise<string> {
  const fd = options.stdinFile ? openSync(options.stdinFile, 'r') : 'ignore';
  try {
    const r = await collect(spawn(cmd, [...args], { ...options, stdio: [fd, 'pipe', 'pipe'] }));
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
    return r.stdout;
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}

/** `node <lvsync's flags> --import <usage preload> dist/src/cli/main.js`: how the measured lvsync runs start. */
export function lvsyncArgv(repo: string, extraNodeFlags: readonly string[] = []): string[] {
  return [process.execPath, ...NODE_FLAGS, ...extraNodeFlags, '--import', join(repo, 'dist/bench/usage-preload.js'), join(repo, 'dist/src/cli/main.js')];
}

export function readUsage(file: string): ProcessUsage | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ProcessUsage;
  } catch {
    return null;
  }
}

/** Resolves when the child exits, or after `limitMs` (then false). */
export function exited(child: ChildProcess, limitMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), limitMs);
    child.once('exit', () => { clearTimeout(timer); resolve(true); });
  });
}

// ---------------------------------------------------------------------------------------------
// the watch daemon's log and trace

/** A `pass N …` line of `lvsync watch --log-format json`. */
export interface PassLine {
  readonly pass: number;
  readonly outcome: string;
  readonly durationMs: number;
  /** ms since the epoch at which the pass ended (pino's time) and started (that minus durationMs) */
  readonly endAt: number;
  readonly startAt: number;
  readonly msg: string;
}

export function passLines(logText: string): PassLine[] {
  const out: PassLine[] = [];
  for (const line of logText.split('\n')) {
    if (!line.includes('"outcome"')) continue;
    try {
      const j = JSON.parse(line) as { pass?: number; outcome?: string; durationMs?: number; time?: string | number; msg?: string };
      if (typeof j.pass !== 'number' || typeof j.durationMs !== 'number' || j.time === undefined) continue;
      const endAt = typeof j.time === 'number' ? j.time : Date.parse(j.time);
      out.push({ pass: j.pass, outcome: j.outcome ?? '', durationMs: j.durationMs, endAt, startAt: endAt - j.durationMs, msg: j.msg ?? '' });
    } catch {
      // a partial line at the end of the file
    }
  }
  return out;
}

/** Waits until the daemon's log has a pass line numbered above `after`; null after `limitMs`. */
export async function nextPass(logFile: string, after: number, limitMs: number, pollMs = 100): Promise<PassLine | null> {
  const t0 = performance.now();
  for (;;) {
    const found = passLines(existsSync(logFile) ? readFileSync(logFile, 'utf8') : '').find((p) => p.pass > after);
    if (found) return found;
    if (performance.now() - t0 > limitMs) return null;
    await sleep(pollMs);
  }
}

/** One LVSYNC_TRACE line, at wall-clock time. */
export interface TraceEvent {
  readonly at: number;
  readonly event: string;
}

export function traceEvents(stderrText: string, timeOrigin: number): TraceEvent[] {
  const out: TraceEvent[] = [];
  for (const line of stderrText.split('\n')) {
    const m = /^lvsync trace (\d+\.\d+) s: (.*)$/.exec(line);
    if (m) out.push({ at: timeOrigin + Number(m[1]) * 1000, event: m[2]! });
  }
  return out;
}

/** A stretch of a pass: what ran, and for how long. */
export interface Segment {
  readonly what: string;
  readonly ms: number;
}

function shortArgs(event: string): string {
  // "ipvsadm -R (7360 lines in) started" → "ipvsadm -R"
  return event.replace(/ \(\d+ lines in\)/, '').replace(/ (started|exited .*)$/, '');
}

/**
 * A pass cut into its stretches, from the trigger (a rename, a SIGHUP, the spawn) to the pass's end:
 * until the pass started (the watcher's notice and debounce, or process start-up), reloading the
 * config (pass start → first ipvsadm), every ipvsadm run, the work between two runs (named after
 * the run before it: "after ipvsadm -S -n" is mostly parsing and planning), and what follows the
 * last run. Events are wall-clock ms; `passStart` null: an apply, whose first trace line starts it.
 */
export function passSegments(triggerAt: number, passStart: number | null, passEnd: number, events: readonly TraceEvent[], untilPass = 'until the pass starts'): Segment[] {
  const inPass = events.filter((e) => e.at >= triggerAt - 1 && e.at <= passEnd + 1);
  const out: Segment[] = [];
  let cursor = triggerAt;
  let lastRun: string | null = null;
  if (passStart !== null) {
    out.push({ what: untilPass, ms: passStart - triggerAt });
    cursor = passStart;
  }
  for (const e of inPass) {
    if (!e.event.startsWith('ipvsadm ')) continue;
    const run = shortArgs(e.event);
    if (e.event.endsWith(' started')) {
      out.push({ what: lastRun === null ? (passStart === null ? 'start-up and loading the config' : 'reload') : `after ${lastRun}`, ms: e.at - cursor });
    } else {
      out.push({ what: run, ms: e.at - cursor });
      lastRun = run;
    }
    cursor = e.at;
  }
  out.push({ what: lastRun === null ? 'the pass' : `after ${lastRun} to the end`, ms: passEnd - cursor });
  return out;
}

/** The lines of a trace and log between two wall-clock times, with ms since `triggerAt`, for the saved per-pass file. */
export function passTranscript(title: string, triggerAt: number, until: number, events: readonly TraceEvent[], passes: readonly PassLine[], marks: readonly TraceEvent[]): string {
  const rows: TraceEvent[] = [
    ...events.filter((e) => e.at >= triggerAt - 1 && e.at <= until + 1),
    ...passes.filter((p) => p.endAt >= triggerAt && p.startAt <= until).flatMap((p) => [
      { at: p.startAt, event: `(pass ${p.pass} started: its log line's time minus durationMs)` },
      { at: p.endAt, event: `log: ${p.msg}` },
    ]),
    ...marks,
  ].sort((a, b) => a.at - b.at);
  const lines = [`# ${title}`, `# ms since the trigger (${new Date(triggerAt).toISOString()})`, ...rows.map((r) => `${(r.at - triggerAt).toFixed(0).padStart(8)} ms  ${r.event}`)];
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// keepalived's own code, where it runs

export interface KeepalivedParseCpu {
  /** `keepalived -t -f CONF`: parse and check the configuration */
  readonly conf: CpuMs;
  /** the same with an empty configuration: process start-up and nothing else */
  readonly empty: CpuMs;
}

/**
 * `keepalived -t` is the one part of keepalived that runs without IPVS (on the host too): it parses
 * and checks a configuration. Each run once untimed first (binaries and files into the page cache).
 */
export async function keepalivedParseCpu(conf: string, work: string): Promise<KeepalivedParseCpu> {
  const empty = join(work, 'empty.conf');
  writeFileSync(empty, '# nothing\n');
  const cpuFile = join(work, 'cpu-keepalived-t.txt');
  const run = async (file: string): Promise<CpuMs> => (await timedRun('keepalived', ['-t', '-f', file], { cpuFile })).cpu;
  await run(empty);
  const e = await run(empty);
  await run(conf);
  const c = await run(conf);
  return { conf: c, empty: e };
}
