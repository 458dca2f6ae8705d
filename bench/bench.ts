/**
 * lvsync's performance benchmark (issue 6): `npm run bench [-- flags]`.
 *
 *   --quick          1k×4 and 10k×4 only, 2 runs, a small per-command sample (a smoke run, ~1-2 min)
 *   --sizes a,b      table sizes to run: 1k, 10k, 50k, 1kx256, ka (default: all)
 *   --runs N         timed runs per size and scenario, after the first pass (default 3 for 1k×4, 2 for
 *                    the larger tables, so that the whole run stays under 10 minutes). For the 50k×4 and
 *                    1k×256 tables the YAML.parse baseline (the yaml library: ~20 s each) is measured once
 *                    per size
 *   --vm             also run the real-kernel comparison in the QEMU VM (test/kernel/vm.sh; minutes)
 *   --vm-reps N      floor/lvsync pairs per scenario in the VM (default 1)
 *   --vm-only        only the VM part (its result is kept in test-output/bench/vm-result.json and shown by later runs)
 *   --vm-peer-sizes a,b   the peer comparison in the VM (keepalived, lvsync apply and watch, the -R floor;
 *                    bench/vm-peers.ts), run with --vm in the same boot after the apply-vs-floor pairs:
 *                    sizes 1k, ka16 (2,300 × 16), 10k (default: all three; "none" to skip it). Its host
 *                    side (lvsync's CPU for the same changes with the fake ipvsadm, bench/peers-host.ts)
 *                    runs before the boot
 *   --vm-peer-tools t,u   floor, keepalived, apply, watch (default: all; keepalived is skipped, with a
 *                    note, when it is not installed)
 *   --vm-peer-steps s,t   cold, weights1, churn10 (default: all; a step runs its chain up to it)
 *   --vm-peer-reps N chains per tool and size (default 1)
 *   --vm-peers-only  only the peer comparison (implies --vm-only; skips the pairs and the VM steady state)
 *   --no-apply       skip the fake-ipvsadm parts (-R vs per command, steady state)
 *   --readers-only   only the YAML readers compared (issue 12): the fast reader and js-yaml 4 on each
 *                    size's desired files, a cold pass each and --runs timed runs, in a process per size
 *   --health[=10k,50k]  only the health-check scenario (bench/health.ts): lvsync watch with 10,000 (default) or
 *                    50,000 HTTP-checked real servers on loopback listeners (1k: a smoke run), a tenth of them
 *                    starting to hang; time to mark each down and out of rotation, false downs, CPU per
 *                    check, peak RSS, event-loop delay, pass durations, a plan --health round
 *   --metrics        only the /metrics scenario (bench/metrics.ts): lvsync watch over 2,300 × 16, scraped over
 *                    HTTP; wall and CPU of a cold scrape (listings older than --scrape-interval: read, parse,
 *                    series, serialise) and a warm one (another scraper: serialise), with and without
 *                    --metrics-servers, --runs N each (default 5)
 *   --record         also write the results into BENCHMARKS.md and bench/stage-times.png (the whole
 *                    results block: with --vm-only it would hold only the VM part)
 *
 * Environment: LVSYNC_BENCH_VM_TIMEOUT (seconds for the VM boot, default 1800, 3600 with the peers),
 * LVSYNC_BENCH_PEER_LIMIT (seconds one peer step may take, default 900), LVSYNC_BENCH_PEER_DRAIN (every service
 * declares this drainTimeout, e.g. 0s: lvsync deletes at once, as keepalived does), LVSYNC_BENCH_HEALTH_LIMIT (seconds the
 * health scenario's failure phase and its round may each run, default 60), LVSYNC_BENCH_HEALTH_PROF=DIR (a CPU
 * profile of the health checker), LVSYNC_VM_ACCEL=tcg
 * (skip the KVM probe), and the other LVSYNC_VM_* knobs of test/kernel/vm.sh.
 *
 * Every size and scenario runs in its own child process (fresh heap, its own peak RSS), and so does
 * each size's comparison of the YAML readers (on the no-change files). Results go
 * to test-output/bench/ (results.json, results.md, stage-times.png).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { REPO, compareApply, fakeAvailable, steadyState, type ApplyCompareResult, type SteadyStateResult } from './apply-fake.js';
import { chartSvg, renderPng, type ChartSeries } from './chart.js';
import { SCENARIOS, SCENARIO_TEXT, SIZES, type Scenario, type TableSize } from './generate.js';
import { NODE_FLAGS } from '../src/cli/node-flags.js';
import { READERS, STAGES, readerChild, stageChild, writeData, type Reader, type ReaderChildResult, type Stage, type StageChildResult } from './stages.js';
import type { VmResult } from './vm-inner.js';
import { PEER_STEPS, PEER_TOOLS, peerSize, writePeerData, type PeerConfig, type PeerStep, type PeerTool } from './peers-data.js';
import { runHostPeers, type HostPeerResult } from './peers-host.js';
import { peersReport } from './peers-report.js';
import { metricsReport, runMetricsBench } from './metrics.js';
import { HEALTH_SIZES, defaultHealthConfig, healthReport, runHealthSize, type HealthBenchResult, type HealthSize } from './health.js';

const SELF = fileURLToPath(import.meta.url);
const OUT = join(REPO, 'test-output/bench');

// ---------------------------------------------------------------------------------------------
// child mode

if (process.argv[2] === '--child-stages') {
  const [dir, runs, light, baseline] = process.argv.slice(3);
  const result = await stageChild(dir!, Number(runs), { light: light === 'light', baseline: baseline !== 'no-baseline' });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
if (process.argv[2] === '--child-readers') {
  const [dir, runs] = process.argv.slice(3);
  process.stdout.write(`${JSON.stringify(readerChild(dir!, Number(runs)))}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// arguments

interface Args {
  quick: boolean;
  sizes: TableSize[];
  runs: number | null;
  vm: boolean;
  vmReps: number;
  apply: boolean;
  record: boolean;
  vmOnly: boolean;
  readersOnly: boolean;
  peerSizes: string[];
  peerTools: PeerTool[];
  peerSteps: PeerStep[];
  peerReps: number;
  peersOnly: boolean;
  /** the health scenario alone, at these sizes (null: not asked for) */
  health: HealthSize[] | null;
  /** the /metrics scenario alone */
  metrics: boolean;
}

