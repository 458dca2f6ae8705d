import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { KERNEL_DEFAULT_SYSCTLS, createFakeSysctl } from '../helpers/fake-sysctl.js';
import { fakeWithTable, type InMemoryIpvsadm } from '../helpers/in-memory-ipvsadm.js';

/**
 * Kernel-wide settings end to end through the CLI, against the fake ipvsadm (which emulates --set,
 * -L --timeout, --start-daemon/--stop-daemon and -L --daemon as 1.31 on 6.1 does) and a fake /proc/sys.
 */

const mutating = (fake: InMemoryIpvsadm) => fake.calls.filter((c) => !['-S', '-L'].includes(c.args[0] ?? ''));
const daemons = (fake: InMemoryIpvsadm): string => runIpvsadm(fake.kernel, ['-L', '--daemon']).stdout;
const timeouts = (fake: InMemoryIpvsadm): string => runIpvsadm(fake.kernel, ['-L', '--timeout']).stdout;

const SETTINGS = `version: 1
timeouts: { tcp: 3600, tcpfin: 60, udp: 120 }
syncDaemon:
  master: { interface: lo, syncId: 5, group: 224.0.0.99, port: 9000, ttl: 2, maxLength: 1400 }
  backup: { interface: eth0, syncId: 5 }
sysctls:
  net.ipv4.vs.expire_nodest_conn: 1
  net.ipv4.vs.expire_quiescent_template: 1
services:
  - { address: 192.168.10.100, port: 80, scheduler: rr, realServers: [{ address: 10.0.0.11 }] }
`;

function setup(yaml: string, save = '') {
  const dir = tempTree({ 'lb.yaml': yaml });
  const fake = fakeWithTable(save);
  const sysctl = createFakeSysctl(KERNEL_DEFAULT_SYSCTLS);
  const state = join(dir, 'state');
  const cli = (...args: string[]) => runCli([...args, '--state-dir', state], { ipvsadm: fake, sysctl });
  return { dir, fake, sysctl, file: join(dir, 'lb.yaml'), cli };
}

test('apply converges timeouts, both daemons and sysctls with the table in one -R batch; the second plan is empty', async () => {
  const { fake, sysctl, file, cli } = setup(SETTINGS);
  const r = await cli('apply', file);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Commands:\n {2}sysctl -w net\.ipv4\.vs\.expire_nodest_conn=1\n {2}sysctl -w net\.ipv4\.vs\.expire_quiescent_template=1\n {2}ipvsadm --set 3600 60 120\n {2}ipvsadm --start-daemon master --mcast-interface lo --syncid 5 --sync-maxlen 1400 --mcast-group 224\.0\.0\.99 --mcast-port 9000 --mcast-ttl 2\n {2}ipvsadm --start-daemon backup --mcast-interface eth0 --syncid 5 --mcast-group 224\.0\.0\.81 --mcast-port 8848 --mcast-ttl 1\n {2}ipvsadm -A /);
  assert.match(r.stdout, /Plan: 4 to add, 3 to change, 0 to destroy\./);
  assert.match(r.stdout, /Apply complete: 2 operation\(s\) and 5 kernel setting change\(s\) applied \(one ipvsadm -R batch\)/);
  // one ipvsadm process changed the kernel; the settings led the batch
  assert.deepEqual(mutating(fake).map((c) => c.args), [['-R']]);
  assert.match(mutating(fake)[0]!.input ?? '', /^--set 3600 60 120\n--start-daemon master .*\n--start-daemon backup .*\n-A -t 192\.168\.10\.100:80 -s rr\n/);
  assert.equal(timeouts(fake), 'Timeout (tcp tcpfin udp): 3600 60 120\n');
  assert.equal(daemons(fake),
    'master sync daemon (mcast=lo, syncid=5, maxlen=1400, group=224.0.0.99, port=9000, ttl=2)\n'
    + 'backup sync daemon (mcast=eth0, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n');
  assert.deepEqual(sysctl.writes, [
    { name: 'net.ipv4.vs.expire_nodest_conn', value: '1' }, { name: 'net.ipv4.vs.expire_quiescent_template', value: '1' },
  ]);
  const again = await cli('plan', file, '--detailed-exitcode');
  assert.equal(again.code, 0, again.stdout);
  assert.match(again.stdout, /^No changes\./m);
  // only what is declared is read: the listings, and the two declared sysctls
  assert.ok(fake.calls.some((c) => c.args.join(' ') === '-L --timeout'));
  assert.ok(fake.calls.some((c) => c.args.join(' ') === '-L --daemon'));
});

