import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { fakeWithTable, type InMemoryIpvsadm } from '../helpers/in-memory-ipvsadm.js';

/**
 * A fleet through the CLI: plan --all-directors from per-director snapshots, fleet-check of a pair,
 * and --director selecting what apply converges on the fake director.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const FLEET = `${root}examples/fleet`;
const LIVE = `${root}examples/fleet/live`;

const commands = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('  ipvsadm ')).map((l) => l.trim());
const section = (text: string, director: string): string => {
  const start = text.indexOf(`=== director ${director} `);
  const next = text.indexOf('=== director ', start + 1);
  return text.slice(start, next === -1 ? undefined : next);
};

test('plan --all-directors plans lb1 and lb2 from DIR/<name>.save, one section each, with each one\'s commands', async () => {
  const r = await runCli(['plan', FLEET, '--all-directors', '--live-dir', LIVE]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(commands(section(r.stdout, 'lb1')), ['ipvsadm -E -t 192.168.30.10:80 -s wrr']);
  assert.deepEqual(commands(section(r.stdout, 'lb2')), [
    'ipvsadm -E -t 192.168.30.10:80 -s wrr',
    'ipvsadm -e -t 192.168.30.10:80 -r 10.30.0.13:8080 -m -w 0',
    'ipvsadm -a -u 192.168.30.53:53 -r 10.30.0.22:53 -m -w 1',
  ]);
  const detailed = await runCli(['plan', FLEET, '--all-directors', '--live-dir', LIVE, '--detailed-exitcode']);
  assert.equal(detailed.code, 2);
});

test('plan --all-directors --json is keyed by director, each value the single-director JSON document', async () => {
  const all = await runCli(['plan', FLEET, '--all-directors', '--live-dir', LIVE, '--json']);
  assert.equal(all.code, 0, all.stderr);
  const doc = JSON.parse(all.stdout) as { formatVersion: number; directors: Record<string, unknown> };
  assert.equal(doc.formatVersion, 1);
  assert.deepEqual(Object.keys(doc.directors), ['lb1', 'lb2']);
  const one = await runCli(['plan', FLEET, '--director', 'lb2', '--live-dir', LIVE, '--json', '--state-dir', '/nonexistent/lvsync-state']);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(doc.directors['lb2'], JSON.parse(one.stdout));
  const md = await runCli(['plan', FLEET, '--all-directors', '--live-dir', LIVE, '--format', 'markdown']);
  assert.match(md.stdout, /^\| lb1 \| 0 \| 1 \| 0 \| 0 \| 📝 changes \|$/m);
  assert.match(md.stdout, /^\| lb2 \| 1 \| 2 \| 0 \| 0 \| 📝 changes \|$/m);
  assert.match(md.stdout, /^#### lb2$/m);
});

test('plan --all-directors: a director the config names without a snapshot is exit 1 naming the expected file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-snap-'));
  copyFileSync(join(LIVE, 'lb1.save'), join(dir, 'lb1.save'));
  const r = await runCli(['plan', FLEET, '--all-directors', '--live-dir', dir]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(`expected ${dir}/lb2.save`), r.stderr);
  // a snapshot the config does not name is planned too (the common services only)
  copyFileSync(join(LIVE, 'lb2.save'), join(dir, 'lb2.save'));
  copyFileSync(join(LIVE, 'lb2.save'), join(dir, 'lb3.save'));
  const extra = await runCli(['plan', FLEET, '--all-directors', '--live-dir', dir]);
  assert.equal(extra.code, 0, extra.stderr);
  assert.match(extra.stderr, /warning\[DIRECTOR_UNKNOWN\]/);
  assert.deepEqual(commands(section(extra.stdout, 'lb3')), ['ipvsadm -E -t 192.168.30.10:80 -s wrr', 'ipvsadm -a -u 192.168.30.53:53 -r 10.30.0.22:53 -m -w 1']);
});

test('plan --director NAME --live-dir DIR reads DIR/NAME.save; a missing one is exit 1 naming it', async () => {
  const r = await runCli(['plan', FLEET, '--director', 'lb1', '--live-dir', LIVE, '--state-dir', '/nonexistent/lvsync-state']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(commands(r.stdout), ['ipvsadm -E -t 192.168.30.10:80 -s wrr']);
  const missing = await runCli(['plan', FLEET, '--director', 'lb2', '--live-dir', join(LIVE, '..'), '--state-dir', '/nonexistent/lvsync-state']);
  assert.equal(missing.code, 1);
  assert.ok(missing.stderr.includes(`expected ${join(LIVE, '..')}/lb2.save`), missing.stderr);
});

test('plan --all-directors refuses --live and --out (usage, 64)', async () => {
  assert.equal((await runCli(['plan', FLEET, '--all-directors'])).code, 64);
  assert.equal((await runCli(['plan', FLEET, '--all-directors', '--live-dir', LIVE, '--live', join(LIVE, 'lb1.save')])).code, 64);
  assert.equal((await runCli(['plan', FLEET, '--all-directors', '--live-dir', LIVE, '--out', '/tmp/x.json'])).code, 64);
});

type Check = { identical: boolean; pairs: { directors: string[]; differences: unknown[] }[] };

test('fleet-check: the example pair differs in one weight (exit 1); the sync daemon roles are not a difference', async () => {
  const r = await runCli(['fleet-check', FLEET, '--json']);
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as Check;
  assert.equal(doc.identical, false);
  assert.deepEqual(doc.pairs.map((p) => p.directors), [['lb1', 'lb2']]);
  assert.deepEqual(doc.pairs[0]!.differences, [
    { kind: 'server', service: 'web (tcp 192.168.30.10:80)', server: '10.30.0.13:8080', field: 'weight', a: '1', b: '0' },
  ]);
  const text = await runCli(['fleet-check', FLEET]);
  assert.equal(text.code, 1);
  assert.ok(text.stdout.includes('    real server 10.30.0.13:8080 weight: lb1 1, lb2 0\n'), text.stdout);
});

test('fleet-check: without the weight override the pair is identical (exit 0); --pair picks other pairs', async () => {
  const services = readFileSync(join(FLEET, 'services.yaml'), 'utf8');
  const directors = readFileSync(join(FLEET, 'directors.yaml'), 'utf8').replace(/\n    services:[\s\S]*$/, '\n');
  const dir = tempTree({ 'services.yaml': services, 'directors.yaml': directors });
  const r = await runCli(['fleet-check', dir, '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((JSON.parse(r.stdout) as Check).identical, true);
  // lb1 and a director nothing names get the same common table: identical, whatever fleet.pairs says
  const other = await runCli(['fleet-check', dir, '--pair', 'lb1,lb3']);
  assert.equal(other.code, 0, other.stdout);
  assert.match(other.stdout, /^lb1 and lb3 are identical: 2 service\(s\), 5 real server\(s\)/);
  // a service on one director only, and a timeout only one has
  const only = tempTree({ 'a.yaml': `${services}  - { name: extra, directors: [lb2], address: 192.168.30.99, port: 443 }\n`, 'b.yaml': `${directors}    timeouts: { udp: 60 }\n` });
  const diff = await runCli(['fleet-check', only, '--json']);
  assert.equal(diff.code, 1);
  assert.deepEqual((JSON.parse(diff.stdout) as Check).pairs[0]!.differences, [
    { kind: 'service-only', service: 'extra (tcp 192.168.30.99:443)', on: 'b' },
    { kind: 'setting', setting: 'timeouts.udp', a: '300', b: '60' },
  ]);
});

test('fleet-check without any pair is a usage error; an invalid config is exit 3', async () => {
  assert.equal((await runCli(['fleet-check', `${root}examples/nat-web.yaml`])).code, 64);
  const bad = tempTree({ 'a.yaml': 'version: 1\nfleet: { pairs: [[lb1, lb2]] }\noverrides:\n  lb2:\n    services:\n      nope: { scheduler: rr }\n' });
  const r = await runCli(['fleet-check', bad]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /a\.yaml:6:7: error\[OVERRIDE_UNKNOWN_SERVICE\]/);
});

const save = (fake: InMemoryIpvsadm): string => runIpvsadm(fake.kernel, ['-S', '-n']).stdout;

test('apply --director lb2 converges the fake director to lb2\'s table and daemons; the next plan for lb2 is empty', async () => {
  const fake = fakeWithTable(readFileSync(join(LIVE, 'lb2.save'), 'utf8'));
  const state = mkdtempSync(join(tmpdir(), 'lvsync-state-'));
  // the example's eth1 does not exist on the fake director, lo does
  const copy = (name: string) => readFileSync(join(FLEET, name), 'utf8').replaceAll('eth1', 'lo');
  const config = tempTree({ 'services.yaml': copy('services.yaml'), 'directors.yaml': copy('directors.yaml') });
  const r = await runCli(['apply', config, '--director', 'lb2', '--yes', '--state-dir', state], { ipvsadm: fake });
  assert.equal(r.code, 0, r.stderr);
  const batch = fake.calls.find((c) => c.args[0] === '-R');
  assert.ok(batch);
  assert.deepEqual(batch.input?.trim().split('\n'), [
    // the timeouts are the kernel's defaults already: no --set
    '--start-daemon backup --mcast-interface lo --syncid 30 --mcast-group 224.0.0.81 --mcast-port 8848 --mcast-ttl 1',
    '-E -t 192.168.30.10:80 -s wrr',
    '-e -t 192.168.30.10:80 -r 10.30.0.13:8080 -m -w 0',
    '-a -u 192.168.30.53:53 -r 10.30.0.22:53 -m -w 1',
  ]);
  assert.match(save(fake), /-a -t 192\.168\.30\.10:80 -r 10\.30\.0\.13:8080 -m -w 0/);
  const again = await runCli(['plan', config, '--director', 'lb2', '--state-dir', state, '--detailed-exitcode'], { ipvsadm: fake });
  assert.equal(again.code, 0, again.stdout);
  // lb1's view of the same director is different: weight 1 and a master daemon
  const lb1 = await runCli(['plan', config, '--director', 'lb1', '--state-dir', state, '--detailed-exitcode'], { ipvsadm: fake });
  assert.equal(lb1.code, 2);
  assert.ok(commands(lb1.stdout).includes('ipvsadm -e -t 192.168.30.10:80 -r 10.30.0.13:8080 -m -w 1'), lb1.stdout);
});

test('--director defaults to the host name, and LVSYNC_DIRECTOR overrides it', async () => {
  const r = await runCli(['validate', FLEET]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /warning\[DIRECTOR_UNKNOWN\]: director director-test /);
  const env = await runCli(['validate', FLEET], { env: { LVSYNC_DIRECTOR: 'lb2' } });
  assert.equal(env.stderr, '');
  assert.equal(env.stdout, 'Valid: 2 file(s), 2 service(s), 5 real server(s) on director lb2.\n');
});

test('realserver --director: only the services on that director count', async () => {
  const dir = tempTree({ 'dr.yaml': 'version: 1\nservices:\n  - { name: web-dr, directors: [lb2], address: 10.60.0.10, port: 80, realServers: [{ address: 10.60.0.11, method: dr }] }\n' });
  const lb2 = await runCli(['realserver', dir, '--address', '10.60.0.11', '--director', 'lb2']);
  assert.equal(lb2.code, 0, lb2.stderr);
  assert.match(lb2.stdout, /^ip addr add 10\.60\.0\.10\/32 dev lo/m);
  const lb1 = await runCli(['realserver', dir, '--address', '10.60.0.11', '--director', 'lb1']);
  assert.equal(lb1.code, 1);
});
