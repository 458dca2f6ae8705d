/**
 * One (size, scenario) in a fresh process: writes the generated files to a temporary directory,
 * then times every stage of the pipeline over several runs and reports peak RSS. Runs as a child of
 * bench.ts (`node --expose-gc dist/bench/bench.js --child-stages <size> <scenario> <runs>`) so that
 * sizes and scenarios never share a heap.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as yamlParse } from 'yaml';

import { loadDesired } from '../src/desired/load.js';
import { runRules } from '../src/desired/rules/all.js';
import { schemaDiagnostics } from '../src/desired/schema/messages.js';
import { validateWritten } from '../src/desired/schema/schema.js';
import { mergeScopes } from '../src/desired/scope.js';
import { parseYaml } from '../src/desired/yaml/syntax.js';
import { fastParseYaml } from '../src/desired/yaml/fast-yaml.js';
import { serviceFacts } from '../src/desired/normalize.js';
import { toDesiredState } from '../src/desired/to-state.js';
import type { ServiceDecl, WrittenFile } from '../src/desired/written.js';
import type { DesiredState } from '../src/model/types.js';
import type { Diagnostic } from '../src/diagnostics.js';
import { parseIpvsadmSave } from '../src/live/parse-save.js';
import { createPlan } from '../src/plan/plan.js';
import { writePlanText } from '../src/plan/render-text.js';
import { operationToRestoreLine } from '../src/plan/to-argv.js';
import type { Plan } from '../src/plan/types.js';
import { jsYamlLoad, jsYamlRead } from './js-yaml-reader.js';
import {
  SIZES, baseTable, countServers, desiredFor, desiredYamlFiles, liveFor, minimalCommands, saveText, type Scenario,
} from './generate.js';

/** Stage names, in pipeline order. */
export const STAGES = ['read', 'yaml', 'schema', 'rules', 'normalise', 'liveParse', 'plan', 'digests', 'renderR', 'renderText'] as const;
export type Stage = (typeof STAGES)[number];
/** parse + validate + plan: everything up to a plan, without rendering it */
export const PARSE_TO_PLAN: readonly Stage[] = ['read', 'yaml', 'schema', 'rules', 'normalise', 'liveParse', 'plan'];

