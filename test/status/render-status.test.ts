import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { setServerCounters, setServiceStats } from '../fake-ipvsadm/state-file.js';
import { humanCount, renderStatusJson, renderStatusText } from '../../src/status/render-status.js';
import { readLiveStats } from '../../src/watch/live-stats.js';
import { fakeWithTable } from '../helpers/in-memory-ipvsadm.js';

async function snapshot() {
  const fake = fakeWithTable('-A -t 10.0.0.1:80 -s wrr -p 300\n-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3\n-a -t 10.0.0.1:80 -r 10.1.0.2:8080 -m -w 0\n-A -f 7 -s sh -b sh-port\n');
  setServerCounters(fake.kernel, '-t 10.0.0.1:80', '10.1.0.1:8080', { activeConns: 12, inactConns: 3, stats: { conns: 123456, inpkts: 10, outpkts: 20, inbytes: 2_500_000_000, outbytes: 7 } });
  setServiceStats(fake.kernel, '-t 10.0.0.1:80', { conns: 123456 });
  return readLiveStats(fake, Date.parse('2026-11-24T12:00:00Z'));
}

test('status text: one block per service, servers with method, weight and connections', async () => {
  const desired = parseDesiredSources([{ file: 'd.yaml', text: 'version: 1\nservices:\n  - { name: web, protocol: tcp, address: 10.0.0.1, port: 80 }\n' }]).state;
  const text = renderStatusText(await snapshot(), { stats: false, rates: false, desired });
  assert.equal(text, `web  tcp 10.0.0.1:80  wrr, persistent 300s, declared
  real server    method  weight  active  inactive
  10.1.0.1:8080  nat     3       12      3
  10.1.0.2:8080  nat     0       0       0

fwmark 7  sh (sh-port), not declared
  (no real servers)
`);
});

test('status --stats adds counters per server and a service total, humanised', async () => {
  const text = renderStatusText(await snapshot(), { stats: true, rates: false });
  assert.match(text, /^ {2}10\.1\.0\.1:8080 +nat +3 +12 +3 +123K +10 +20 +2\.5G +7$/m);
  assert.match(text, /^ {2}total +123K/m);
});

test('status --json has exact numbers', async () => {
  const doc = JSON.parse(renderStatusJson(await snapshot(), { stats: true, rates: true }));
  assert.equal(doc.formatVersion, 1);
  const web = doc.services[0];
  assert.equal(web.realServers[0].activeConns, 12);
  assert.equal(web.realServers[0].stats.InBytes, 2_500_000_000);
  assert.equal(web.declared, null);
});

test('humanCount keeps small numbers exact and scales large ones', () => {
  assert.equal(humanCount(9999), '9999');
  assert.equal(humanCount(12_345), '12K');
  assert.equal(humanCount(1_500_000), '1.5M');
  assert.equal(humanCount(undefined), '-');
});

test('lvsync status through the CLI: text, --stats columns and --json', async () => {
  const { runCli } = await import('../helpers/cli.js');
  const fake = fakeWithTable('-A -t 10.0.0.1:80 -s wrr\n-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3\n');
  const text = await runCli(['status', '--stats'], { ipvsadm: fake });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^ {2}real server +method +weight +active +inactive +conns +inpkts +outpkts +inbytes +outbytes$/m);
  const json = await runCli(['status', '--json'], { ipvsadm: fake });
  assert.equal(JSON.parse(json.stdout).services[0].realServers[0].weight, 3);
  // read-only: only listings ran
  assert.ok(fake.calls.every((c) => c.args[0] === '-S' || c.args[0] === '-L'));
});

test('status shows what lvsync watch recorded: health per checked server and drains in progress', async () => {
  const at = Date.parse('2026-11-24T12:00:00Z');
  const health = new Map([['tcp|10.0.0.1|80#10.1.0.1|8080', {
    id: 'tcp|10.0.0.1|80#10.1.0.1|8080', status: 'up' as const, since: at - 60_000, consecutiveOk: 5, consecutiveFail: 0, lastResult: { ok: true, detail: 'HTTP 200', durationMs: 3 }, lastCheckAt: at,
  }]]);
  const drains = new Map([['tcp|10.0.0.1|80#10.1.0.2|8080', {
    id: 'tcp|10.0.0.1|80#10.1.0.2|8080', service: 'tcp|10.0.0.1|80', server: '10.1.0.2|8080', what: '10.1.0.2:8080 of tcp 10.0.0.1:80', startedAt: at - 5_000, deadline: at + 25_000, persistent: true,
  }]]);
  const text = renderStatusText(await snapshot(), { stats: false, rates: false, health, drains, now: at });
  assert.equal(text.split('\n').slice(0, 4).join('\n'), `tcp 10.0.0.1:80  wrr, persistent 300s
  real server    method  weight  active  inactive  health
  10.1.0.1:8080  nat     3       12      3         up
  10.1.0.2:8080  nat     0       0       0         draining, 25s left`);
  const json = JSON.parse(renderStatusJson(await snapshot(), { stats: false, rates: false, health, drains, now: at })) as { services: { realServers: { health: { status: string } | null; draining: { deadline: number } | null }[] }[] };
  assert.deepEqual(json.services[0]!.realServers.map((s) => [s.health?.status ?? null, s.draining?.deadline ?? null]), [['up', null], [null, at + 25_000]]);
});
