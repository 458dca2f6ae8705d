#!/usr/bin/env node
// Summarise a V8 .cpuprofile (from `node --cpu-prof`): self time per package/file, self time per
// function, and inclusive time of lvsync's own functions (those under dist/src/).
//
//   node bench/profile-summary.mjs <file.cpuprofile> [top=30]
//
// How the profiles in BENCHMARKS.md were read, e.g.:
//   node --cpu-prof --cpu-prof-dir=test-output/prof dist/src/cli/main.js apply <dir> --yes --state-dir /tmp/x
import { readFileSync } from 'node:fs';

const [file, topText = '30'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topText);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

const where = (cf) => cf.url.replace(/.*\/dist\//, '').replace(/.*node_modules\//, 'npm:');
const label = (cf) => `${cf.functionName || '(anonymous)'} ${where(cf)}:${cf.lineNumber + 1}`;
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);

const byFunction = new Map();
const byFile = new Map();
const inclusive = new Map();
let total = 0;
for (const [id, us] of selfUs) {
  total += us;
  const cf = byId.get(id).callFrame;
  add(byFunction, label(cf), us);
  const w = where(cf);
  add(byFile, w.startsWith('npm:') ? w.split('/').slice(0, 2).join('/') : w || '(vm)', us);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const key = label(byId.get(cur).callFrame);
    if (!seen.has(key)) { seen.add(key); add(inclusive, key, us); }
  }
}

const show = (title, map, filter = () => true) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...map].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(us / 1000).toFixed(0).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}\n`);
  }
};
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
show('self time by file / package', byFile);
show('self time by function', byFunction);
show("inclusive time of lvsync's functions", inclusive, (k) => / src\//.test(k));
