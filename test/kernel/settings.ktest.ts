import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { tempTree } from '../helpers/cli.js';
import { REPO, SKIP, ipvsadm, loadKernel, lvsync, planCommands, resetKernel, tempStateDir } from './helpers.js';

/**
 * Kernel-wide settings on the real 6.1 kernel: each one is applied by lvsync, read back with
 * ipvsadm or /proc/sys, and a second plan is empty. The VM's kernel settings are put back to their
 * defaults before and after, so the other kernel tests never see them.
 */

const SYSCTLS = ['net.ipv4.vs.expire_nodest_conn', 'net.ipv4.vs.expire_quiescent_template'];
const proc = (name: string): string => readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim();

function restoreDefaults(): void {
  for (const role of ['master', 'backup']) ipvsadm(['--stop-daemon', role]); // "No daemon is running" is fine
  const set = ipvsadm(['--set', '900', '120', '300']);
  if (set.code !== 0) throw new Error(`ipvsadm --set failed: ${set.stderr}`);
  for (const name of SYSCTLS) writeFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, '0\n');
  resetKernel();
}

describe('kernel-wide settings round-trip on the real kernel', { skip: SKIP }, () => {
  const state = tempStateDir();
  const dir = tempTree({});
  const config = join(dir, 'settings.yaml');

  /** write the config, apply it, and insist that a second plan is empty; returns the apply output */
  async function roundTrip(t: TestContext, yaml: string): Promise<string> {
    writeFileSync(config, yaml);
    const apply = await lvsync(['apply', config, '--yes', '--state-dir', state]);
    t.diagnostic(`apply:\n${apply.stdout}`);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.match(apply.stdout, /Apply complete/);
    const again = await lvsync(['plan', config, '--state-dir', state, '--detailed-exitcode']);
    assert.equal(again.code, 0, `second plan not empty:\n${again.stdout}${again.stderr}`);
    assert.match(again.stdout, /^No changes\./m);
    return apply.stdout;
  }

  before(restoreDefaults);
  after(restoreDefaults);

  test('timeouts: --set with 0 for what is left as is, read back from -L --timeout', async (t) => {
    const first = await roundTrip(t, 'version: 1\ntimeouts: { tcp: 3600, tcpfin: 60, udp: 120 }\n');
    assert.deepEqual(planCommands(first), ['--set 3600 60 120']);
    assert.equal(ipvsadm(['-L', '--timeout']).stdout, 'Timeout (tcp tcpfin udp): 3600 60 120\n');
    // only udp declared: tcp and tcpfin are sent as 0 and stay as they are
    const second = await roundTrip(t, 'version: 1\ntimeouts: { udp: 300 }\n');
    assert.deepEqual(planCommands(second), ['--set 0 0 300']);
    assert.equal(ipvsadm(['-L', '--timeout']).stdout, 'Timeout (tcp tcpfin udp): 3600 60 300\n');
  });

  test('sync daemons: a master on lo with syncid, group, port, ttl and maxlen, and a backup; changed = restarted; false = stopped', async (t) => {
    const daemons = (master: string) => `version: 1
syncDaemon:
  master: { interface: lo, ${master}, maxLength: 1400, group: 224.0.0.99, port: 9000, ttl: 2 }
  backup: { interface: lo, syncId: 7, group: 224.0.0.98, port: 9001 }
`;
    const start = await roundTrip(t, daemons('syncId: 5'));
    assert.deepEqual(planCommands(start), [
      '--start-daemon master --mcast-interface lo --syncid 5 --sync-maxlen 1400 --mcast-group 224.0.0.99 --mcast-port 9000 --mcast-ttl 2',
      '--start-daemon backup --mcast-interface lo --syncid 7 --mcast-group 224.0.0.98 --mcast-port 9001 --mcast-ttl 1',
    ]);
    const listed = ipvsadm(['-L', '--daemon']).stdout;
    t.diagnostic(`ipvsadm -L --daemon:\n${listed}`);
    assert.match(listed, /^master sync daemon \(mcast=lo, syncid=5, maxlen=1400, group=224\.0\.0\.99, port=9000, ttl=2\)$/m);
    // maxLength not declared for the backup: the kernel chose it, and the second plan did not mind
    assert.match(listed, /^backup sync daemon \(mcast=lo, syncid=7, maxlen=\d+, group=224\.0\.0\.98, port=9001, ttl=1\)$/m);

    const restart = await roundTrip(t, daemons('syncId: 6'));
    assert.deepEqual(planCommands(restart), [
      '--stop-daemon master',
      '--start-daemon master --mcast-interface lo --syncid 6 --sync-maxlen 1400 --mcast-group 224.0.0.99 --mcast-port 9000 --mcast-ttl 2',
    ]);
    assert.match(ipvsadm(['-L', '--daemon']).stdout, /^master sync daemon \(mcast=lo, syncid=6, /m);

    // master: false stops it; the backup is no longer declared, so it keeps running
    const stop = await roundTrip(t, 'version: 1\nsyncDaemon:\n  master: false\n');
    assert.deepEqual(planCommands(stop), ['--stop-daemon master']);
    assert.match(ipvsadm(['-L', '--daemon']).stdout, /^backup sync daemon \(mcast=lo, syncid=7, maxlen=\d+, group=224\.0\.0\.98, port=9001, ttl=1\)\n$/);
  });

  test('sysctls: expire_nodest_conn and expire_quiescent_template written through /proc/sys and read back', async (t) => {
    const on = await roundTrip(t, `version: 1\nsysctls:\n  net.ipv4.vs.expire_nodest_conn: 1\n  net.ipv4.vs.expire_quiescent_template: 1\n`);
    assert.match(on, /sysctl -w net\.ipv4\.vs\.expire_nodest_conn=1\n {2}sysctl -w net\.ipv4\.vs\.expire_quiescent_template=1\n/);
    assert.deepEqual(SYSCTLS.map(proc), ['1', '1']);
    await roundTrip(t, `version: 1\nsysctls:\n  net.ipv4.vs.expire_nodest_conn: 0\n`);
    assert.deepEqual(SYSCTLS.map(proc), ['0', '1']);
  });

  test('all of it with a service in one apply, then export adopts it with no changes', async (t) => {
    restoreDefaults();
    const yaml = `version: 1
timeouts: { tcp: 1800 }
syncDaemon:
  master: { interface: lo, syncId: 9 }
sysctls: { net.ipv4.vs.expire_nodest_conn: 1 }
services:
  - { address: 10.70.0.1, port: 80, scheduler: rr, realServers: [{ address: 10.70.1.1 }] }
`;
    const out = await roundTrip(t, yaml);
    assert.match(out, /Apply complete: 2 operation\(s\) and 3 kernel setting change\(s\) applied \(one ipvsadm -R batch\)/);
    const exported = await lvsync(['export', '--state-dir', state]);
    assert.equal(exported.code, 0, exported.stderr);
    t.diagnostic(`export:\n${exported.stdout}`);
    assert.match(exported.stdout, /^timeouts:\n {2}tcp: 1800\n {2}tcpfin: 120\n {2}udp: 300\n/m);
    assert.match(exported.stdout, /^syncDaemon:\n {2}master:\n {4}interface: lo\n {4}syncId: 9\n/m);
    assert.match(exported.stdout, /^ {2}net\.ipv4\.vs\.expire_nodest_conn: 1$/m);
    const adopted = join(dir, 'exported.yaml');
    writeFileSync(adopted, exported.stdout);
    const plan = await lvsync(['plan', adopted, '--state-dir', tempStateDir(), '--detailed-exitcode']);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });

  test('a fleet: apply --director lb2 of examples/fleet converges lb2\'s table and backup daemon; the second plan is empty', async (t) => {
    restoreDefaults();
    loadKernel(readFileSync(`${REPO}examples/fleet/live/lb2.save`, 'utf8'));
    // the VM has lo but no eth1
    const copy = (name: string) => readFileSync(`${REPO}examples/fleet/${name}`, 'utf8').replaceAll('eth1', 'lo');
    const fleet = tempTree({ 'services.yaml': copy('services.yaml'), 'directors.yaml': copy('directors.yaml') });
    const fleetState = tempStateDir();
    const apply = await lvsync(['apply', fleet, '--director', 'lb2', '--yes', '--state-dir', fleetState]);
    t.diagnostic(`apply --director lb2:\n${apply.stdout}`);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.deepEqual(planCommands(apply.stdout), [
      '--start-daemon backup --mcast-interface lo --syncid 30 --mcast-group 224.0.0.81 --mcast-port 8848 --mcast-ttl 1',
      '-E -t 192.168.30.10:80 -s wrr',
      '-e -t 192.168.30.10:80 -r 10.30.0.13:8080 -m -w 0',
      '-a -u 192.168.30.53:53 -r 10.30.0.22:53 -m -w 1',
    ]);
    assert.match(ipvsadm(['-L', '--daemon']).stdout, /^backup sync daemon \(mcast=lo, syncid=30, maxlen=\d+, group=224\.0\.0\.81, port=8848, ttl=1\)\n$/);
    assert.match(ipvsadm(['-S', '-n']).stdout, /^-a -t 192\.168\.30\.10:80 -r 10\.30\.0\.13:8080 -m -w 0$/m);
    const again = await lvsync(['plan', fleet, '--director', 'lb2', '--state-dir', fleetState, '--detailed-exitcode']);
    assert.equal(again.code, 0, `second plan not empty:\n${again.stdout}${again.stderr}`);
    assert.match(again.stdout, /^No changes\./m);
    // the same kernel seen as lb1: the master role and lb1's weight
    const lb1 = await lvsync(['plan', fleet, '--director', 'lb1', '--state-dir', fleetState, '--detailed-exitcode']);
    assert.equal(lb1.code, 2, lb1.stdout + lb1.stderr);
    assert.deepEqual(planCommands(lb1.stdout), [
      '--start-daemon master --mcast-interface lo --syncid 30 --mcast-group 224.0.0.81 --mcast-port 8848 --mcast-ttl 1',
      '--stop-daemon backup',
      '-e -t 192.168.30.10:80 -r 10.30.0.13:8080 -m -w 1',
    ]);
  });
});
