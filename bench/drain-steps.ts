/**
 * The steps of a 10% churn's pass between its plan and its `-R`, call after call in one process, as
 * a daemon meets them (issue 13): the plan of the churn (planTable), the connection counts of the
 * services with deletes from a /proc/net/ip_vs text (readDrainInput), and the drain plan
 * (withDrains), on the 1k×4 peer chain's tables (bench/peers-data.ts: step 1 live, step 2 desired).
 * Shows how far from warm the first calls are; in the VM that is what a pass pays.
 *
 *   node dist/bench/drain-steps.js [size=1k] [calls=60]
 *   test/kernel/vm.sh -- node --max-semi-space-size=64 dist/bench/drain-steps.js 1k
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadDesired } from '../src/desired/load.js';
import type { Ipvsadm } from '../src/ipvsadm/port.js';
import { formatSave } from '../src/live/format-save.js';
import { parseIpvsadmSave } from '../src/live/parse-save.js';
import type { Table } from '../src/model/types.js';
import { drainTimeoutOf, planTable, withDrains } from '../src/reconcile/plan-pass.js';
import { drainServices, readDrainInput } from '../src/reconcile/reconcile.js';
import { peerFile, peerSize, writePeerData } from './peers-data.js';

const [size = '1k', callsArg = '60'] = process.argv.slice(2);
const calls = Number(callsArg);
const work = mkdtempSync(join(tmpdir(), 'lvsync-drain-steps-'));

// what the kernel prints in /proc/net/ip_vs for a table of IPv4 TCP services, no connections
function procText(table: Table): string {
  const hex = (address: string, port: number) => `${address.split('.').map((x) => Number(x).toString(16).padStart(2, '0').toUpperCase()).join('')}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
  let out = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n';
  for (const svc of table.services.values()) {
    const t = svc.target;
    if (t.kind !== 'address') continue;
    out += `TCP  ${hex(t.address, t.port)} ${svc.scheduler}\n`;
    for (const s of svc.servers.values()) out += `  -> ${hex(s.address, s.port)}      Masq    ${s.weight}      0          0\n`;
  }
  return out;
}

try {
  const data = join(work, 'data');
  if (!existsSync(join(data, peerFile.desired(2)))) writePeerData(data, peerSize(size));
  const before = (await loadDesired([join(data, peerFile.desired(1))])).state!;
  const live = parseIpvsadmSave(formatSave(before.table)).table;
  const desired = (await loadDesired([join(data, peerFile.desired(2))])).state!;
  const proc = procText(live);
  const ipvsadm: Ipvsadm = { describe: 'none', run: () => Promise.reject(new Error('no ipvsadm here')), readProcTable: async () => proc };
  const planOptions = { inventory: new Set(live.services.keys()), allowMassDelete: false };
  const times: Record<'plan' | 'counts' | 'drains', number[]> = { plan: [], counts: [], drains: [] };
  let operations = 0;
  for (let i = 0; i < calls; i++) {
    let t = performance.now();
    const plain = planTable({ desired, live, planOptions, health: new Map() });
    times.plan.push(performance.now() - t);
    const wanted = drainServices(plain, new Map(), live, drainTimeoutOf(desired, {}));
    t = performance.now();
    const input = await readDrainInput(ipvsadm, { version: 1, drains: new Map(), timeouts: {} }, Date.now(), false, { services: wanted, live });
    times.counts.push(performance.now() - t);
    t = performance.now();
    operations = withDrains(plain, desired, live, input).plan.operations.length;
    times.drains.push(performance.now() - t);
  }
  console.log(`${size}, churn: ${operations} operations`);
  for (const [step, list] of Object.entries(times)) {
    const later = list.slice(Math.min(20, list.length - 1)).sort((a, b) => a - b);
    console.log(`${step}: calls 1..4 ${list.slice(0, 4).map((x) => x.toFixed(1)).join(', ')} ms; median of calls 21.. ${later[later.length >> 1]!.toFixed(2)} ms`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
