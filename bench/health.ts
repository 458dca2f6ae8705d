/**
 * The health-check scenario of the benchmark (issue 13): `npm run bench -- --health[=10k,50k]`.
 *
 * The parent (bench.ts) starts one checker process per size. The checker forks the real servers
 * (bench/health-targets.ts: loopback listeners that answer HTTP 200, a tenth of which start hanging
 * on command) and runs the whole `lvsync watch` daemon (startDaemon) in-process against the
 * in-memory fake ipvsadm, with the real HTTP probes, the real clock and its HTTP endpoints, on a
 * desired state of services × 1,000 real servers, each server one of the listeners, checked by
 * `healthCheck: { type: http, interval: 5s, timeout: 2s, fall: 3, rise: 2 }`. The parent polls
 * the daemon's /healthz meanwhile. Timeline of one size:
 *
 *   1. warm-up: the first pass applies the table, every server is checked until all are up;
 *   2. steady: two intervals with every server healthy (CPU per check);
 *   3. failure: a tenth of the servers start hanging at once (they accept and never answer); runs
 *      until every one of them is at weight 0 in the (fake) kernel, or the limit;
 *   4. round: `plan --health`'s round (runHealthRound) over the same config, hanging ones included.
 *
 * Reported: how long each hanging server took to be marked down (the daemon's log line) and to be
 * out of rotation (its `-e … -w 0` in an `ipvsadm -R`) from the moment it started hanging,
 * against the bound fall × interval + timeout (+ one pass); servers marked down that never hung
 * (must be 0); CPU per check; peak RSS; event-loop delay (perf_hooks.monitorEventLoopDelay) per
 * phase; the daemon's pass durations; /healthz latency; the round's time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';

import { runHealthRound } from '../src/cli/health-round.js';
import type { CliIo } from '../src/cli/io.js';
import { NODE_FLAGS } from '../src/cli/node-flags.js';
import { loadDesired } from '../src/desired/load.js';
import { createProbe } from '../src/health/probe.js';
import type { Probe } from '../src/health/types.js';
import type { Ipvsadm } from '../src/ipvsadm/port.js';
import { systemClock } from '../src/watch/clock.js';
import { startDaemon } from '../src/watch/daemon.js';
import { createInMemoryIpvsadm } from '../test/helpers/in-memory-ipvsadm.js';
import type { BenchListener } from './health-targets.js';

const SELF = fileURLToPath(import.meta.url);
const TARGETS_BIN = SELF.replace(/health\.js$/, 'health-targets.js');

export interface HealthSize {
  readonly id: string;
  readonly servers: number;
}

export const HEALTH_SIZES: readonly HealthSize[] = [
  // a smoke run of the scenario itself (a minute, little CPU)
  { id: '1k', servers: 1_000 },
  { id: '10k', servers: 10_000 },
  { id: '50k', servers: 50_000 },
];

export interface HealthBenchConfig {
  readonly servers: number;
  /** listener processes' sockets; server i is served by listener i mod listeners */
  readonly listeners: number;
  /** every flipEvery-th listener hangs at the failure: 10 = 10% of the servers */
  readonly flipEvery: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly rise: number;
  readonly fall: number;
  /** how long the failure phase may run after the flip before the checker gives up */
  readonly limitMs: number;
  /** how long the round may run before it is cut short */
  readonly roundLimitMs: number;
  /** checks in flight at most; null: what lvsync watch uses by default */
  readonly concurrency: number | null;
}

export interface Delay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface PhaseResult {
  readonly name: 'warm-up' | 'steady' | 'failure' | 'round';
  readonly ms: number;
  readonly checks: number;
  readonly cpuUs: number;
  readonly eventLoop: Delay;
}

