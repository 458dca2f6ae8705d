#!/usr/bin/env node
// One parse + validate + plan pass of a generated table, to run under `node --cpu-prof` / `--heap-prof`
// (after `npm run build`); `--yaml-library` turns the fast reader off, i.e. the pass as before issue 6.
//
//   node --cpu-prof --cpu-prof-dir=test-output/prof bench/profile-pass.mjs 10k nochange [--yaml-library]
//   node bench/profile-summary.mjs test-output/prof/<file>.cpuprofile
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url);
const { writeData } = await import(new URL('bench/stages.js', dist));
const { useFastReader } = await import(new URL('src/desired/syntax.js', dist));
const { parseDesiredSources } = await import(new URL('src/desired/parse.js', dist));
const { parseIpvsadmSave } = await import(new URL('src/live/parse-save.js', dist));
const { createPlan } = await import(new URL('src/plan/plan.js', dist));

const [size = '10k', scenario = 'nochange', flag] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'lvsync-prof-'));
try {
  const meta = writeData(dir, size, scenario);
  if (flag === '--yaml-library') useFastReader(false);
  const t0 = performance.now();
  const { state } = parseDesiredSources(meta.files.map((f) => ({ file: f, text: readFileSync(f, 'utf8') })));
  const live = parseIpvsadmSave(readFileSync(meta.live, 'utf8'));
  const plan = createPlan(state, live.table, { inventory: new Set(live.table.services.keys()), allowMassDelete: true });
  const ms = performance.now() - t0;
  console.log(`${size} ${scenario}${flag ? ` ${flag}` : ''}: ${ms.toFixed(0)} ms, ${plan.operations.length} operations, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