test('a different daemon is stopped and started again; a role set to false is stopped; an undeclared role is never touched', async () => {
  const { fake, file, cli } = setup(SETTINGS);
  assert.equal((await cli('apply', file)).code, 0);
  writeFileSync(file, SETTINGS.replace('syncId: 5, group', 'syncId: 6, group'));
  const restart = await cli('apply', file);
  assert.equal(restart.code, 0, restart.stderr);
  assert.match(restart.stdout, / {2}~ sync daemon master {2}# a running daemon cannot be changed: stop it and start it again\n {6}syncId: 5 → 6\n/);
  assert.match(restart.stdout, / {2}ipvsadm --stop-daemon master\n {2}ipvsadm --start-daemon master --mcast-interface lo --syncid 6 /);
  assert.match(daemons(fake), /^master sync daemon \(mcast=lo, syncid=6,/);

  // master: false stops it; backup no longer declared: it keeps running
  writeFileSync(file, 'version: 1\nsyncDaemon:\n  master: false\n');
  const stop = await cli('apply', file, '--allow-mass-delete');
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, / {2}- sync daemon master {2}# syncDaemon\.master is false\n/);
  assert.equal(daemons(fake), 'backup sync daemon (mcast=eth0, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n');

  // no syncDaemon at all: the daemons are not even read
  writeFileSync(file, 'version: 1\ntimeouts: { tcp: 3600 }\n');
  const before = fake.calls.length;
  assert.equal((await cli('plan', file, '--detailed-exitcode')).code, 0);
  assert.ok(!fake.calls.slice(before).some((c) => c.args.join(' ') === '-L --daemon'));
});

test('failures are attributed: a daemon on a missing device and a sysctl the kernel refuses; exit 1; the rest took effect', async () => {
  const { fake, sysctl, file, cli } = setup(SETTINGS.replace('interface: eth0', 'interface: eth9'));
  sysctl.readOnly.add('net.ipv4.vs.expire_quiescent_template');
  const r = await cli('apply', file);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Apply FAILED: 2 of 2 operation\(s\) took effect, 0 failed, 0 not attempted; 3 of 5 kernel setting change\(s\) took effect\./);
  assert.match(r.stderr, /✗ sysctl -w net\.ipv4\.vs\.expire_quiescent_template=1\n {6}cannot write sysctl net\.ipv4\.vs\.expire_quiescent_template: permission denied/);
  assert.match(r.stderr, /✗ ipvsadm --start-daemon backup --mcast-interface eth9 --syncid 5 .*\n {6}exit 255: No such device/);
  assert.match(r.stderr, /✓ sync daemon master\n/);
  assert.match(r.stderr, /Still to do \(0 operation\(s\) and 2 kernel setting change\(s\)\)/);
  assert.match(daemons(fake), /^master sync daemon/);
});

test('--per-command runs each setting command as its own process', async () => {
  const { fake, file, cli } = setup(SETTINGS);
  const r = await cli('apply', file, '--per-command');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(mutating(fake).map((c) => c.args[0]), ['--set', '--start-daemon', '--start-daemon', '-A', '-a']);
});

test('plan --json carries the settings; plan against a saved -S file warns that settings were not compared', async () => {
  const { dir, file, cli } = setup(SETTINGS);
  const json = JSON.parse((await cli('plan', file, '--json')).stdout);
  assert.equal(json.changed, true);
  assert.deepEqual(json.settings.map((s: { kind: string }) => s.kind), ['set-sysctl', 'set-sysctl', 'set-timeouts', 'start-daemon', 'start-daemon']);
  writeFileSync(join(dir, 'live.save'), '-A -t 192.168.10.100:80 -s rr\n-a -t 192.168.10.100:80 -r 10.0.0.11:80 -g -w 1\n');
  const offline = await runCli(['plan', file, '--live', join(dir, 'live.save'), '--detailed-exitcode', '--state-dir', join(dir, 'state')]);
  assert.equal(offline.code, 0, offline.stdout + offline.stderr);
  assert.match(offline.stdout, /warning\[SETTINGS_NOT_OBSERVED\]/);
});

test('export includes timeouts, running daemons and the IPVS sysctls; the export plans with no changes', async () => {
  const { fake, sysctl, file, cli } = setup(SETTINGS);
  assert.equal((await cli('apply', file)).code, 0);
  const exported = await cli('export');
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /^timeouts:\n {2}tcp: 3600\n {2}tcpfin: 60\n {2}udp: 120\n/m);
  assert.match(exported.stdout, /^syncDaemon:\n {2}master:\n {4}interface: lo\n {4}syncId: 5\n {4}group: 224\.0\.0\.99\n {4}port: 9000\n {4}ttl: 2\n {2}backup:\n {4}interface: eth0\n {4}syncId: 5\n/m);
  assert.match(exported.stdout, /^sysctls:\n {2}net\.ipv4\.vs\.expire_nodest_conn: 1\n {2}net\.ipv4\.vs\.expire_quiescent_template: 1\n {2}net\.ipv4\.vs\.conntrack: 0\n {2}net\.ipv4\.ip_forward: 1\n/m);
  const dir = tempTree({ 'exported.yaml': exported.stdout });
  const r = await runCli(['plan', join(dir, 'exported.yaml'), '--state-dir', join(dir, 'state'), '--detailed-exitcode'], { ipvsadm: fake, sysctl });
  assert.equal(r.code, 0, r.stdout + r.stderr);
});