export interface Spread {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface HealthBenchResult {
  readonly size: string;
  readonly config: HealthBenchConfig;
  /** what the daemon logged as its caps ('64' for a build without health/budget.ts) */
  readonly inFlightCap: string;
  readonly hanging: number;
  /** every server up after this long (ms from the start); null if not within the warm-up limit */
  readonly allUpMs: number | null;
  /** from the flip to the down transition (the daemon's log line), per hanging server */
  readonly down: Spread;
  /** from the flip to its `-e … -w 0` in an `ipvsadm -R` of the daemon, per hanging server */
  readonly outOfRotation: Spread;
  /** fall × interval + timeout */
  readonly boundMs: number;
  readonly falseDowns: number;
  readonly healthyFailedChecks: number;
  readonly failedDetails: readonly string[];
  readonly errors: readonly string[];
  readonly maxInFlight: number;
  readonly phases: readonly PhaseResult[];
  /** the daemon's passes after the warm-up (health passes and drift passes) */
  readonly passes: Spread;
  readonly round: { readonly ms: number; readonly down: number; readonly cutShort: boolean };
  /** maxRSS of the daemon's process when the failure phase ended (before the round) */
  readonly peakRssMiB: number;
  /** the parent's view of GET /healthz (ms per request) */
  status?: Spread & { readonly failed: number };
}

export function defaultHealthConfig(size: HealthSize, env: NodeJS.ProcessEnv = process.env): HealthBenchConfig {
  const limitMs = Number(env.LVSYNC_BENCH_HEALTH_LIMIT ?? 60) * 1000;
  return {
    servers: size.servers, listeners: 1000, flipEvery: 10, intervalMs: 5000, timeoutMs: 2000, rise: 2, fall: 3,
    limitMs, roundLimitMs: limitMs, concurrency: null,
  };
}

// ---------------------------------------------------------------------------------------------
// parent side

/** One size in a fresh checker process, the status server polled meanwhile. */
export async function runHealthSize(size: HealthSize, config: HealthBenchConfig, log: (s: string) => void): Promise<HealthBenchResult> {
  // LVSYNC_BENCH_HEALTH_PROF=DIR: a CPU profile of the checker (read it with bench/profile-summary.mjs)
  const prof = process.env.LVSYNC_BENCH_HEALTH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LVSYNC_BENCH_HEALTH_PROF}`] : [];
  const child = fork(SELF, ['--child-health', JSON.stringify({ ...config, size: size.id })], { execArgv: [...NODE_FLAGS, ...prof], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const latencies: number[] = [];
  let failed = 0;
  let poller: NodeJS.Timeout | undefined;
  // a hard stop for the whole size: the phases' own limits plus slack
  const hardLimitMs = 8 * config.intervalMs + config.limitMs + config.roundLimitMs + 180_000;
  try {
    return await new Promise<HealthBenchResult>((resolve, reject) => {
      const killer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`health checker ${size.id} did not finish within ${hardLimitMs / 1000} s`)); }, hardLimitMs);
      child.on('message', (m: { type: string; url?: string; line?: string; result?: HealthBenchResult }) => {
        if (m.type === 'status-url') {
          const url = new URL(m.url!);
          let busy = false;
          poller = setInterval(() => {
            if (busy) return;
            busy = true;
            const t0 = performance.now();
            const req = httpRequest({ host: url.hostname, port: url.port, path: '/healthz', agent: false, timeout: 10_000 }, (res) => {
              res.resume();
              res.on('end', () => { latencies.push(performance.now() - t0); busy = false; });
            });
            req.on('timeout', () => req.destroy(new Error('timeout')));
            req.on('error', () => { failed++; busy = false; });
            req.end();
          }, 100);
        } else if (m.type === 'status-stop') clearInterval(poller);
        else if (m.type === 'log') log(m.line!);
        else if (m.type === 'result') { clearTimeout(killer); resolve(m.result!); }
      });
      child.on('exit', (code) => { clearTimeout(killer); reject(new Error(`health checker ${size.id} exited ${code} without a result`)); });
    }).then((r) => ({ ...r, status: { count: latencies.length, ...summary(latencies), failed } }));
  } finally {
    clearInterval(poller);
    // let it exit by itself (a CPU profile is written at exit), then make sure
    if (child.exitCode === null) await new Promise<void>((resolve) => { const t = setTimeout(() => { child.kill(); resolve(); }, 10_000); child.once('exit', () => { clearTimeout(t); resolve(); }); });
  }
}

// ---------------------------------------------------------------------------------------------
// the report

function dur(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ms`;
}