function listOf<T extends string>(text: string, allowed: readonly T[], what: string): T[] {
  return text.split(',').map((x) => x.trim()).filter((x) => x !== '').map((x) => {
    if (!allowed.includes(x as T)) throw new Error(`unknown ${what} "${x}"; use ${allowed.join(', ')}`);
    return x as T;
  });
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    quick: false, sizes: [...SIZES], runs: null, vm: false, vmReps: 1, apply: true, record: false, vmOnly: false,
    peerSizes: ['1k', 'ka16', '10k'], peerTools: [...PEER_TOOLS], peerSteps: [...PEER_STEPS], peerReps: 1, peersOnly: false, readersOnly: false, health: null, metrics: false,
  };
  let sizesGiven = false;
  let peerSizesGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a.startsWith('--sizes')) {
      sizesGiven = true;
      args.sizes = value().split(',').map((id) => {
        const s = SIZES.find((x) => x.id === id.trim());
        if (!s) throw new Error(`unknown size "${id}"; use ${SIZES.map((x) => x.id).join(', ')}`);
        return s;
      });
    } else if (a.startsWith('--runs')) args.runs = Number(value());
    else if (a === '--vm') args.vm = true;
    else if (a.startsWith('--vm-reps')) args.vmReps = Number(value());
    else if (a.startsWith('--vm-peer-sizes')) {
      const v = value();
      peerSizesGiven = true;
      args.peerSizes = v === 'none' ? [] : v.split(',').map((id) => peerSize(id.trim()).id);
    } else if (a.startsWith('--vm-peer-tools')) args.peerTools = listOf(value(), PEER_TOOLS, 'peer tool');
    else if (a.startsWith('--vm-peer-steps')) args.peerSteps = listOf(value(), PEER_STEPS, 'peer step');
    else if (a.startsWith('--vm-peer-reps')) args.peerReps = Number(value());
    else if (a === '--vm-peers-only') { args.peersOnly = true; args.vmOnly = true; args.vm = true; args.apply = false; args.sizes = []; sizesGiven = true; }
    else if (a === '--no-apply') args.apply = false;
    else if (a === '--vm-only') { args.vmOnly = true; args.vm = true; args.apply = false; args.sizes = []; sizesGiven = true; }
    else if (a === '--readers-only') { args.readersOnly = true; args.apply = false; }
    else if (a === '--record') args.record = true;
    else if (a === '--metrics') args.metrics = true;
    else if (a === '--health' || a.startsWith('--health=')) {
      const ids = a.includes('=') ? a.slice(a.indexOf('=') + 1).split(',') : ['10k'];
      args.health = ids.map((id) => {
        const s = HEALTH_SIZES.find((x) => x.id === id.trim());
        if (!s) throw new Error(`unknown health size "${id}"; use ${HEALTH_SIZES.map((x) => x.id).join(', ')}`);
        return s;
      });
    }
    else if (a === '-h' || a === '--help') {
      process.stdout.write(readFileSync(SELF.replace(/\.js$/, '.js'), 'utf8').split('*/')[0]!.replace(/^\/\*\*?|^ \* ?/gm, '') + '\n');
      process.exit(0);
    } else throw new Error(`unknown flag ${a} (see --help)`);
  }
  if (args.health && args.record) throw new Error('--health runs the health scenario alone: record its figures by hand in BENCHMARKS.md (--record rewrites the whole results block)');
  if (args.quick && !sizesGiven) args.sizes = SIZES.filter((s) => s.id === '1k' || s.id === '10k');
  if (args.record && args.readersOnly) throw new Error('--record rewrites the whole results block: not with --readers-only');
  if (args.quick && !peerSizesGiven) args.peerSizes = ['1k'];
  return args;
}

