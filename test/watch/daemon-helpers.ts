import { join } from 'node:path';
import type { CommandRunner } from '../../src/realserver/runner.js';
import type { Probe } from '../../src/health/types.js';
import { IpvsadmUnavailableError, type Ipvsadm } from '../../src/ipvsadm/port.js';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { startDaemon, type Daemon, type DaemonConfig, type DaemonDeps } from '../../src/watch/daemon.js';
import { tempTree } from '../helpers/cli.js';
import { fakeWithTable, type InMemoryIpvsadm } from '../helpers/in-memory-ipvsadm.js';
import { captureLog, createManualClock, fakeWatcher, type CapturedLog, type ManualClock } from './helpers.js';

export const WEB = `version: 1
scope: { addresses: ["192.168.10.0/24"] }
services:
  - name: web
    protocol: tcp
    address: 192.168.10.100
    port: 80
    scheduler: wrr
    realServers:
      - { address: 10.0.0.11, port: 8080, method: nat, weight: 3 }
      - { address: 10.0.0.12, port: 8080, method: nat, weight: 5 }
`;

/** The fake with a switch that makes every ipvsadm run fail like a missing binary. */
export interface SwitchableIpvsadm extends Ipvsadm {
  readonly fake: InMemoryIpvsadm;
  broken: boolean;
  /** runs attempted while broken */
  brokenRuns: number;
}

export function switchable(fake: InMemoryIpvsadm): SwitchableIpvsadm {
  const s: SwitchableIpvsadm = {
    fake,
    broken: false,
    brokenRuns: 0,
    describe: fake.describe,
    async run(args, input) {
      if (s.broken) { s.brokenRuns++; throw new IpvsadmUnavailableError('ipvsadm', new Error('spawn ipvsadm ENOENT')); }
      return fake.run(args, input);
    },
    // as on a director with the ipvsadm on PATH: drains count from /proc/net/ip_vs (when ipvsadm is broken, so is /proc: no IPVS)
    async readProcTable() {
      return s.broken ? null : fake.readProcTable!();
    },
  };
  return s;
}

export interface TestDaemon {
  readonly daemon: Daemon;
  readonly dir: string;
  readonly file: string;
  readonly fake: InMemoryIpvsadm;
  readonly ipvsadm: SwitchableIpvsadm;
  readonly clock: ManualClock;
  readonly logs: CapturedLog;
  readonly watcher: ReturnType<typeof fakeWatcher>;
  /** ipvsadm runs that change the kernel */
  mutating(): string[][];
  /** the fake kernel's `-S -n` */
  save(): string;
  /** passes logged so far */
  passes(): Record<string, unknown>[];
  /** let every queued pass finish */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<TestDaemon>();

/** afterEach: a failed assertion must not leave a daemon (and its HTTP server) running. */
/**
 * afterEach: stops what a test left running. A daemon with a grace (vrrp, anycast) waits it out on
 * the manual clock, which a test that failed half-way no longer advances: so the clock is pumped here,
 * a second per 5 ms of real time, for at most ten simulated minutes, instead of hanging the file forever.
 */
export async function stopAllTestDaemons(): Promise<void> {
  const left = [...running];
  let done = false;
  const stopped = Promise.all(left.map((t) => t.stop())).finally(() => { done = true; });
  for (let i = 0; i < 600 && !done; i++) {
    // real time first: a stop that needs no clock (file writes, the last pass) ends by itself
    await new Promise((r) => setTimeout(r, 5));
    if (done) break;
    for (const t of left) t.clock.advance(1000);
  }
  if (done) await stopped;
  else console.error(`stopAllTestDaemons: ${left.length} daemon(s) still stopping after 10 simulated minutes; left behind`);
}

export async function startTestDaemon(options: { yaml?: string; save?: string; detectOnly?: boolean; listen?: boolean; config?: Partial<DaemonConfig>; probe?: Probe; trace?: (event: string) => void; openFileLimit?: number | null; ip?: CommandRunner; load?: DaemonDeps['load'] } = {}): Promise<TestDaemon> {
  const dir = tempTree({ 'conf/web.yaml': options.yaml ?? WEB });
  const file = join(dir, 'conf/web.yaml');
  const fake = fakeWithTable(options.save ?? '');
  const ipvsadm = switchable(fake);
  const clock = createManualClock();
  const logs = captureLog();
  const watcher = fakeWatcher();
  const daemon = await startDaemon({
    paths: [join(dir, 'conf')],
    intervalMs: 10_000,
    detectOnly: options.detectOnly ?? false,
    listen: options.listen ? { host: '127.0.0.1', port: 0 } : null,
    stateDir: join(dir, 'state'),
    perCommand: false,
    allowMassDelete: false,
    hostname: 'director-test',
    version: '0.0.0-test',
    ...options.config,
  }, { ipvsadm, clock, log: logs.log, watch: watcher.watch, ...(options.probe ? { probe: options.probe } : {}), ...(options.trace ? { trace: options.trace } : {}), ...(options.openFileLimit !== undefined ? { openFileLimit: () => options.openFileLimit! } : {}), ...(options.ip ? { ip: options.ip } : {}), ...(options.load ? { load: options.load } : {}) });
  const t: TestDaemon = {
    daemon, dir, file, fake, ipvsadm, clock, logs, watcher,
    mutating: () => fake.calls.filter((c) => !['-S', '-L'].includes(c.args[0] ?? '')).map((c) => [...c.args]),
    save: () => runIpvsadm(fake.kernel, ['-S', '-n']).stdout,
    passes: () => logs.lines().filter((l) => typeof l.pass === 'number'),
    settle: () => daemon.loop.idle(),
    stop: async () => { running.delete(t); await daemon.stop('SIGTERM'); },
  };
  running.add(t);
  await t.settle();
  return t;
}

/** WEB with a tcp health check every second (fall 3, rise 2). */
export const HEALTHY = `version: 1
services:
  - name: web
    address: 192.168.10.100
    port: 80
    scheduler: wrr
    healthCheck: { type: tcp, interval: 1s, timeout: 500ms, fall: 3, rise: 2 }
    realServers:
      - { address: 10.0.0.11, port: 8080, method: nat, weight: 3 }
      - { address: 10.0.0.12, port: 8080, method: nat, weight: 5 }
`;

/** Probes answered from a table the test flips; every call is counted. */
export function fakeProbes() {
  const down = new Set<string>();
  const calls: string[] = [];
  const probe: Probe = async (_check, target) => {
    calls.push(target.address);
    return down.has(target.address) ? { ok: false, detail: 'connect ECONNREFUSED', durationMs: 1 } : { ok: true, detail: 'connected', durationMs: 1 };
  };
  return { probe, down, calls };
}

/** Advance the clock `steps` times by `ms`, let the probes answer and the passes they request run. */
export async function tick(t: TestDaemon, ms: number, steps = 1): Promise<void> {
  for (let i = 0; i < steps; i++) {
    t.clock.advance(ms);
    // probes resolve on the microtask queue; a transition requests a pass 200 ms later (coalescing a storm)
    for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
    t.clock.advance(200);
    await t.settle();
  }
}

/** The weight the fake kernel holds for real server RIP:8080. */
export const weight = (t: TestDaemon, rip: string) => new RegExp(`-r ${rip.replace(/\./g, '\\.')}:8080 -m -w (\\d+)`).exec(t.save())?.[1];
