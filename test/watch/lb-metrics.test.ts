import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { afterEach, test } from 'node:test';
import { parseListing } from '../../src/live/parse-listing.js';
import { LB_SERIES, loadBalancerSeries, type LoadBalancerInput, type Sample } from '../../src/watch/lb-series.js';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { fakeProbes, startTestDaemon, stopAllTestDaemons, tick, WEB, HEALTHY, type TestDaemon } from './daemon-helpers.js';

/**
 * Issue 18: per-service and per-real-server series named after the config, from the listings the
 * status page reads; the cardinality switch; one kernel read per min age whatever the scrapers.
 */

afterEach(stopAllTestDaemons);

const WEB_LABELS = { service: 'web', protocol: 'tcp', address: '192.168.10.100', port: '80' };
const server = (rip: string) => ({ ...WEB_LABELS, server_address: rip, server_port: '8080' });

/** set the fake kernel's counters of one real server (and its service's, as the kernel sums them) */
function traffic(t: TestDaemon, rip: string, c: { active: number; inactive: number; conns: number; inpkts: number; outpkts: number; inbytes: number; outbytes: number }) {
  for (const svc of t.fake.kernel.state.services) {
    for (const d of svc.dests) {
      if (d.addr !== rip) continue;
      d.activeConns = c.active;
      d.inactConns = c.inactive;
      Object.assign(d.stats, { conns: c.conns, inpkts: c.inpkts, outpkts: c.outpkts, inbytes: c.inbytes, outbytes: c.outbytes });
    }
    const sum = (k: 'conns' | 'inpkts' | 'outpkts' | 'inbytes' | 'outbytes') => svc.dests.reduce((n, d) => n + d.stats[k], 0);
    Object.assign(svc.stats, { conns: sum('conns'), inpkts: sum('inpkts'), outpkts: sum('outpkts'), inbytes: sum('inbytes'), outbytes: sum('outbytes') });
  }
}

function input(t: TestDaemon, over: Partial<LoadBalancerInput> = {}): LoadBalancerInput {
  return {
    desired: t.daemon.status.desired,
    conns: parseListing(runIpvsadm(t.fake.kernel, ['-L', '-n']).stdout),
    stats: parseListing(runIpvsadm(t.fake.kernel, ['-L', '-n', '--stats', '--exact']).stdout),
    health: new Map(), drains: [], servers: true, ...over,
  };
}

const samples = (series: ReadonlyMap<string, readonly Sample[]>, name: keyof typeof LB_SERIES) => series.get(name) ?? [];