const count = (n: number) => n.toLocaleString('en-US');

/** One column per size, one row per figure. */
export function healthReport(results: readonly HealthBenchResult[]): string {
  const phase = (r: HealthBenchResult, name: PhaseResult['name']) => r.phases.find((p) => p.name === name);
  const perCheck = (r: HealthBenchResult, name: PhaseResult['name']) => {
    const p = phase(r, name);
    return p && p.checks > 0 ? `${(p.cpuUs / p.checks).toFixed(0)} µs` : '–';
  };
  const eld = (r: HealthBenchResult, name: PhaseResult['name']) => {
    const p = phase(r, name);
    return p ? `${dur(p.eventLoop.p99)} / ${dur(p.eventLoop.max)}` : '–';
  };
  const spread = (x: Spread) => `${dur(x.p50)} / ${dur(x.p99)} / ${dur(x.max)}`;
  const passSlack = (r: HealthBenchResult) => r.passes.max + 200;
  const rows: [string, (r: HealthBenchResult) => string][] = [
    ['real servers (services × 1,000)', (r) => `${count(r.config.servers)} (${Math.ceil(r.config.servers / r.config.listeners)})`],
    ['checks in flight: cap (most seen)', (r) => `${r.inFlightCap} (${count(r.maxInFlight)})`],
    ['all up after (first pass, first checks)', (r) => (r.allUpMs === null ? 'not within the limit' : dur(r.allUpMs))],
    ['start hanging at once', (r) => count(r.hanging)],
    ['marked down: how many, p50 / p99 / max after they started hanging', (r) => `${count(r.down.count)}: ${spread(r.down)}`],
    ['out of rotation (`-e … -w 0` applied): how many, p50 / p99 / max', (r) => `${count(r.outOfRotation.count)}: ${spread(r.outOfRotation)}`],
    ['bound: fall × interval + timeout (+ one pass: the slowest pass + 200 ms of coalescing)', (r) => `${dur(r.boundMs)} (${dur(r.boundMs + passSlack(r))})`],
    ['every hanging server out of rotation within the bound + one pass', (r) => (r.outOfRotation.count === r.hanging && r.outOfRotation.max <= r.boundMs + passSlack(r) ? 'yes' : '**no**')],
    ['healthy servers marked down', (r) => String(r.falseDowns)],
    ['failed checks of healthy servers', (r) => `${count(r.healthyFailedChecks)}${r.failedDetails.length ? ` (${r.failedDetails.join('; ')})` : ''}`],
    ['checks per second (steady)', (r) => { const p = phase(r, 'steady'); return p ? count(Math.round(p.checks / (p.ms / 1000))) : '–'; }],
    ['CPU per check: steady / failure', (r) => `${perCheck(r, 'steady')} / ${perCheck(r, 'failure')}`],
    ['peak RSS of the daemon', (r) => `${r.peakRssMiB.toFixed(0)} MiB`],
    ['event-loop delay p99 / max: steady', (r) => eld(r, 'steady')],
    ['event-loop delay p99 / max: failure', (r) => eld(r, 'failure')],
    ['daemon passes after the warm-up: how many, p50 / max', (r) => `${r.passes.count}: ${dur(r.passes.p50)} / ${dur(r.passes.max)}`],
    ['GET /healthz every 100 ms: p99 / max (requests)', (r) => (r.status ? `${dur(r.status.p99)} / ${dur(r.status.max)} (${count(r.status.count)}${r.status.failed ? `, ${r.status.failed} failed` : ''})` : '–')],
    ['`plan --health` round, hanging servers included', (r) => `${dur(r.round.ms)}${r.round.cutShort ? ' (cut short)' : ''}, ${count(r.round.down)} down`],
    ['errors logged by the daemon', (r) => (r.errors.length ? r.errors.join(' ') : 'none')],
  ];
  const out: string[] = [];
  out.push(`| | ${results.map((r) => r.size).join(' | ')} |`);
  out.push(`| --- | ${results.map(() => '---:').join(' | ')} |`);
  for (const [label, cell] of rows) out.push(`| ${label} | ${results.map(cell).join(' | ')} |`);
  const c = results[0]?.config;
  if (c) {
    out.push('');
    out.push(`\`lvsync watch\` (startDaemon, in-process, in-memory fake ipvsadm, \`--interval 10s\`) with \`healthCheck: { type: http, path: /healthz, interval: ${dur(c.intervalMs)}, timeout: ${dur(c.timeoutMs)}, fall: ${c.fall}, rise: ${c.rise} }\` on every real server; the real servers are ${c.listeners} loopback listeners (127.20.x.y, 10 ports each) in a process of their own, each one a real server of every service. Every ${c.flipEvery}th listener starts hanging (accepts, never answers) at once after the warm-up and two healthy intervals. *marked down* = the daemon's "is down" log line; *out of rotation* = its \`-e … -w 0\` line in an \`ipvsadm -R\` of a health pass. *CPU per check* = the daemon process's user + system CPU over the phase / the checks completed in it (its passes and endpoints included). *event-loop delay* = perf_hooks.monitorEventLoopDelay (10 ms resolution). */healthz* = from the parent process. *round* = \`runHealthRound\` (what \`plan --health\` runs) over the same config after the daemon stopped. Peak RSS = the daemon process's maxRSS when the failure phase ended.`);
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// checker side

function summary(xs: readonly number[]): { p50: number; p99: number; max: number } {
  if (xs.length === 0) return { p50: NaN, p99: NaN, max: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
}

function delayOf(h: IntervalHistogram): Delay {
  // nanoseconds; an empty histogram reports huge sentinel values
  if (h.count === 0) return { p50: NaN, p99: NaN, max: NaN };
  return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function startTargets(config: HealthBenchConfig): Promise<{ child: ChildProcess; listeners: BenchListener[]; flip: () => Promise<number> }> {
  const child = fork(TARGETS_BIN, [String(config.listeners), String(config.flipEvery)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const listeners = await new Promise<BenchListener[]>((resolve, reject) => {
    child.once('message', (m: { type: string; listeners: BenchListener[] }) => (m.type === 'ready' ? resolve(m.listeners) : reject(new Error(m.type))));
    child.once('exit', (code) => reject(new Error(`the listeners exited ${code}`)));
  });
  const flip = () => new Promise<number>((resolve) => {
    child.once('message', (m: { type: string; at: number }) => resolve(m.at));
    child.send({ type: 'flip' });
  });
  return { child, listeners, flip };
}

/** The desired state: services of one real server per listener each, in files of ten services. */
function writeDesired(dir: string, config: HealthBenchConfig, listeners: readonly BenchListener[]): void {
  const services = Math.ceil(config.servers / listeners.length);
  const check = `healthCheck: { type: http, path: /healthz, interval: ${config.intervalMs}ms, timeout: ${config.timeoutMs}ms, fall: ${config.fall}, rise: ${config.rise} }`;
  for (let file = 0; file * 10 < services; file++) {
    const out = ['version: 1', 'services:'];
    for (let i = file * 10; i < Math.min(services, file * 10 + 10); i++) {
      out.push(`  - name: s${i}`, `    address: 10.200.${i >> 8}.${(i & 255) + 1}`, '    port: 80', '    scheduler: wrr', `    ${check}`, '    realServers:');
      const count = Math.min(listeners.length, config.servers - i * listeners.length);
      for (const l of listeners.slice(0, count)) out.push(`      - { address: ${l.address}, port: ${l.port}, method: nat, weight: 1 }`);
    }
    writeFileSync(join(dir, `services-${String(file).padStart(3, '0')}.yaml`), `${out.join('\n')}\n`);
  }
}

async function checkerMain(config: HealthBenchConfig & { size: string }): Promise<void> {
  const say = (line: string) => process.send?.({ type: 'log', line: `  [health ${config.size}] ${line}` });
  const targetsProc = await startTargets(config);
  const work = mkdtempSync(join(tmpdir(), 'lvsync-bench-health-'));
  const confDir = join(work, 'conf');
  mkdirSync(confDir);
  writeDesired(confDir, config, targetsProc.listeners);
  /** "127.20.0.10|20009": the server key part of a target id, and of the -R lines' "-r 127.20.0.10:20009" */
  const hangs = new Set(targetsProc.listeners.filter((l) => l.flip).map((l) => `${l.address}|${l.port}`));
  const serverOf = (id: string) => id.slice(id.indexOf('#') + 1);
  const hangingServers = Math.round(config.servers / config.flipEvery);

  let flippedAt: number | null = null;
  const downAt = new Map<string, number>();
  const outAt = new Map<string, number>();
  let falseDowns = 0;
  let upCount = 0;
  const passMs: number[] = [];
  const errors: string[] = [];
  let inFlightCap = '64';
  // the daemon's log, read as it is written: only the lines the bench needs are parsed
  const log = pino({ level: 'info', base: null }, {
    write(line: string) {
      if (line.includes('"to":"down"')) {
        const l = JSON.parse(line) as { health: { target: string } };
        const id = l.health.target;
        if (!hangs.has(serverOf(id))) falseDowns++;
        else if (flippedAt !== null && !downAt.has(id)) downAt.set(id, Date.now() - flippedAt);
      } else if (line.includes('"pass":')) {
        const l = JSON.parse(line) as { pass: number; durationMs: number };
        if (upCount > 0) passMs.push(l.durationMs);
      } else if (line.includes('"healthChecksInFlight"')) {
        const c = (JSON.parse(line) as { healthChecksInFlight: { sockets: number; exec: number; fdLimit: number } }).healthChecksInFlight;
        inFlightCap = `${c.sockets} (exec ${c.exec}; open-file limit ${c.fdLimit})`;
      } else if (line.includes('"level":50') && errors.length < 5) errors.push(line.slice(0, 300));
    },
  });

  // the fake kernel behind the seam; each -R is read for the hanging servers set to weight 0
  const inner = createInMemoryIpvsadm();
  const ipvsadm: Ipvsadm = {
    describe: inner.describe,
    async run(args, input) {
      const r = await inner.run(args, input);
      // the fake keeps every call: dropped, or 50k-line texts would pile up in the RSS measured
      (inner.calls as unknown[]).length = 0;
      if (args[0] === '-R' && input !== undefined && flippedAt !== null) {
        const at = Date.now() - flippedAt;
        for (const m of input.matchAll(/^-e -t (\S+) -r (\S+):(\d+) .*-w 0$/gm)) {
          const id = `tcp|${m[1]!.replace(':', '|')}#${m[2]}|${m[3]}`;
          if (hangs.has(`${m[2]}|${m[3]}`) && !outAt.has(id)) outAt.set(id, at);
        }
      }
      return r;
    },
  };

  let inFlight = 0;
  let maxInFlight = 0;
  let checks = 0;
  let healthyFailed = 0;
  const failedDetails = new Set<string>();
  const real = createProbe();
  const probe: Probe = (c, t, signal) => {
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    return real(c, t, signal).then((r) => {
      inFlight--;
      checks++;
      if (!r.ok && !hangs.has(`${t.address}|${t.port}`)) {
        healthyFailed++;
        if (failedDetails.size < 5) failedDetails.add(r.detail);
      }
      return r;
    });
  };

  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const phases: PhaseResult[] = [];
  let phaseStart = { t: performance.now(), cpu: process.cpuUsage(), checks: 0 };
  const endPhase = (name: PhaseResult['name']) => {
    const cpu = process.cpuUsage(phaseStart.cpu);
    phases.push({ name, ms: performance.now() - phaseStart.t, checks: checks - phaseStart.checks, cpuUs: cpu.user + cpu.system, eventLoop: delayOf(eld) });
    eld.reset();
    phaseStart = { t: performance.now(), cpu: process.cpuUsage(), checks };
  };

  const started = Date.now();
  const daemon = await startDaemon({
    paths: [confDir], intervalMs: 10_000, detectOnly: false, listen: { host: '127.0.0.1', port: 0 },
    stateDir: join(work, 'state'), perCommand: false, allowMassDelete: false, hostname: 'bench', version: 'bench',
  }, { ipvsadm, clock: systemClock, log, watch: false, probe });
  process.send?.({ type: 'status-url', url: daemon.url });
  const gauge = async (status: string) => (await daemon.metrics.realServersHealth.get()).values.find((v) => v.labels.status === status)?.value ?? 0;
  say(`${config.servers} servers (${Math.ceil(config.servers / targetsProc.listeners.length)} services) on ${targetsProc.listeners.length} listeners, ${hangingServers} to hang; checks in flight at most ${inFlightCap}`);

  const warmLimit = started + 4 * config.intervalMs + config.timeoutMs + 30_000;
  while ((upCount = await gauge('up')) < config.servers && Date.now() < warmLimit) await sleep(100);
  const allUpMs = upCount === config.servers ? Date.now() - started : null;
  endPhase('warm-up');
  say(`warm-up: ${upCount} up after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await sleep(2 * config.intervalMs);
  endPhase('steady');

  flippedAt = await targetsProc.flip();
  const failLimit = flippedAt + config.limitMs;
  while (outAt.size < hangingServers && Date.now() < failLimit) await sleep(100);
  endPhase('failure');
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const down = summary([...downAt.values()]);
  const out = summary([...outAt.values()]);
  const healthyFailedChecks = healthyFailed;
  const healthyFailedDetails = [...failedDetails];
  say(`failure: ${downAt.size} of ${hangingServers} down (slowest after ${(down.max / 1000).toFixed(1)} s), ${outAt.size} out of rotation (slowest after ${(out.max / 1000).toFixed(1)} s); ${falseDowns} healthy servers marked down, ${healthyFailed} failed checks of healthy servers`);
  process.send?.({ type: 'status-stop' });
  await daemon.stop('SIGTERM');

  // plan --health's round, as the CLI runs it, with the hanging servers still hanging
  const loaded = await loadDesired([confDir]);
  const io = { stderr: () => undefined, probe, clock: systemClock } as unknown as CliIo;
  const roundStart = performance.now();
  let cutShort = false;
  const states = await Promise.race([
    runHealthRound(io, loaded.state!).then((r) => r.states),
    sleep(config.roundLimitMs).then(() => { cutShort = true; return new Map(); }),
  ]);
  const roundMs = performance.now() - roundStart;
  endPhase('round');
  let roundDown = 0;
  for (const st of states.values()) if (st.status === 'down') roundDown++;
  say(`round: ${roundDown} down in ${(roundMs / 1000).toFixed(1)} s${cutShort ? ' (cut short)' : ''}`);

  eld.disable();
  targetsProc.child.send({ type: 'stop' });
  rmSync(work, { recursive: true, force: true });
  const result: HealthBenchResult = {
    size: config.size, config, inFlightCap, hanging: hangingServers, allUpMs,
    down: { count: downAt.size, ...down }, outOfRotation: { count: outAt.size, ...out },
    boundMs: config.fall * config.intervalMs + config.timeoutMs,
    falseDowns, healthyFailedChecks, failedDetails: healthyFailedDetails, errors, maxInFlight, phases,
    passes: { count: passMs.length, ...summary(passMs) },
    round: { ms: roundMs, down: roundDown, cutShort },
    peakRssMiB,
  };
  process.send?.({ type: 'result', result }, () => {
    process.disconnect?.();
    process.exit(0);
  });
}

if (process.argv[1] === SELF && process.argv[2] === '--child-health') await checkerMain(JSON.parse(process.argv[3]!));
