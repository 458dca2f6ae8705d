/**
 * How a config change's load gets faster as V8 compiles it (the reason for watch's rehearsals,
 * src/watch/pass.ts REHEARSALS): loadDesired on one file, alternating between two steps of the peer
 * chain (bench/peers-data.ts: 0 cold, 1 the 1% weight change, 2 the 10% churn), call after call,
 * in this process, as the daemon's passes do.
 *
 *   node dist/bench/load-change.js [size=1k] [steps=0,1] [calls=30]
 *
 * Inside the VM: test/kernel/vm.sh -- node --max-semi-space-size=64 dist/bench/load-change.js 1k 0,1
 */
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadDesired } from '../src/desired/load.js';
import { peerFile, peerSize, writePeerData } from './peers-data.js';

const [size = '1k', stepsArg = '0,1', callsArg = '30'] = process.argv.slice(2);
const steps = stepsArg.split(',').map(Number);
const calls = Number(callsArg);
const work = mkdtempSync(join(tmpdir(), 'lvsync-load-change-'));
try {
  const data = join(work, 'data');
  if (!existsSync(join(data, peerFile.desired(Math.max(...steps))))) writePeerData(data, peerSize(size));
  const file = join(work, 'services.yaml');
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    copyFileSync(join(data, peerFile.desired(steps[i % steps.length]!)), `${file}.tmp`);
    renameSync(`${file}.tmp`, file);
    const t0 = performance.now();
    const result = await loadDesired([file]);
    times.push(performance.now() - t0);
    if (!result.state) throw new Error(`step ${steps[i % steps.length]} did not load: ${JSON.stringify(result.diagnostics.slice(0, 3))}`);
  }
  const later = times.slice(Math.min(10, times.length - 1)).sort((a, b) => a - b);
  console.log(`${size}, steps ${steps.join(' ↔ ')}: load of call 1..${Math.min(10, calls)}: ${times.slice(0, 10).map((t) => t.toFixed(1)).join(', ')} ms; median of the rest ${later[later.length >> 1]!.toFixed(1)} ms`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