test('per service and per real server: labels from the config name and address, values from the listings', async () => {
  const t = await startTestDaemon();
  traffic(t, '10.0.0.11', { active: 3, inactive: 1, conns: 40, inpkts: 400, outpkts: 380, inbytes: 52_000, outbytes: 1_900_000_000 });
  traffic(t, '10.0.0.12', { active: 2, inactive: 0, conns: 25, inpkts: 250, outpkts: 240, inbytes: 31_000, outbytes: 900_000 });
  const s = loadBalancerSeries(input(t));

  assert.deepEqual(samples(s, 'lvsync_service_active_connections'), [{ labels: WEB_LABELS, value: 5 }]);
  assert.deepEqual(samples(s, 'lvsync_service_inactive_connections'), [{ labels: WEB_LABELS, value: 1 }]);
  assert.deepEqual(samples(s, 'lvsync_service_connections_total'), [{ labels: WEB_LABELS, value: 65 }]);
  assert.deepEqual(samples(s, 'lvsync_service_bytes_total'), [
    { labels: { ...WEB_LABELS, direction: 'in' }, value: 83_000 },
    { labels: { ...WEB_LABELS, direction: 'out' }, value: 1_900_900_000 },
  ]);
  assert.deepEqual(samples(s, 'lvsync_service_real_servers'), [
    { labels: { ...WEB_LABELS, status: 'up' }, value: 2 },
    { labels: { ...WEB_LABELS, status: 'down' }, value: 0 },
    { labels: { ...WEB_LABELS, status: 'draining' }, value: 0 },
  ]);
  assert.deepEqual(samples(s, 'lvsync_service_fail_open'), [{ labels: WEB_LABELS, value: 0 }]);
  assert.deepEqual(samples(s, 'lvsync_real_server_weight'), [{ labels: server('10.0.0.11'), value: 3 }, { labels: server('10.0.0.12'), value: 5 }]);
  assert.deepEqual(samples(s, 'lvsync_real_server_declared_weight'), [{ labels: server('10.0.0.11'), value: 3 }, { labels: server('10.0.0.12'), value: 5 }]);
  assert.deepEqual(samples(s, 'lvsync_real_server_healthy'), [{ labels: server('10.0.0.11'), value: 1 }, { labels: server('10.0.0.12'), value: 1 }]);
  assert.deepEqual(samples(s, 'lvsync_real_server_draining'), [{ labels: server('10.0.0.11'), value: 0 }, { labels: server('10.0.0.12'), value: 0 }]);
  assert.deepEqual(samples(s, 'lvsync_real_server_active_connections'), [{ labels: server('10.0.0.11'), value: 3 }, { labels: server('10.0.0.12'), value: 2 }]);
  assert.deepEqual(samples(s, 'lvsync_real_server_connections_total'), [{ labels: server('10.0.0.11'), value: 40 }, { labels: server('10.0.0.12'), value: 25 }]);
  assert.deepEqual(samples(s, 'lvsync_real_server_packets_total'), [
    { labels: { ...server('10.0.0.11'), direction: 'in' }, value: 400 },
    { labels: { ...server('10.0.0.11'), direction: 'out' }, value: 380 },
    { labels: { ...server('10.0.0.12'), direction: 'in' }, value: 250 },
    { labels: { ...server('10.0.0.12'), direction: 'out' }, value: 240 },
  ]);
  // the series count per real server the docs state: 11
  const perServer = Object.entries(LB_SERIES).filter(([, spec]) => spec.per === 'server').reduce((n, [name]) => n + samples(s, name as keyof typeof LB_SERIES).length, 0);
  assert.equal(perServer, 2 * 11);
  await t.stop();
});

test('fwmark and IPv6 services, an unnamed service: labels say fwmark and family, or the address; the service label falls back to how plans name it', async () => {
  const yaml = `version: 1
services:
  - name: mail
    fwmark: 7
    scheduler: rr
    realServers: [{ address: 10.0.0.21, method: dr }]
  - protocol: udp
    address: "2001:db8::10"
    port: 53
    scheduler: rr
    realServers: [{ address: "2001:db8::21", port: 53, method: dr }]
`;
  const t = await startTestDaemon({ yaml });
  const s = loadBalancerSeries(input(t));
  assert.deepEqual(samples(s, 'lvsync_service_fail_open').map((x) => x.labels), [
    { service: 'mail', protocol: 'fwmark', fwmark: '7', family: 'ipv4' },
    { service: 'udp [2001:db8::10]:53', protocol: 'udp', address: '2001:db8::10', port: '53' },
  ]);
  assert.deepEqual(samples(s, 'lvsync_real_server_weight').map((x) => x.labels), [
    { service: 'mail', protocol: 'fwmark', fwmark: '7', family: 'ipv4', server_address: '10.0.0.21', server_port: '0' },
    { service: 'udp [2001:db8::10]:53', protocol: 'udp', address: '2001:db8::10', port: '53', server_address: '2001:db8::21', server_port: '53' },
  ]);
  await t.stop();
});

