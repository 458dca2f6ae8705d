/**
 * The real-kernel part of the benchmark, from the host: writes the 10k×4 data where the VM can read
 * it (under the repo's test-output/, the directory test/kernel/vm.sh shares writable), boots the VM
 * once and runs bench/vm-inner.ts there, then reads the result back.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO } from './apply-fake.js';
import { SIZES, baseTable, desiredFor, desiredYamlFiles, minimalCommands, type TableSize } from './generate.js';
import { peerFile, peerSize, writePeerData, type PeerConfig } from './peers-data.js';
import type { VmResult } from './vm-inner.js';
import { PARTIAL_FILE, type PeerResult } from './vm-peers.js';

/** 1% real-server churn (every 100th server replaced): the VM's "small change" scenario. */
function churn1(size: TableSize): ReturnType<typeof baseTable> {
  let n = 0;
  return baseTable(size).map((s) => ({
    ...s,
    servers: s.servers.map((r) => {
      n++;
      if (n % 100 !== 0) return r;
      const v = ((172 << 24) | (48 << 16)) + n;
      return { ...r, address: `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}` };
    }),
  }));
}

function writeDesired(dir: string, services: ReturnType<typeof baseTable>): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  desiredYamlFiles(services).forEach((text, i) => writeFileSync(join(dir, `services-${String(i).padStart(3, '0')}.yaml`), text));
}

export function prepareVmData(dataDir: string): { coldLines: number; churnLines: number } {
  const size = SIZES.find((s) => s.id === '10k')!;
  const base = desiredFor(size, 'cold');
  const churned = churn1(size);
  mkdirSync(dataDir, { recursive: true });
  writeDesired(join(dataDir, 'desired-cold'), base);
  writeDesired(join(dataDir, 'desired-churn'), churned);
  const cold = minimalCommands(base, []);
  const churn = minimalCommands(churned, base);
  writeFileSync(join(dataDir, 'base.txt'), `${cold.join('\n')}\n`);
  writeFileSync(join(dataDir, 'cold-minimal.txt'), `${cold.join('\n')}\n`);
  writeFileSync(join(dataDir, 'churn-minimal.txt'), `${churn.join('\n')}\n`);
  return { coldLines: cold.length, churnLines: churn.length };
}

/** Boots the VM once; returns null (with the reason) when the harness is missing or the run failed. */
export function runVm(reps: number, log: (s: string) => void, peers: PeerConfig | null = null): { result: VmResult | null; error: string | null; wallMs: number } {
  const vmsh = join(REPO, 'test/kernel/vm.sh');
  if (!existsSync(vmsh)) return { result: null, error: 'test/kernel/vm.sh is missing', wallMs: 0 };
  const check = spawnSync(vmsh, ['--check'], { encoding: 'utf8' });
  if (check.status !== 0) return { result: null, error: `vm.sh --check failed: ${check.stderr.trim()}`, wallMs: 0 };
  const outDir = join(REPO, 'test-output/bench');
  const dataDir = join(outDir, 'vm-data');
  const resultFile = join(outDir, 'vm-result.json');
  const sizes = prepareVmData(dataDir);
  const extra: string[] = [];
  if (peers) {
    // bench.ts wrote them already for the host side; written here only for a caller that did not
    for (const id of peers.sizes) if (!existsSync(join(dataDir, 'peers', id, peerFile.meta))) writePeerData(join(dataDir, 'peers', id), peerSize(id));
    const peersFile = join(dataDir, 'peers.json');
    writeFileSync(peersFile, `${JSON.stringify(peers)}\n`);
    extra.push(peersFile);
  }
  rmSync(resultFile, { force: true });
  log(`VM: ${peers?.peersOnly ? 'peer comparison only' : `${sizes.coldLines} cold-start lines, ${sizes.churnLines} churn lines`}${peers ? `; peers: ${peers.sizes.join(', ')} × ${peers.tools.join(', ')} × ${peers.steps.join(', ')}, ${peers.reps} rep(s)` : ''}; booting (software emulation takes minutes)...`);
  const t0 = Date.now();
  // LVSYNC_BENCH_VM_TIMEOUT: seconds for the whole boot (default 1800, 3600 with the peers); a 50,000-line -R under TCG on a loaded host can need more
  const timeoutS = process.env['LVSYNC_BENCH_VM_TIMEOUT'] ?? (peers ? '3600' : '1800');
  const r = spawnSync(vmsh, ['--timeout', timeoutS, '--', process.execPath, '--expose-gc', 'dist/bench/vm-inner.js', dataDir, resultFile, String(reps), ...extra], {
    cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26,
    // no_timer_check: under heavy host load the emulated guest's IO-APIC timer check can fail and panic the boot
    env: {
      ...process.env,
      LVSYNC_VM_APPEND: `${process.env['LVSYNC_VM_APPEND'] ?? ''} no_timer_check`.trim(),
      // the peer comparison's knobs (bench/vm-peers.ts), when set
      LVSYNC_VM_PASS_ENV: `${process.env['LVSYNC_VM_PASS_ENV'] ?? ''} LVSYNC_BENCH_POLL_GAP LVSYNC_BENCH_PEER_LIMIT`.trim(),
    },
  });
  const wallMs = Date.now() - t0;
  if (r.status !== 0 || !existsSync(resultFile)) {
    // the peer comparison writes what it has measured after every chain: keep that
    const partial = join(outDir, 'peers', PARTIAL_FILE);
    if (peers && existsSync(partial)) {
      const result: VmResult = {
        kernel: '', ipvsadm: '', cpus: 0, cold: { lines: 0, pairs: [] }, churn: { lines: 0, pairs: [] }, steady: null,
        peers: JSON.parse(readFileSync(partial, 'utf8')) as PeerResult, notes: [],
      };
      return { result, error: `vm.sh exited ${r.status}; the peer results measured until then are shown (${partial})`, wallMs };
    }
    return { result: null, error: `vm.sh exited ${r.status}`, wallMs };
  }
  return { result: JSON.parse(readFileSync(resultFile, 'utf8')) as VmResult, error: null, wallMs };
}
