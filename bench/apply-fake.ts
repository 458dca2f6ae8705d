/**
 * `ipvsadm -R` batch versus one process per command, through the executable fake ipvsadm
 * (test/fixtures/bin/ipvsadm, one Node process per run, state in a JSON file) and lvsync's own
 * runBatch / runPerCommand, so the comparison counts processes exactly as an apply would start them.
 * Also: the daemon's steady state (a no-change pass) against `ipvsadm -S -n` plus YAML parsing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse as yamlParse } from 'yaml';

import { runBatch, runPerCommand } from '../src/apply/execute.js';
import { loadDesired } from '../src/desired/load.js';
import { parseDesiredSources, type DesiredResult } from '../src/desired/parse.js';
import { createExecIpvsadm } from '../src/ipvsadm/exec.js';
import { runChecked } from '../src/ipvsadm/port.js';
import { readLiveTable } from '../src/live/read.js';
import { createPlan } from '../src/plan/plan.js';
import { renderPlanText } from '../src/plan/render-text.js';
import type { Operation } from '../src/plan/types.js';
import { baseTable, desiredYamlFiles, saveText, type TableSize } from './generate.js';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const FAKE_IPVSADM = join(REPO, 'test/fixtures/bin/ipvsadm');

export interface ApplyCompareResult {
  readonly table: string;
  readonly operations: number;
  /** ms for each full -R batch of every operation, from an empty fake kernel */
  readonly batchMs: number[];
  /** windows of the same operation list run one process per command */
  readonly perCommandSamples: { readonly from: number; readonly count: number; readonly ms: number }[];
  /** sampled ms per command, and the extrapolated total for all operations */
  readonly perCommandMsPerOp: number;
  readonly perCommandTotalMs: number;
  /** true when every operation was run one by one (no extrapolation) */
  readonly perCommandFull: boolean;
  readonly ratio: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A fake kernel state file; LVSYNC_FAKE_IPVSADM_STATE is inherited by every ipvsadm process. */
function freshState(dir: string, name: string): string {
  const path = join(dir, name);
  rmSync(path, { force: true });
  process.env['LVSYNC_FAKE_IPVSADM_STATE'] = path;
  return path;
}

async function desiredOf(dir: string, size: TableSize): Promise<{ files: string[]; services: ReturnType<typeof baseTable> }> {
  const services = baseTable(size);
  mkdirSync(join(dir, 'desired'), { recursive: true });
  const files = desiredYamlFiles(services).map((text, i) => {
    const file = join(dir, 'desired', `services-${i}.yaml`);
    writeFileSync(file, text);
    return file;
  });
  return { files, services };
}

/**
 * Cold start of `size` (services + servers = the operation count). The batch runs all of it; per
 * command runs `windows` windows of `perWindow` operations at evenly spaced points of the list, each
 * against a fake kernel preloaded (untimed, through -R) with every operation before the window, so
 * the sample sees the table sizes the full run would see. The total is ops × mean ms per op
 * (the midpoint rule: per-process cost grows linearly with the state the fake reads and writes).
 */