test('a server down: weight 0 in the kernel beside its declared weight, healthy 0, counted down; all down: fail open', async () => {
  const probes = fakeProbes();
  const t = await startTestDaemon({ yaml: HEALTHY, probe: probes.probe });
  await tick(t, 1000, 3);
  probes.down.add('10.0.0.12');
  await tick(t, 1000, 4);
  let body = await scrape(t);
  assert.equal(value(body, 'lvsync_real_server_weight', server('10.0.0.12')), 0);
  assert.equal(value(body, 'lvsync_real_server_declared_weight', server('10.0.0.12')), 5);
  assert.equal(value(body, 'lvsync_real_server_healthy', server('10.0.0.12')), 0);
  assert.equal(value(body, 'lvsync_real_server_healthy', server('10.0.0.11')), 1);
  assert.equal(value(body, 'lvsync_service_real_servers', { ...WEB_LABELS, status: 'down' }), 1);
  assert.equal(value(body, 'lvsync_service_real_servers', { ...WEB_LABELS, status: 'up' }), 1);
  assert.equal(value(body, 'lvsync_service_fail_open', WEB_LABELS), 0);

  probes.down.add('10.0.0.11');
  await tick(t, 1000, 4);
  t.clock.advance(60_000);
  await t.settle();
  body = await scrape(t);
  assert.equal(value(body, 'lvsync_service_real_servers', { ...WEB_LABELS, status: 'up' }), 0);
  assert.equal(value(body, 'lvsync_service_fail_open', WEB_LABELS), 1);
  assert.equal(value(body, 'lvsync_real_server_weight', server('10.0.0.11')), 3, 'failing open: declared weights');
  await t.stop();
});

test('a removed server with connections: draining 1, weight 0, no declared weight, counted draining', async () => {
  const t = await startTestDaemon();
  traffic(t, '10.0.0.12', { active: 4, inactive: 0, conns: 4, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0 });
  writeFileSync(t.file, WEB.replace(/^.*10\.0\.0\.12.*\n/m, ''));
  t.watcher.fire();
  t.clock.advance(100);
  await t.settle();
  assert.equal(t.daemon.status.drains.length, 1);
  t.clock.advance(60_000); // past the cache's age: the drain's weight 0 is read
  const body = await scrape(t);
  assert.equal(value(body, 'lvsync_real_server_draining', server('10.0.0.12')), 1);
  assert.equal(value(body, 'lvsync_real_server_weight', server('10.0.0.12')), 0);
  assert.equal(value(body, 'lvsync_real_server_declared_weight', server('10.0.0.12')), undefined);
  assert.equal(value(body, 'lvsync_real_server_active_connections', server('10.0.0.12')), 4);
  assert.equal(value(body, 'lvsync_service_real_servers', { ...WEB_LABELS, status: 'draining' }), 1);
  assert.equal(value(body, 'lvsync_service_real_servers', { ...WEB_LABELS, status: 'up' }), 1);
  await t.stop();
});

