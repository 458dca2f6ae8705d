/**
 * The fake kernel's state as a JSON file shared by every run of the executable fake
 * (test/fixtures/bin/ipvsadm). Writers take a lock file and replace the state with an atomic
 * rename, so concurrent ipvsadm processes behave like serialised netlink calls. Tests use the
 * helpers to create a state file, preload a table from `ipvsadm -S` text and set counters.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runIpvsadm } from './ipvsadm.js';
import { FakeKernel } from './kernel.js';
import type { DestState, ServiceState, Stats } from './kernel.js';
import { printServiceEntry, FMT_NUMERIC, FMT_RULE } from './listing.js';

const LOCK_STALE_MS = 30_000;
const LOCK_TIMEOUT_MS = 60_000;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Run fn while holding `<path>.lock` (O_EXCL create; a lock older than 30 s is considered stale). */
export function withStateLock<T>(path: string, fn: () => T): T {
  const lock = `${path}.lock`;
  const start = Date.now();
  let delay = 1;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { force: true });
      } catch {
        // the holder released it meanwhile
      }
      if (Date.now() - start > LOCK_TIMEOUT_MS) throw new Error(`fake ipvsadm: timed out waiting for ${lock}`);
      sleepMs(delay);
      delay = Math.min(delay * 2, 50);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Read a state file; a missing (or empty) file is a fresh default kernel. */
export function readState(path: string): FakeKernel {
  if (!existsSync(path)) return new FakeKernel();
  const text = readFileSync(path, 'utf8');
  return text.trim() === '' ? new FakeKernel() : FakeKernel.fromJSON(text);
}

/** Replace the state file atomically (write a temporary file, then rename over it). */
export function writeState(path: string, kernel: FakeKernel): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, JSON.stringify(kernel.toJSON(), null, 1) + '\n');
  renameSync(tmp, path);
}

/** Read-modify-write under the lock. */
export function updateState<T>(path: string, fn: (kernel: FakeKernel) => T): T {
  return withStateLock(path, () => {
    const kernel = readState(path);
    const result = fn(kernel);
    writeState(path, kernel);
    return result;
  });
}

/**
 * Create a state file (in a new temporary directory unless a path is given) holding a default
 * kernel, optionally customised by `init`. Returns the file's path.
 */
export function createStateFile(path?: string, init?: (kernel: FakeKernel) => void): string {
  const file = path ?? join(mkdtempSync(join(tmpdir(), 'lvsync-fake-ipvs-')), 'ipvs-state.json');
  const kernel = new FakeKernel();
  init?.(kernel);
  writeState(file, kernel);
  return file;
}

/** Load a table the way an operator would: `ipvsadm -R` of `-S` text. Throws if any line fails. */
export function preloadSave(kernel: FakeKernel, saveText: string): void {
  const r = runIpvsadm(kernel, ['-R'], saveText);
  if (r.exitCode !== 0 || r.stderr !== '') throw new Error(`fake ipvsadm -R failed (${r.exitCode}): ${r.stderr}`);
}

/** Same as preloadSave, on a state file. */
export function preloadStateFile(path: string, saveText: string): void {
  updateState(path, (k) => preloadSave(k, saveText));
}

/** The `-S -n` spelling of a service: "-t 10.0.0.1:80", "-u [2001:db8::1]:53", "-f 3 -6". */
export function serviceSpec(kernel: FakeKernel, svc: ServiceState): string {
  const line = printServiceEntry(kernel, { ...svc, dests: [] }, FMT_RULE | FMT_NUMERIC);
  return line.slice(3, line.indexOf(' -s '));
}

/** Find a service by its `-S -n` spelling, e.g. "-t 10.0.0.1:80" or "-f 3 -6" (big marks also unsigned). */
export function findService(kernel: FakeKernel, spec: string): ServiceState {
  const want = spec.trim().split(/\s+/).join(' ');
  const unsignedSpec = (s: ServiceState): string => `-f ${s.fwmark}${s.af === 'inet6' ? ' -6' : ''}`;
  const svc = kernel.state.services.find((s) => serviceSpec(kernel, s) === want || (s.fwmark !== 0 && unsignedSpec(s) === want));
  if (!svc) throw new Error(`fake ipvs state: no service ${spec}`);
  return svc;
}

/** Find a real server of a service by its `-S -n` spelling, e.g. "192.168.1.10:8080" or "[2001:db8::2]:80". */
export function findServer(kernel: FakeKernel, serviceSpecText: string, server: string): DestState {
  const svc = findService(kernel, serviceSpecText);
  const d = svc.dests.find((x) => (x.af === 'inet6' ? `[${x.addr}]:${x.port}` : `${x.addr}:${x.port}`) === server.trim());
  if (!d) throw new Error(`fake ipvs state: no server ${server} in ${serviceSpecText}`);
  return d;
}

export interface ServerCounters {
  activeConns?: number;
  inactConns?: number;
  persistConns?: number;
  stats?: Partial<Stats>;
}

/** Set a server's connection counters and/or stats. */
export function setServerCounters(kernel: FakeKernel, service: string, server: string, counters: ServerCounters): void {
  const d = findServer(kernel, service, server);
  if (counters.activeConns !== undefined) d.activeConns = counters.activeConns;
  if (counters.inactConns !== undefined) d.inactConns = counters.inactConns;
  if (counters.persistConns !== undefined) d.persistConns = counters.persistConns;
  if (counters.stats) Object.assign(d.stats, counters.stats);
}

/** Set a service's stats/rates (what `-L --stats/--rate` print on the service line). */
export function setServiceStats(kernel: FakeKernel, service: string, stats: Partial<Stats>): void {
  Object.assign(findService(kernel, service).stats, stats);
}