export async function compareApply(size: TableSize, options: { batchRuns: number; windows: number; perWindow: number }): Promise<ApplyCompareResult> {
  if (!existsSync(FAKE_IPVSADM)) throw new Error(`${FAKE_IPVSADM} is missing`);
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-bench-apply-'));
  try {
    const { files } = await desiredOf(dir, size);
    const { state } = await loadDesired(files);
    if (!state) throw new Error('generated desired state is invalid');
    const plan = createPlan(state, { services: new Map() });
    const ops = plan.operations;
    const ipvsadm = createExecIpvsadm({ binary: FAKE_IPVSADM });

    const batchMs: number[] = [];
    for (let r = 0; r < options.batchRuns; r++) {
      freshState(dir, `batch-${r}.json`);
      const t0 = performance.now();
      const result = await runBatch(ipvsadm, ops);
      batchMs.push(performance.now() - t0);
      if (result.exitCode !== 0) throw new Error(`fake ipvsadm -R exited ${result.exitCode}: ${result.stderr.slice(0, 500)}`);
    }
    // the batch really converged the fake
    const after = await readLiveTable(ipvsadm, { thresholds: false });
    if (createPlan(state, after.table).operations.length !== 0) throw new Error('the -R batch did not converge the fake kernel');

    const full = options.windows * options.perWindow >= ops.length;
    const windows = full ? 1 : options.windows;
    const perWindow = full ? ops.length : options.perWindow;
    const perCommandSamples: { from: number; count: number; ms: number }[] = [];
    for (let w = 0; w < windows; w++) {
      const from = full ? 0 : Math.round(((w + 0.5) * ops.length) / windows - perWindow / 2);
      const statePath = freshState(dir, `percmd-${w}.json`);
      if (from > 0) {
        const pre = await runBatch(ipvsadm, ops.slice(0, from));
        if (pre.exitCode !== 0) throw new Error(`preload failed: ${pre.stderr.slice(0, 300)}`);
      }
      const window: Operation[] = ops.slice(from, from + perWindow);
      const t0 = performance.now();
      const result = await runPerCommand(ipvsadm, window);
      perCommandSamples.push({ from, count: window.length, ms: performance.now() - t0 });
      if (result.failed.length) throw new Error(`per-command failures: ${result.failed[0]?.stderr}`);
      rmSync(statePath, { force: true });
    }
    const perCommandMsPerOp = perCommandSamples.reduce((n, s) => n + s.ms / s.count, 0) / perCommandSamples.length;
    const perCommandTotalMs = full ? perCommandSamples[0]!.ms : perCommandMsPerOp * ops.length;
    return {
      table: size.label, operations: ops.length, batchMs, perCommandSamples, perCommandMsPerOp,
      perCommandTotalMs, perCommandFull: full, ratio: perCommandTotalMs / median(batchMs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SteadyStateResult {
  readonly table: string;
  readonly runs: number;
  /** ms: loadDesired + ipvsadm -S -n + parse + createPlan + render, as the daemon runs a pass (unchanged files reuse the last parse) */
  readonly passMs: number[];
  /** ms: the same pass with the YAML parsed again (parseDesiredSources called directly): what a changed file costs */
  readonly reparseMs: number[];
  /** ms: ipvsadm -S -n alone */
  readonly saveMs: number[];
  /** ms: read + YAML.parse of the desired files */
  readonly yamlMs: number[];
  /** pass / (-S -n + YAML) */
  readonly ratio: number;
  /** pass with re-parse / (-S -n + YAML) */
  readonly reparseRatio: number;
}

/**
 * The daemon's steady state in one process, against the executable fake: a no-change pass versus
 * `ipvsadm -S -n` alone plus reading and YAML-parsing the same files. Measurements alternate so that
 * load changes hit both sides alike.
 */
export async function steadyState(size: TableSize, runs: number, ipvsadmBinary = FAKE_IPVSADM, preload = true): Promise<SteadyStateResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-bench-steady-'));
  try {
    const { files, services } = await desiredOf(dir, size);
    const ipvsadm = createExecIpvsadm({ binary: ipvsadmBinary });
    if (preload) {
      freshState(dir, 'steady.json');
      await runChecked(ipvsadm, ['-R'], saveText(services));
    }
    return await steadyLoop(size.label, files, ipvsadmBinary, runs, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The measurement itself, shared with the VM run (where ipvsadm is the real one). */
export async function steadyLoop(label: string, files: string[], ipvsadmBinary: string, runs: number, warmups: number): Promise<SteadyStateResult> {
  const ipvsadm = createExecIpvsadm({ binary: ipvsadmBinary });
  const passMs: number[] = [];
  const reparseMs: number[] = [];
  const saveMs: number[] = [];
  const yamlMs: number[] = [];
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    gc();
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  const pass = async (load: () => Promise<DesiredResult>): Promise<void> => {
    const { state } = await load();
    const live = await readLiveTable(ipvsadm, { thresholds: false });
    const plan = createPlan(state!, live.table);
    renderPlanText(plan);
    if (plan.operations.length !== 0) throw new Error(`steady state is not a no-change pass: ${plan.operations.length} operations`);
  };
  await loadDesired(files); // the daemon's first pass parsed the files
  for (let r = 0; r < runs + warmups; r++) {
    const p = await timed(() => pass(() => loadDesired(files)));
    const rp = await timed(() => pass(async () => parseDesiredSources(files.map((file) => ({ file, text: readFileSync(file, 'utf8') })))));
    const save = await timed(() => runChecked(ipvsadm, ['-S', '-n']));
    const yaml = await timed(async () => { for (const f of files) yamlParse(readFileSync(f, 'utf8')); });
    if (r < warmups) continue;
    passMs.push(p);
    reparseMs.push(rp);
    saveMs.push(save);
    yamlMs.push(yaml);
  }
  const base = median(saveMs) + median(yamlMs);
  return { table: label, runs, passMs, reparseMs, saveMs, yamlMs, ratio: median(passMs) / base, reparseRatio: median(reparseMs) / base };
}

/** The fake must be runnable before we time it. */
export function fakeAvailable(): boolean {
  if (!existsSync(FAKE_IPVSADM)) return false;
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-bench-probe-'));
  try {
    execFileSync(FAKE_IPVSADM, ['-S', '-n'], { env: { ...process.env, LVSYNC_FAKE_IPVSADM_STATE: join(dir, 's.json') } });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