// ---------------------------------------------------------------------------------------------
// statistics and formatting

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function ms(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${v.toFixed(0)}`;
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function spread(xs: readonly number[]): string {
  return `${ms(median(xs))} (${ms(Math.min(...xs))}–${ms(Math.max(...xs))})`;
}

function num(n: number): string {
  return n.toLocaleString('en-US');
}

const STAGE_TITLE: Record<Stage, string> = {
  read: 'read', yaml: 'YAML', schema: 'schema', rules: 'rules', normalise: 'normalise',
  liveParse: 'live parse', plan: 'plan', digests: 'digests', renderR: 'render -R', renderText: 'render text',
};

// ---------------------------------------------------------------------------------------------
// the parts

function log(s: string): void {
  process.stderr.write(`${s}\n`);
}

function defaultRuns(size: TableSize, args: Args): number {
  if (args.runs) return args.runs;
  if (args.quick) return 2;
  return size.servers >= 20_000 ? 2 : 3;
}

/** The 50k×4 and 1k×256 tables: a pass takes tens of seconds, so they run light (see stageChild). */
function isLarge(size: TableSize): boolean {
  return size.services + size.servers > 100_000;
}

function runStages(size: TableSize, scenario: Scenario, runs: number, light: boolean, baseline: boolean): StageChildResult {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-bench-'));
  try {
    writeData(dir, size.id, scenario);
    // the V8 flags the lvsync binary runs with (src/cli/node-flags.ts), so the stages are measured as lvsync runs them
    const r = spawnSync(process.execPath, [...NODE_FLAGS, '--expose-gc', SELF, '--child-stages', dir, String(runs), light ? 'light' : 'full', baseline ? 'baseline' : 'no-baseline'], {
      encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`stage child ${size.id}/${scenario} exited ${r.status}`);
    return JSON.parse(r.stdout) as StageChildResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fast reader and js-yaml on one size's desired files (the no-change scenario's: the base table), in a child of their own. */
function runReaders(size: TableSize, runs: number): ReaderChildResult {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-bench-'));
  try {
    writeData(dir, size.id, 'nochange');
    const r = spawnSync(process.execPath, [...NODE_FLAGS, '--expose-gc', SELF, '--child-readers', dir, String(runs)], {
      encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`reader child ${size.id} exited ${r.status}`);
    return JSON.parse(r.stdout) as ReaderChildResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const READER_TITLE: Record<Reader, string> = {
  fast: 'fast reader', jsYaml: 'js-yaml + service positions + long strings copied', jsYamlLoad: 'js-yaml load alone',
};

function readerTable(results: readonly ReaderChildResult[]): string {
  const head = ['table', 'YAML', ...READERS.map((r) => READER_TITLE[r]), 'ratio js-yaml / fast (replacement, load alone)', 'first pass: fast, js-yaml', 'heap held: fast, js-yaml, load alone'];
  const rows = results.map((r) => {
    const fast = median(r.times.fast);
    return [
      r.size, `${r.files} files, ${(r.desiredBytes / 1048576).toFixed(1)} MiB`,
      ...READERS.map((x) => spread(r.times[x])),
      `${(median(r.times.jsYaml) / fast).toFixed(2)}×, ${(median(r.times.jsYamlLoad) / fast).toFixed(2)}×`,
      `${ms(r.first.fast)}, ${ms(r.first.jsYaml)}`,
      READERS.map((x) => `${r.heldMiB[x].toFixed(0)}`).join(', ') + ' MiB',
    ];
  });
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i < 2 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function stageTable(results: readonly StageChildResult[]): string {
  const head = ['table', 'scenario', 'ops', ...STAGES.map((s) => STAGE_TITLE[s]), 'parse + validate + plan', 'read + YAML.parse', 'ratio', 'first pass', 'peak RSS'];
  const rows = results.map((r) => {
    return [
      r.size, SCENARIO_TEXT[r.scenario], num(r.operations),
      ...STAGES.map((s) => ms(median(r.stages[s]))),
      spread(r.endToEnd), `${spread(r.baseline)}${r.baselineShared ? ' *' : ''}`,
      `${(median(r.endToEnd) / median(r.baseline)).toFixed(2)}×`,
      ms(r.firstPassMs),
      `${r.peakRssOnePassMiB.toFixed(0)} MiB`,
    ];
  });
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i < 2 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function buildChart(results: readonly StageChildResult[], scenario: Scenario): Buffer | null {
  const pick = results.filter((r) => r.scenario === scenario);
  if (pick.length === 0) return null;
  const x = (r: StageChildResult): number => r.services + r.servers;
  const family = pick.filter((r) => r.servers === r.services * 4).sort((a, b) => x(a) - x(b));
  const others = pick.filter((r) => r.servers !== r.services * 4);
  const shapeOf = (r: StageChildResult): 'square' | 'triangle' => (r.servers / r.services > 100 ? 'square' : 'triangle');
  const colors: Record<string, string> = {
    yaml: '#1f77b4', schema: '#ff7f0e', rules: '#2ca02c', normalise: '#17becf', liveParse: '#9467bd', plan: '#d62728', digests: '#7f7f7f', renderR: '#8c564b', renderText: '#e377c2',
  };
  const series: ChartSeries[] = [];
  const pt = (r: StageChildResult, v: number): { x: number; ms: number } => ({ x: x(r), ms: v });
  series.push({
    name: 'parse + validate + plan', color: '#000', line: family.map((r) => pt(r, median(r.endToEnd))),
    extra: others.map((r) => ({ point: pt(r, median(r.endToEnd)), shape: shapeOf(r) })),
  });
  series.push({
    name: 'read + YAML.parse', color: '#777', dashed: true, line: family.map((r) => pt(r, median(r.baseline))),
    extra: others.map((r) => ({ point: pt(r, median(r.baseline)), shape: shapeOf(r) })),
  });
  for (const s of STAGES) {
    if (s === 'read') continue;
    series.push({
      name: STAGE_TITLE[s], color: colors[s] ?? '#333', line: family.map((r) => pt(r, median(r.stages[s]))),
      extra: others.map((r) => ({ point: pt(r, median(r.stages[s])), shape: shapeOf(r) })),
    });
  }
  const first = family[0];
  const svg = chartSvg({
    title: `lvsync: time per stage against table size (${SCENARIO_TEXT[scenario]})`,
    subtitle: `median of the runs, one process per size; ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores), Node ${process.version}`,
    series,
    shapes: [
      { shape: 'circle', label: '×4 real servers' },
      ...(others.some((r) => shapeOf(r) === 'square') ? [{ shape: 'square' as const, label: '1k × 256' }] : []),
      ...(others.some((r) => shapeOf(r) === 'triangle') ? [{ shape: 'triangle' as const, label: '2.3k / 37.3k' }] : []),
    ],
    ...(first ? { linearFrom: { x: x(first), ms: median(first.endToEnd) } } : {}),
  });
  writeFileSync(join(OUT, 'stage-times.svg'), svg);
  return renderPng(svg);
}

// ---------------------------------------------------------------------------------------------
// budget

interface BudgetLine {
  readonly line: string;
  readonly met: boolean | null;
  readonly numbers: string;
}

function budget(results: readonly StageChildResult[], apply: ApplyCompareResult | null, steady: SteadyStateResult | null, vm: VmResult | null): BudgetLine[] {
  const out: BudgetLine[] = [];
  const at = (id: string): StageChildResult[] => results.filter((r) => r.size === SIZES.find((s) => s.id === id)?.label && r.scenario !== 'teardown');
  const big = at('50k');
  if (big.length) {
    const worst = big.reduce((a, b) => (median(a.endToEnd) > median(b.endToEnd) ? a : b));
    const e2e = median(worst.endToEnd);
    const base = median(worst.baseline);
    const coldest = big.reduce((a, b) => (a.firstPassMs > b.firstPassMs ? a : b));
    const ten = at('10k').find((r) => r.scenario === worst.scenario);
    const growth = ten ? `; 10k→50k (×5 the table): ×${(e2e / median(ten.endToEnd)).toFixed(2)} the time` : '';
    out.push({
      line: 'parse + validate + plan at 50k×4 under 2 s',
      met: e2e < 2000,
      numbers: `${ms(e2e)} (median of the timed runs, worst scenario: ${SCENARIO_TEXT[worst.scenario]})${growth}; a whole first pass in a fresh process (JIT cold, both renderings included) ${ms(coldest.firstPassMs)} at worst (${SCENARIO_TEXT[coldest.scenario]})`,
    });
    // lvsync no longer parses valid files with the yaml library: say the ratio to its own read + YAML stages too
    const own = median(worst.stages.read.map((r, i) => r + worst.stages.yaml[i]!));
    out.push({
      line: '… and within 3× of read + YAML-parse of the same files',
      met: e2e <= 3 * base,
      numbers: `${(e2e / base).toFixed(2)}× (${ms(e2e)} vs ${ms(base)} for readFile + the yaml library's YAML.parse); ${(e2e / own).toFixed(2)}× lvsync's own read + YAML stages (${ms(own)}, the fast reader)`,
    });
    const rss = Math.max(...big.map((r) => r.peakRssOnePassMiB));
    out.push({ line: 'peak memory at 50k×4 under 500 MB', met: rss * 1.048576 < 500, numbers: `${rss.toFixed(0)} MiB = ${(rss * 1.048576).toFixed(0)} MB (one load + parse + plan + render pass, worst scenario)` });
  }
  const steadyLines = (s: SteadyStateResult, where: string): void => {
    const base = `-S -n ${ms(median(s.saveMs))} + YAML ${ms(median(s.yamlMs))}`;
    out.push({
      line: `no-change pass at 10k×4 under 1.2× (ipvsadm -S -n + YAML parse), ${where}: daemon pass, files unchanged`,
      met: s.ratio < 1.2,
      numbers: `${s.ratio.toFixed(2)}× (pass ${ms(median(s.passMs))} vs ${base})`,
    });
    out.push({
      line: `… same, ${where}, with the YAML parsed again (a pass after any file changed)`,
      met: s.reparseRatio < 1.2,
      numbers: `${s.reparseRatio.toFixed(2)}× (pass ${ms(median(s.reparseMs))} vs ${base})`,
    });
  };
  if (steady) steadyLines(steady, 'fake ipvsadm');
  if (vm?.steady) steadyLines(vm.steady, 'real ipvsadm in the VM');
  if (apply) {
    out.push({
      line: `-R at least 20× faster than one process per command at ${num(apply.operations)} operations`,
      met: apply.ratio >= 20,
      numbers: `${apply.ratio.toFixed(0)}× (-R ${ms(median(apply.batchMs))}; per command ${ms(apply.perCommandTotalMs)}${apply.perCommandFull ? '' : `, extrapolated from ${apply.perCommandSamples.reduce((n, s) => n + s.count, 0)} sampled commands`})`,
    });
  }
  if (vm && vm.cold.pairs.length) {
    const r = vmRatio(vm.cold.pairs);
    out.push({ line: 'VM: lvsync apply within 1.5× of the direct ipvsadm -R floor, cold start 10k×4', met: r.ratio <= 1.5, numbers: r.text });
  }
  return out;
}

function vmRatio(pairs: VmResult['cold']['pairs']): { ratio: number; text: string } {
  const floorMs = median(pairs.map((p) => p.floorMs));
  const lvsyncMs = median(pairs.map((p) => p.lvsyncMs));
  return { ratio: lvsyncMs / floorMs, text: `${(lvsyncMs / floorMs).toFixed(2)}× (lvsync ${ms(lvsyncMs)} vs floor ${ms(floorMs)}, median of ${pairs.length} pairs)` };
}

// ---------------------------------------------------------------------------------------------
// main

function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown cpu';
  const [l1, l5, l15] = loadavg().map((x) => x.toFixed(2));
  return `${model}, ${cpus().length} cores, ${(Number(readFileSync('/proc/meminfo', 'utf8').match(/MemTotal:\s+(\d+)/)?.[1] ?? 0) / 1048576).toFixed(0)} GiB; Node ${process.version}; load average ${l1} / ${l5} / ${l15}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  mkdirSync(OUT, { recursive: true });
  if (args.health) return healthMain(args.health);
  if (args.metrics) return metricsMain(runsGiven(process.argv.slice(2)) ?? 5);
  const started = Date.now();
  const machineBefore = machine();
  log(`lvsync bench: ${machineBefore}`);

  const results: StageChildResult[] = [];
  const readers: ReaderChildResult[] = [];
  const compareReaders = (size: TableSize): void => {
    const t0 = Date.now();
    const r = runReaders(size, defaultRuns(size, args));
    readers.push(r);
    log(`  ${size.label.padEnd(11)} YAML readers: fast ${spread(r.times.fast)}, js-yaml ${spread(r.times.jsYaml)} (load alone ${spread(r.times.jsYamlLoad)}) → ${(median(r.times.jsYaml) / median(r.times.fast)).toFixed(2)}× (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  };
  for (const size of args.sizes) {
    if (args.readersOnly) { compareReaders(size); continue; }
    // large tables: the plain YAML.parse baseline is measured once (cold start: the same files as no change)
    let shared: number[] | null = null;
    for (const scenario of SCENARIOS) {
      const runs = defaultRuns(size, args);
      const light = isLarge(size) && !args.quick;
      const t0 = Date.now();
      const measureBaseline = !light || shared === null || scenario === 'teardown';
      let r = runStages(size, scenario, runs, light, measureBaseline);
      if (!measureBaseline && shared) r = { ...r, baseline: shared, baselineShared: true };
      else if (light && scenario !== 'teardown') shared = r.baseline;
      results.push(r);
      log(`  ${size.label.padEnd(11)} ${scenario.padEnd(9)} ${String(r.operations).padStart(7)} ops  parse→plan ${ms(median(r.endToEnd)).padStart(8)}  YAML.parse ${ms(median(r.baseline)).padStart(8)}${r.baselineShared ? '*' : ' '} RSS ${r.peakRssOnePassMiB.toFixed(0)} MiB  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    compareReaders(size);
  }

  let apply: ApplyCompareResult | null = null;
  let steady: SteadyStateResult | null = null;
  const notes: string[] = [];
  if (args.apply) {
    if (!fakeAvailable()) {
      notes.push('test/fixtures/bin/ipvsadm (the executable fake) is not runnable: -R vs per-command and the steady state were skipped');
    } else {
      const t0 = Date.now();
      apply = await compareApply({ id: '2k', label: '2k×4 cold start', services: 2_000, servers: 8_000 },
        args.quick ? { batchRuns: 1, windows: 3, perWindow: 10 } : { batchRuns: 3, windows: 3, perWindow: 40 });
      log(`  -R vs per command: ${num(apply.operations)} ops, -R ${ms(median(apply.batchMs))}, per command ${ms(apply.perCommandMsPerOp)}/op → ${ms(apply.perCommandTotalMs)}, ${apply.ratio.toFixed(0)}× (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      const t1 = Date.now();
      steady = await steadyState(SIZES.find((s) => s.id === '10k')!, args.quick ? 2 : 3);
      log(`  steady state 10k×4 (fake): pass ${ms(median(steady.passMs))}, re-parse ${ms(median(steady.reparseMs))}, -S -n ${ms(median(steady.saveMs))}, YAML ${ms(median(steady.yamlMs))} → ${steady.ratio.toFixed(2)}× / ${steady.reparseRatio.toFixed(2)}× (${((Date.now() - t1) / 1000).toFixed(0)} s)`);
    }
  }

  let vm: VmResult | null = null;
  let vmWallMs = 0;
  const vmFile = join(OUT, 'vm-result.json');
  let peersHost: HostPeerResult | null = null;
  let peerConfig: PeerConfig | null = null;
  if (args.vm && args.peerSizes.length && args.peerTools.length && args.peerSteps.length) {
    const keepalived = spawnSync('keepalived', ['--version'], { stdio: 'ignore' }).status === 0;
    if (!keepalived && args.peerTools.includes('keepalived')) notes.push('keepalived is not installed (apt-get install keepalived): the peer comparison ran without it');
    peerConfig = { sizes: args.peerSizes, tools: args.peerTools, steps: args.peerSteps, reps: args.peerReps, peersOnly: args.peersOnly, keepalived };
    // the inputs of every tool, in the directory the VM reads (bench/vm.ts passes peers.json along)
    const peerData = join(OUT, 'vm-data/peers');
    // the transcripts and the profile of this run only
    rmSync(join(OUT, 'peers'), { recursive: true, force: true });
    for (const id of args.peerSizes) writePeerData(join(peerData, id), peerSize(id));
    if (args.peerTools.includes('apply') || args.peerTools.includes('watch')) {
      const t0 = Date.now();
      log('peers, host side: lvsync apply and watch over the same chain with the fake ipvsadm...');
      const profileSize = args.peerSizes.includes('ka16') ? 'ka16' : args.peerSizes[args.peerSizes.length - 1]!;
      const profileStep: PeerStep = args.peerSteps.includes('weights1') ? 'weights1' : args.peerSteps[0]!;
      peersHost = await runHostPeers(peerData, args.peerSizes, args.peerSteps, join(OUT, 'peers'), { size: profileSize, step: profileStep }, log);
      log(`peers, host side done (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  if (args.vm) {
    const { runVm } = await import('./vm.js');
    const r = runVm(args.quick ? 1 : args.vmReps, log, peerConfig);
    vm = r.result;
    vmWallMs = r.wallMs;
    if (r.error) notes.push(`VM part failed: ${r.error}`);
  } else if (existsSync(vmFile)) {
    notes.push(`VM part not run this time (--vm); the last VM result (${vmFile}) is shown`);
    vm = JSON.parse(readFileSync(vmFile, 'utf8')) as VmResult;
  }

  const png = buildChart(results, results.some((r) => r.scenario === 'churn10') ? 'churn10' : results[0]?.scenario ?? 'nochange');
  if (png) writeFileSync(join(OUT, 'stage-times.png'), png);
  const totalS = (Date.now() - started) / 1000;
  const lines = budget(results, apply, steady, vm);
  const md = report({ args, results, readers, apply, steady, vm, vmWallMs, lines, notes, machineBefore, machineAfter: machine(), totalS, peersHost });
  writeFileSync(join(OUT, 'results.md'), md);
  writeFileSync(join(OUT, 'results.json'), `${JSON.stringify({ machine: machineBefore, results, readers, apply, steady, vm, peersHost, budget: lines, totalS }, null, 1)}\n`);
  process.stdout.write(md);
  if (args.record) record(md, png);
  log(`\nbench finished in ${totalS.toFixed(0)} s; results in ${OUT}`);
}

function runsGiven(argv: readonly string[]): number | null {
  const i = argv.indexOf('--runs');
  return i >= 0 ? Number(argv[i + 1]) : null;
}

async function metricsMain(runs: number): Promise<void> {
  const started = Date.now();
  const machineBefore = machine();
  log(`lvsync bench (metrics): ${machineBefore}`);
  const results = [];
  for (const servers of [true, false]) {
    results.push(await runMetricsBench({ servers, runs }));
    log(`  --metrics-servers=${servers}: done`);
  }
  const md = [
    `Machine: ${machineBefore}. Command: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`, ${((Date.now() - started) / 1000).toFixed(0)} s in all.`,
    '',
    metricsReport(results),
  ].join('\n');
  writeFileSync(join(OUT, 'metrics-results.md'), `${md}\n`);
  writeFileSync(join(OUT, 'metrics-results.json'), `${JSON.stringify({ machine: machineBefore, results }, null, 1)}\n`);
  process.stdout.write(`${md}\n`);
}

async function healthMain(sizes: readonly HealthSize[]): Promise<void> {
  const started = Date.now();
  const machineBefore = machine();
  log(`lvsync bench (health): ${machineBefore}`);
  const results: HealthBenchResult[] = [];
  for (const size of sizes) {
    const t0 = Date.now();
    const r = await runHealthSize(size, defaultHealthConfig(size), log);
    results.push(r);
    log(`  health ${size.id}: ${r.down.count}/${r.hanging} down, slowest ${ms(r.down.max)} (bound ${ms(r.boundMs)}), out of rotation ${r.outOfRotation.count}, slowest ${ms(r.outOfRotation.max)}; ${r.falseDowns} false downs (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const totalS = (Date.now() - started) / 1000;
  const md = [
    `Machine: ${machineBefore} at the start; load ${machine().split('load average ')[1]} at the end.`,
    `Command: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`, ${totalS.toFixed(0)} s in all.`,
    '',
    healthReport(results),
  ].join('\n');
  writeFileSync(join(OUT, 'health-results.md'), md);
  writeFileSync(join(OUT, 'health-results.json'), `${JSON.stringify({ machine: machineBefore, results, totalS }, null, 1)}\n`);
  process.stdout.write(md);
  log(`\nbench finished in ${totalS.toFixed(0)} s; results in ${OUT}`);
}

interface ReportInput {
  args: Args;
  results: StageChildResult[];
  readers: ReaderChildResult[];
  apply: ApplyCompareResult | null;
  steady: SteadyStateResult | null;
  vm: VmResult | null;
  vmWallMs: number;
  lines: BudgetLine[];
  notes: string[];
  machineBefore: string;
  machineAfter: string;
  totalS: number;
  peersHost: HostPeerResult | null;
}

function report(r: ReportInput): string {
  const out: string[] = [];
  out.push(`Machine: ${r.machineBefore} at the start; load ${r.machineAfter.split('load average ')[1]} at the end.`);
  out.push(`Command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`, ${r.totalS.toFixed(0)} s in all${r.vmWallMs ? ` (VM part ${(r.vmWallMs / 1000).toFixed(0)} s)` : ''}.`);
  out.push('');
  if (r.args.readersOnly) return readerSection(out, r.readers);
  out.push('### Budget');
  out.push('');
  out.push('| budget line | met | numbers |');
  out.push('| --- | --- | --- |');
  for (const l of r.lines) out.push(`| ${l.line} | ${l.met === null ? '–' : l.met ? 'yes' : '**no**'} | ${l.numbers} |`);
  out.push('');
  out.push('### Stages, in one process (ms, median of the runs; end to end and YAML.parse with min–max)');
  out.push('');
  out.push(stageTable(r.results));
  out.push('');
  const runs = [...new Set(r.results.filter((x) => !Number.isNaN(x.firstPassMs ?? NaN) && x.firstPassMs !== null).map((x) => x.runs))].join('/') || '1';
  out.push(`Timed runs per row: ${runs} (after a first pass that warms the JIT; for the 50k×4 and 1k×256 rows the YAML.parse baseline marked * was measured once per size, on the cold-start files, which are the no-change files and the same size as the others). Stage columns: *read* = \`readFile\` of the desired files and the live text; *YAML* = \`parseYaml\` (the fast reader, src/desired/yaml/fast-yaml.ts, for the plain YAML subset; any other text goes to the \`yaml\` library's \`parseDocument\` + \`toJS\`, with positions); *schema* = Ajv + diagnostics; *rules* = service declarations with positions + every semantic rule; *normalise* = \`toDesiredState\`; *live parse* = \`parseIpvsadmSave\`; *plan* = \`createPlan\` (diff, order); *digests* = reading the plan's two table digests, which are computed when first read (\`plan --out\`, \`--json\`, applying a saved plan, the daemon's convergence check; a text \`lvsync plan\` and \`lvsync apply PATH\` never read them), so not part of *plan*; *render -R* = the \`ipvsadm -R\` lines; *render text* = \`writePlanText\` in 64 KiB chunks, counted and dropped, as the CLI writes it to stdout. These are the calls \`loadDesired\` / \`parseDesiredSources\` make, one by one. *parse + validate + plan* = read … plan of the same run. *read + YAML.parse* = \`readFile\` + plain \`YAML.parse\` (the \`yaml\` library) of the same desired files, in the same process between the runs. *ratio* = parse + validate + plan / (read + YAML.parse). *first pass* = one pass through the real entry points (\`loadDesired\` + \`parseIpvsadmSave\` + \`createPlan\` + both renderings) in a fresh process, JIT cold. *peak RSS* = \`maxRSS\` of that fresh process right after its first pass (the data is generated by the parent).`);
  out.push('');
  if (r.readers.length) readerSection(out, r.readers);
  if (r.apply) {
    const a = r.apply;
    out.push('### Applying: one `ipvsadm -R` versus one process per command (executable fake ipvsadm)');
    out.push('');
    out.push('| table | operations | -R batch (median of runs) | per command, ms/op | per command, total | ratio |');
    out.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    out.push(`| ${a.table} | ${num(a.operations)} | ${spread(a.batchMs)} | ${ms(a.perCommandMsPerOp)} | ${ms(a.perCommandTotalMs)}${a.perCommandFull ? '' : ' (extrapolated)'} | ${a.ratio.toFixed(0)}× |`);
    out.push('');
    if (!a.perCommandFull) {
      out.push(`Per command was sampled, not run in full: ${a.perCommandSamples.map((s) => `${s.count} commands from operation ${num(s.from)} (${ms(s.ms / s.count)}/op)`).join(', ')}; each window ran against a fake kernel preloaded with every operation before it, and the total is the mean cost per command × ${num(a.operations)} (the fake's per-process cost grows linearly with the table it loads, so evenly spaced windows average it).`);
      out.push('');
    }
  }
  if (r.steady) {
    const s = r.steady;
    out.push('### Steady state: a no-change pass at 10k×4 (the daemon tick), in one process, fake ipvsadm');
    out.push('');
    out.push('| daemon pass (files unchanged) | pass with YAML re-parsed | ipvsadm -S -n | read + YAML.parse | ratios to (-S -n + YAML) |');
    out.push('| ---: | ---: | ---: | ---: | ---: |');
    out.push(`| ${spread(s.passMs)} | ${spread(s.reparseMs)} | ${spread(s.saveMs)} | ${spread(s.yamlMs)} | ${s.ratio.toFixed(2)}× / ${s.reparseRatio.toFixed(2)}× |`);
    out.push('');
    out.push('A pass = `loadDesired` + `ipvsadm -S -n` + `parseIpvsadmSave` + `createPlan` + `renderPlanText`, as `lvsync watch` runs it; `loadDesired` reuses the last parse when every file has the same text, so the re-parse column forces `parseDesiredSources` to show what a pass after an edit costs.');
    out.push('');
  }
  if (r.vm && (r.vm.cold.pairs.length || r.vm.churn.pairs.length || r.vm.steady)) {
    const v = r.vm;
    out.push(`### Real kernel (QEMU VM, software emulation): lvsync apply versus the direct floor`);
    out.push('');
    out.push(`Kernel ${v.kernel}, ${v.ipvsadm}, ${v.cpus} vCPUs. Floor = \`ipvsadm -R\` of exactly the minimal commands + one \`ipvsadm -S -n\`; lvsync = \`node dist/src/cli/main.js apply <dir> --yes --state-dir /tmp/…\` (process start, load, read, plan, -R, verify).`);
    out.push('');
    out.push('| scenario | -R lines | floor | lvsync apply | ratio |');
    out.push('| --- | ---: | ---: | ---: | ---: |');
    for (const [name, part] of [['cold start 10k×4', v.cold], ['1% real-server churn 10k×4', v.churn]] as const) {
      if (part.pairs.length === 0) continue;
      const rr = vmRatio(part.pairs);
      out.push(`| ${name} | ${num(part.lines)} | ${spread(part.pairs.map((p) => p.floorMs))} | ${spread(part.pairs.map((p) => p.lvsyncMs))} | ${rr.ratio.toFixed(2)}× |`);
    }
    if (v.steady) {
      const s = v.steady;
      out.push('');
      out.push(`No-change pass in the VM (in-process, real ipvsadm, one run): daemon pass ${ms(median(s.passMs))}, with YAML re-parsed ${ms(median(s.reparseMs))}, \`ipvsadm -S -n\` ${ms(median(s.saveMs))}, read + YAML.parse ${ms(median(s.yamlMs))} → ${s.ratio.toFixed(2)}× / ${s.reparseRatio.toFixed(2)}×.`);
    }
    out.push('');
  }
  if (r.vm?.peers || r.peersHost) out.push(peersReport(r.vm?.peers ?? null, r.peersHost));
  for (const n of r.notes) out.push(`Note: ${n}.`);
  if (r.notes.length) out.push('');
  return `${out.join('\n')}\n`;
}

function readerSection(out: string[], readers: readonly ReaderChildResult[]): string {
  out.push('### YAML readers: the fast reader and js-yaml 4 on the same files (ms, median of the runs, min–max; issue 12)');
  out.push('');
  out.push(readerTable(readers));
  out.push('');
  out.push(`Timed runs per row: ${[...new Set(readers.map((x) => x.runs))].join('/')}, in a process of their own per size (the no-change desired files, read beforehand), after one cold pass of each reader (fast first); the readers take turns, in reverse order on every other run, each pass after a forced GC and with every file's result kept until it ends, as the pipeline keeps them. *fast reader* = \`fastParseYaml\` (src/desired/fast-yaml.ts): the value, where each service starts, long strings copied out of the text, repeated words shared. *js-yaml + …* = what replacing it would take (bench/js-yaml-reader.ts): js-yaml 4's \`load\` (core schema + \`<<\` merge keys) with a listener recording where each service starts, then the long strings copied; checked equal to the fast reader's value and positions on every file. *js-yaml load alone* = that \`load\` without either. *ratio* = the medians, js-yaml over the fast reader. *heap held* = heap growth (after a GC) with every file's result alive.`);
  out.push('');
  return `${out.join('\n')}\n`;
}

function record(md: string, png: Buffer | null): void {
  const file = join(REPO, 'BENCHMARKS.md');
  const begin = '<!-- bench:begin (generated by `npm run bench -- --record`) -->';
  const end = '<!-- bench:end -->';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`BENCHMARKS.md has no ${begin} … ${end} block`);
  writeFileSync(file, `${text.slice(0, i + begin.length)}\n${md}${text.slice(j)}`);
  if (png) copyFileSync(join(OUT, 'stage-times.png'), join(REPO, 'bench/stage-times.png'));
  log(`recorded into ${file}`);
}

await main();
