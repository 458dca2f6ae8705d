/**
 * The /metrics scenario (issue 18): lvsync watch over 2,300 services × 16 real servers, scraped over
 * HTTP. A cold scrape is one whose listings are older than --scrape-interval: it takes `-L -n` and
 * `-L -n --stats --exact`, parses both, computes the series and serialises them; a warm one (another
 * scraper within the interval) only serialises. The in-memory fake ipvsadm answers from texts made
 * once, so the CPU measured is lvsync's alone, as ipvsadm's would be another process's.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Ipvsadm, IpvsadmResult } from '../src/ipvsadm/port.js';
import type { Clock } from '../src/watch/clock.js';
import { startDaemon } from '../src/watch/daemon.js';
import { fakeWithTable } from '../test/helpers/in-memory-ipvsadm.js';
import { PEER_SIZES, baseTable, countServers, desiredYamlFiles, saveText } from './generate.js';

export interface MetricsBenchRun {
  readonly servers: boolean;
  readonly services: number;
  readonly realServers: number;
  readonly samples: number;
  readonly bytes: number;
  /** wall and lvsync's CPU (user + system) per scrape, ms, median of the runs */
  readonly cold: { readonly wallMs: number; readonly cpuMs: number };
  readonly warm: { readonly wallMs: number; readonly cpuMs: number };
  /** the listings as ipvsadm prints them, bytes */
  readonly listingBytes: number;
}

const SCRAPE_INTERVAL_MS = 15_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A clock the bench moves: past the scrape interval for a cold scrape, not at all for a warm one. */
function benchClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); return () => clearTimeout(t); }, advance: (ms) => { offset += ms; } };
}

export async function runMetricsBench(options: { servers: boolean; runs: number }): Promise<MetricsBenchRun> {
  const size = PEER_SIZES.find((s) => s.id === 'ka16')!;
  const services = baseTable(size);
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-bench-metrics-'));
  try {
    mkdirSync(join(dir, 'conf'));
    desiredYamlFiles(services).forEach((text, i) => writeFileSync(join(dir, 'conf', `services-${i}.yaml`), text));
    const fake = fakeWithTable(saveText(services));
    let n = 0;
    for (const svc of fake.kernel.state.services) {
      for (const d of svc.dests) {
        n++;
        d.activeConns = n % 7; d.inactConns = n % 3;
        Object.assign(d.stats, { conns: 1_000_000 + n, inpkts: 300_000_000 + n, outpkts: 290_000_000 + n, inbytes: 40_000_000_000 + n, outbytes: 900_000_000_000 + n });
      }
    }
    // made once: ipvsadm's work is another process's, not lvsync's
    const canned = new Map<string, IpvsadmResult>();
    for (const args of [['-L', '-n'], ['-L', '-n', '--stats', '--exact']]) canned.set(args.join(' '), await fake.run(args));
    const ipvsadm: Ipvsadm = { describe: 'bench', run: (args, input) => canned.get(args.join(' ')) && input === undefined ? Promise.resolve(canned.get(args.join(' '))!) : fake.run(args, input) };
    const clock = benchClock();
    const daemon = await startDaemon({
      paths: [join(dir, 'conf')], intervalMs: 3_600_000, detectOnly: false, listen: { host: '127.0.0.1', port: 0 }, stateDir: join(dir, 'state'),
      perCommand: false, allowMassDelete: false, hostname: 'bench', version: 'bench', metricsServers: options.servers, scrapeIntervalMs: SCRAPE_INTERVAL_MS,
    }, { ipvsadm, clock, log: pino({ level: 'silent' }), watch: false });
    await daemon.loop.idle();
    const scrape = async () => {
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const body = await (await fetch(`${daemon.url!}/metrics`)).text();
      const wallMs = performance.now() - t0;
      const d = process.cpuUsage(cpu);
      return { body, wallMs, cpuMs: (d.user + d.system) / 1000 };
    };
    const cold: { wallMs: number; cpuMs: number }[] = [];
    const warm: { wallMs: number; cpuMs: number }[] = [];
    let body = '';
    for (let i = 0; i < options.runs; i++) {
      clock.advance(SCRAPE_INTERVAL_MS);
      const c = await scrape();
      cold.push(c);
      body = c.body;
      warm.push(await scrape());
    }
    await daemon.stop('SIGTERM');
    return {
      servers: options.servers, services: services.length, realServers: countServers(services),
      samples: body.split('\n').filter((l) => l.startsWith('lvsync_service_') || l.startsWith('lvsync_real_server_')).length,
      bytes: body.length,
      cold: { wallMs: median(cold.map((x) => x.wallMs)), cpuMs: median(cold.map((x) => x.cpuMs)) },
      warm: { wallMs: median(warm.map((x) => x.wallMs)), cpuMs: median(warm.map((x) => x.cpuMs)) },
      listingBytes: [...canned.values()].reduce((s, r) => s + r.stdout.length, 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function metricsReport(runs: readonly MetricsBenchRun[]): string {
  const f = (x: number) => x.toFixed(0);
  return [
    '| --metrics-servers | series (lb) | body | cold scrape: wall / CPU | warm scrape: wall / CPU | CPU share at a 15 s scrape interval |',
    '|---|---:|---:|---:|---:|---:|',
    ...runs.map((r) => `| ${r.servers} | ${r.samples.toLocaleString('en')} | ${(r.bytes / 1e6).toFixed(1)} MB | ${f(r.cold.wallMs)} / ${f(r.cold.cpuMs)} ms | ${f(r.warm.wallMs)} / ${f(r.warm.cpuMs)} ms | ${(100 * r.cold.cpuMs / SCRAPE_INTERVAL_MS).toFixed(1)} % |`),
  ].join('\n');
}