export interface StageChildResult {
  readonly size: string;
  readonly scenario: Scenario;
  readonly services: number;
  readonly servers: number;
  readonly desiredBytes: number;
  readonly liveBytes: number;
  readonly operations: number;
  /** the generator's own minimal command count: the planner must match it */
  readonly expectedOperations: number;
  readonly runs: number;
  /** ms per run, per stage */
  readonly stages: Record<Stage, number[]>;
  /** ms per run: readFile + YAML.parse of the same desired files ("merely read and parse") */
  readonly baseline: number[];
  /** the baseline was measured in another scenario of this size, on the same-sized desired files */
  readonly baselineShared: boolean;
  /** ms per run: parse + validate + plan = the stages read … plan of that run (what loadDesired + parseIpvsadmSave + createPlan do) */
  readonly endToEnd: number[];
  /** ms: the first pass, through the real entry points (loadDesired, parseIpvsadmSave, createPlan, both renderings), JIT still cold */
  readonly firstPassMs: number;
  /** peak RSS (MiB) after the first pass (load, parse, plan, render): what one `lvsync plan` needs */
  readonly peakRssOnePassMiB: number;
  /** peak RSS (MiB) of the whole child, all runs */
  readonly peakRssMiB: number;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function rssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** What the parent wrote for one child: files, and the counts the planner must reproduce. */
export interface DataMeta {
  readonly sizeId: string;
  readonly scenario: Scenario;
  readonly files: string[];
  readonly live: string;
  readonly expected: number;
  readonly services: number;
  readonly servers: number;
}

/** Written by the parent, so that generating the data never counts in the child's peak RSS. */
export function writeData(dir: string, sizeId: string, scenario: Scenario): DataMeta {
  const size = SIZES.find((s) => s.id === sizeId);
  if (!size) throw new Error(`unknown size ${sizeId}`);
  const desired = desiredFor(size, scenario);
  const live = liveFor(size, scenario);
  mkdirSync(join(dir, 'desired'), { recursive: true });
  const files = desiredYamlFiles(desired).map((text, i) => {
    const file = join(dir, 'desired', `services-${String(i).padStart(3, '0')}.yaml`);
    writeFileSync(file, text);
    return file;
  });
  const livePath = join(dir, 'live.txt');
  writeFileSync(livePath, saveText(live));
  const meta: DataMeta = {
    sizeId, scenario, files, live: livePath, expected: minimalCommands(desired, live).length,
    services: size.services, servers: countServers(baseTable(size)),
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
  return meta;
}

/** Options that make every scenario plannable: the inventory owns every live service (after an earlier apply). */
function planOptions(liveKeys: Iterable<string>): { inventory: ReadonlySet<string>; allowMassDelete: boolean } {
  return { inventory: new Set(liveKeys), allowMassDelete: true };
}

function cliPass(files: string[], liveText: string): Promise<Plan> {
  return loadDesired(files).then(({ state, diagnostics }) => {
    if (!state) throw new Error(`desired state invalid: ${JSON.stringify(diagnostics.slice(0, 3))}`);
    const live = parseIpvsadmSave(liveText);
    if (live.diagnostics.length) throw new Error(`live parse: ${JSON.stringify(live.diagnostics.slice(0, 3))}`);
    const plan = createPlan(state, live.table, planOptions(live.table.services.keys()));
    textLength(plan);
    plan.operations.map(operationToRestoreLine).join('\n');
    return plan;
  });
}

/** The text plan as the CLI prints it: handed to stdout in chunks (here: counted and dropped). */
function textLength(plan: Plan): number {
  let length = 0;
  writePlanText(plan, {}, (chunk) => { length += chunk.length; });
  return length;
}

type Lap = (stage: Stage) => void;

function stagedDesired(files: string[], lap: Lap): DesiredState {
  const sources = files.map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  lap('read');
  const diagnostics: Diagnostic[] = [];
  const services: ServiceDecl[] = [];
  for (const source of sources) {
    const p = parseYaml(source.file, source.text);
    lap('yaml');
    diagnostics.push(...p.diagnostics, ...schemaDiagnostics(validateWritten(p.data), p.locator));
    lap('schema');
    // declareFile's declarations (the position of each service), counted with the rules
    ((p.data as WrittenFile).services ?? []).forEach((raw, i) => {
      const path = ['services', i] as const;
      services.push({ raw, path, locator: p.locator, at: p.locator.value(path) });
    });
    p.locator.release();
    lap('rules');
  }
  // parsed addresses and keys, shared by the rules and the normalisation (as in parseDesiredSources)
  const facts = services.map((decl) => serviceFacts(decl.raw));
  diagnostics.push(...runRules(services, facts));
  const scope = mergeScopes([], diagnostics);
  lap('rules');
  const state = toDesiredState(services, scope, files, undefined, facts);
  lap('normalise');
  if (!state || diagnostics.some((x) => x.severity === 'error')) throw new Error(`staged pipeline failed: ${JSON.stringify(diagnostics.slice(0, 3))}`);
  return state;
}

/**
 * The staged pipeline: the same calls parseDesiredSources makes, with a clock between them. Files go
 * one by one as in declareFile (so only one YAML Document is alive at a time, as in lvsync); the
 * YAML, schema and declaration times are summed over the files.
 */
function stagedRun(files: string[], livePath: string, times: Record<Stage, number[]>): number {
  const d: Record<Stage, number> = { read: 0, yaml: 0, schema: 0, rules: 0, normalise: 0, liveParse: 0, plan: 0, digests: 0, renderR: 0, renderText: 0 };
  let t = performance.now();
  const lap = (stage: Stage): void => {
    const now = performance.now();
    d[stage] += now - t;
    t = now;
  };
  const liveText = readFileSync(livePath, 'utf8');
  // the desired stages in their own function, as in parseDesiredSources: the texts and declarations
  // are garbage once the state exists (held through plan and render, they overstated the peak RSS)
  const state = stagedDesired(files, lap);
  const live = parseIpvsadmSave(liveText);
  lap('liveParse');
  const plan = createPlan(state, live.table, planOptions(live.table.services.keys()));
  lap('plan');
  // computed when read (saved plans, JSON, the daemon); timed apart: `plan` and `apply` never read them
  const digests = plan.desiredDigest.length + plan.liveDigest.length;
  lap('digests');
  const restore = `${plan.operations.map(operationToRestoreLine).join('\n')}\n`;
  lap('renderR');
  const text = textLength(plan);
  lap('renderText');
  for (const stage of STAGES) times[stage].push(d[stage]);
  return restore.length + text + digests > 0 ? plan.operations.length : -1;
}

function baselineRun(files: string[]): number {
  const t0 = performance.now();
  let items = 0;
  for (const file of files) {
    const data = yamlParse(readFileSync(file, 'utf8')) as { services?: unknown[] };
    items += data.services?.length ?? 0;
  }
  const ms = performance.now() - t0;
  return items >= 0 ? ms : -1;
}

/**
 * `light`: for the largest tables the plain YAML.parse baseline (the `yaml` library: ~20 s at 50k×4)
 * runs once, and only when `baseline` is set (the parent reuses one per size). Every row first makes
 * one CLI-like pass in the fresh process (JIT cold: what one `lvsync plan` costs), then the timed runs.
 */
export async function stageChild(dir: string, runs: number, options: { light: boolean; baseline: boolean }): Promise<StageChildResult> {
  const data = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as DataMeta;
  const { sizeId, scenario } = data;
  const stages = Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as Record<Stage, number[]>;
  const baseline: number[] = [];
  const endToEnd: number[] = [];
  // one CLI-like pass first: it warms the JIT and gives the one-shot peak RSS
  const t0 = performance.now();
  const operations = (await cliPass(data.files, readFileSync(data.live, 'utf8'))).operations.length;
  const firstPassMs = performance.now() - t0;
  const peakRssOnePassMiB = rssMiB();
  if (operations !== data.expected) {
    throw new Error(`${sizeId}/${scenario}: planner produced ${operations} operations, the generator expects ${data.expected}`);
  }
  for (let r = 0; r < runs; r++) {
    gc();
    stagedRun(data.files, data.live, stages);
  }
  for (let r = 0; r < stages.read.length; r++) endToEnd.push(PARSE_TO_PLAN.reduce((n, stage) => n + stages[stage][r]!, 0));
  for (let r = 0; options.baseline && r < (options.light ? 1 : runs); r++) {
    gc();
    baseline.push(baselineRun(data.files));
  }
  const size = SIZES.find((s) => s.id === sizeId)!;
  const desiredBytes = data.files.reduce((n, f) => n + readFileSync(f).length, 0);
  return {
    size: size.label, scenario, services: data.services, servers: data.servers,
    desiredBytes, liveBytes: readFileSync(data.live).length,
    operations, expectedOperations: data.expected,
    runs: stages.read.length, stages, baseline, baselineShared: false, endToEnd, firstPassMs, peakRssOnePassMiB, peakRssMiB: rssMiB(),
  };
}

/** The YAML readers compared on one size's desired files (issue 12): the fast reader, and js-yaml 4 (bench/js-yaml-reader.ts). */
export const READERS = ['fast', 'jsYaml', 'jsYamlLoad'] as const;
export type Reader = (typeof READERS)[number];

export interface ReaderChildResult {
  readonly size: string;
  readonly services: number;
  readonly servers: number;
  readonly files: number;
  readonly desiredBytes: number;
  readonly runs: number;
  /** ms over every file in the fresh process, each reader's code still cold (fast first, then js-yaml; the bare load is not run cold) */
  readonly first: { readonly fast: number; readonly jsYaml: number };
  /** ms per timed run, over every file */
  readonly times: Record<Reader, number[]>;
  /** MiB of heap the results of every file hold (the pipeline keeps every file's data until the cross-file rules ran) */
  readonly heldMiB: Record<Reader, number>;
}

const READ: Record<Reader, (text: string) => unknown> = { fast: fastParseYaml, jsYaml: jsYamlRead, jsYamlLoad: (text) => jsYamlLoad(text) };

// one reader over every text, its results kept until the clock stops (as the pipeline keeps them)
function readerPass(reader: Reader, texts: readonly string[]): number {
  gc();
  const t0 = performance.now();
  const kept = texts.map(READ[reader]);
  const ms = performance.now() - t0;
  if (kept.some((r) => r === null || r === undefined)) throw new Error(`${reader} refused a generated file`);
  return ms;
}

function heldMiB(reader: Reader, texts: readonly string[]): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = texts.map(READ[reader]);
  gc();
  const held = process.memoryUsage().heapUsed - before;
  return kept.length > 0 ? held / 1048576 : 0;
}

/**
 * The fast reader and js-yaml on the same texts, in a fresh process: one cold pass of each, then
 * `runs` timed runs of every reader, their order reversed on every other run so neither always
 * runs on the heap the other left. The texts are read once beforehand (reading is its own stage).
 * Afterwards every file is checked: js-yaml's value and service positions must be the fast
 * reader's, or the times would compare different work.
 */
export function readerChild(dir: string, runs: number): ReaderChildResult {
  const data = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as DataMeta;
  const texts = data.files.map((f) => readFileSync(f, 'utf8'));
  const first = { fast: readerPass('fast', texts), jsYaml: readerPass('jsYaml', texts) };
  const times = Object.fromEntries(READERS.map((r) => [r, [] as number[]])) as Record<Reader, number[]>;
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? READERS : [...READERS].reverse();
    for (const reader of order) times[reader].push(readerPass(reader, texts));
  }
  const held = Object.fromEntries(READERS.map((r) => [r, heldMiB(r, texts)])) as Record<Reader, number>;
  for (const text of texts) {
    const fast = fastParseYaml(text);
    const js = jsYamlRead(text);
    try {
      assert.deepStrictEqual(js, fast);
    } catch {
      throw new Error(`js-yaml and the fast reader read a generated file differently:\n${text.slice(0, 400)}`);
    }
  }
  const size = SIZES.find((s) => s.id === data.sizeId)!;
  return {
    size: size.label, services: data.services, servers: data.servers, files: texts.length,
    desiredBytes: texts.reduce((n, t) => n + Buffer.byteLength(t), 0), runs, first, times, heldMiB: held,
  };
}