test('--metrics-servers=false: the per-service series only; the per-server families stay, empty', async () => {
  const t = await startTestDaemon({ config: { metricsServers: false } });
  const body = await scrape(t);
  assert.equal(value(body, 'lvsync_service_connections_total', WEB_LABELS), 0);
  for (const [name, spec] of Object.entries(LB_SERIES)) {
    if (spec.per === 'server') assert.doesNotMatch(body, new RegExp(`^${name}\\{`, 'm'), name);
  }
  assert.match(body, /^# TYPE lvsync_real_server_weight gauge$/m);
  await t.stop();
});

test('a service\'s metrics.servers overrides --metrics-servers either way', async () => {
  const two = `${WEB}  - name: api
    protocol: tcp
    address: 192.168.10.101
    port: 80
    metrics: { servers: true }
    realServers:
      - { address: 10.0.0.21, port: 8080, method: nat }
`;
  const perServer = (body: string) => [...body.matchAll(/^lvsync_real_server_declared_weight\{service="(\w+)"/gm)].map((m) => m[1]);
  const off = await startTestDaemon({ yaml: two, config: { metricsServers: false } });
  assert.deepEqual(perServer(await scrape(off)), ['api'], 'only the service that asks for them');
  await off.stop();
  const on = await startTestDaemon({ yaml: two.replace('  - name: web\n', '  - name: web\n    metrics: { servers: false }\n') });
  assert.deepEqual(perServer(await scrape(on)), ['api'], 'web opted out');
  await on.stop();
});

test('counters are counters holding the kernel\'s absolute values, the same at every scrape until the kernel moves', async () => {
  const t = await startTestDaemon();
  traffic(t, '10.0.0.11', { active: 0, inactive: 0, conns: 7, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0 });
  t.clock.advance(60_000);
  await t.settle();
  let body = await scrape(t);
  assert.match(body, /^# TYPE lvsync_real_server_connections_total counter$/m);
  assert.equal(value(body, 'lvsync_real_server_connections_total', server('10.0.0.11')), 7);
  t.clock.advance(20_000);
  body = await scrape(t);
  assert.equal(value(body, 'lvsync_real_server_connections_total', server('10.0.0.11')), 7);
  traffic(t, '10.0.0.11', { active: 0, inactive: 0, conns: 9, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0 });
  t.clock.advance(20_000);
  body = await scrape(t);
  assert.equal(value(body, 'lvsync_real_server_connections_total', server('10.0.0.11')), 9);
  await t.stop();
});

test('the kernel is read once per scrape interval whatever the number of scrapers, and the page shares the read', async () => {
  const t = await startTestDaemon({ listen: true, config: { scrapeIntervalMs: 15_000 } });
  t.clock.advance(60_000); // past every read the passes took
  await t.settle();
  const reads = (args: string) => t.fake.calls.filter((c) => c.args.join(' ') === args).length;
  const stats0 = reads('-L -n --stats --exact');
  const conns0 = reads('-L -n');
  const url = t.daemon.url!;
  await Promise.all([fetch(`${url}/metrics`), fetch(`${url}/metrics`), fetch(`${url}/metrics`)].map(async (r) => (await r).text()));
  await (await fetch(`${url}/`)).text();
  assert.equal(reads('-L -n --stats --exact') - stats0, 1, 'three scrapers and a page view: one read');
  assert.equal(reads('-L -n') - conns0, 1);
  t.clock.advance(14_999);
  await (await fetch(`${url}/metrics`)).text();
  assert.equal(reads('-L -n --stats --exact') - stats0, 1, 'younger than the scrape interval: not read again');
  t.clock.advance(1);
  await (await fetch(`${url}/metrics`)).text();
  assert.equal(reads('-L -n --stats --exact') - stats0, 2, 'as old as the interval: read again');
  await t.stop();
});

test('the page takes the table the last pass read instead of its own -S', async () => {
  const t = await startTestDaemon({ listen: true });
  t.clock.advance(10_000); // the interval's pass reads -S -n
  await t.settle();
  const saves = t.fake.calls.filter((c) => c.args.join(' ') === '-S -n').length;
  const page = await (await fetch(`${t.daemon.url!}/`)).text();
  assert.match(page, /10\.0\.0\.12:8080/);
  assert.equal(t.fake.calls.filter((c) => c.args.join(' ') === '-S -n').length, saves);
  await t.stop();
});

test('lvsync_ready follows /readyz', async () => {
  const t = await startTestDaemon();
  assert.equal(value(await scrape(t), 'lvsync_ready', {}), 1);
  writeFileSync(t.file, 'version: 1\nservices: [{ nope: 1 }]\n');
  t.watcher.fire();
  t.clock.advance(100);
  await t.settle();
  assert.equal(value(await scrape(t), 'lvsync_ready', {}), 0);
  await t.stop();
});

test('an unreadable kernel: the traffic series go, the config and health ones stay', async () => {
  const t = await startTestDaemon();
  t.ipvsadm.broken = true;
  t.clock.advance(60_000);
  const body = await scrape(t);
  assert.equal(value(body, 'lvsync_service_connections_total', WEB_LABELS), undefined);
  assert.equal(value(body, 'lvsync_real_server_weight', server('10.0.0.11')), undefined);
  assert.equal(value(body, 'lvsync_real_server_declared_weight', server('10.0.0.11')), 3);
  assert.equal(value(body, 'lvsync_service_real_servers', { ...WEB_LABELS, status: 'up' }), 2);
  t.ipvsadm.broken = false;
  await t.stop();
});

async function scrape(t: TestDaemon): Promise<string> {
  return t.daemon.metrics.registry.metrics();
}

/** the value of the sample with exactly these labels; undefined when absent */
function value(body: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of body.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const pair of (m[2] ?? '').match(/[a-z_]+="(?:[^"\\]|\\.)*"/g) ?? []) {
      const eq = pair.indexOf('=');
      got[pair.slice(0, eq)] = JSON.parse(pair.slice(eq + 1)) as string;
    }
    if (JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(labels).sort())) return Number(m[3]);
  }
  return undefined;
}
