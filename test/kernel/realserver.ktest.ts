import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempTree } from '../helpers/cli.js';
import { REPO, SKIP, ipvsadm, lvsync, must, resetKernel, sh, tempStateDir, waitForPort } from './helpers.js';

/**
 * A direct-routing real server set up by `lvsync realserver --apply`, serving real traffic through the
 * director, all inside the VM. DR needs one layer-2 segment, as on a real network: a bridge in the
 * VM's root namespace (the director, which also holds the VIP on the bridge) with the client
 * namespace and the real-server namespace plugged into it. The director forwards the client's SYN to
 * the real server's MAC unchanged (-g); the real server accepts it because lvsync put the VIP on its
 * lo, stays silent to ARP for the VIP (arp_ignore) and never announces it (arp_announce), and answers
 * the client directly. lvsync runs inside the real server's namespace as the real binary, exactly as
 * an operator would run it there.
 */
const VIP = '10.60.0.10';
const RIP = '10.60.0.11';
const CLIENT = '10.60.0.100';
const fixtures = join(REPO, 'test/kernel/fixtures');
const MAIN = join(REPO, 'dist/src/cli/main.js');
const children: ChildProcess[] = [];

/** The real lvsync binary inside the real server's network namespace. */
function inRealServer(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', 'drs1', process.execPath, MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}


describe('a DR real server set up by lvsync realserver serves traffic through the director', { skip: SKIP }, () => {
  const state = tempStateDir();
  const dir = tempTree({
    'lb.yaml': `version: 1
services:
  - name: web-dr
    protocol: tcp
    address: ${VIP}
    port: 80
    scheduler: rr
    realServers:
      - { address: ${RIP}, method: dr }
`,
  });
  const config = join(dir, 'lb.yaml');

  before(async () => {
    resetKernel();
    must('ip link add br-dr type bridge && ip addr add 10.60.0.1/24 dev br-dr && ip link set br-dr up');
    must(`ip addr add ${VIP}/32 dev br-dr`);
    for (const [ns, addr] of [['drc', CLIENT], ['drs1', RIP]] as const) {
      must(`ip netns add ${ns}`);
      must(`ip link add vb-${ns} type veth peer name eth0 netns ${ns}`);
      must(`ip link set vb-${ns} master br-dr && ip link set vb-${ns} up`);
      must(`ip netns exec ${ns} sh -c 'ip addr add ${addr}/24 dev eth0 && ip link set eth0 up'`);
    }
    // the client is a fresh namespace that only needs its own lo; the real server's lo is left down:
    // bringing it up is part of what lvsync realserver must do
    must('ip netns exec drc ip link set lo up');
    children.push(spawn('ip', ['netns', 'exec', 'drs1', process.execPath, `${fixtures}/http-identity.mjs`, 'drs1', '80'], { stdio: 'ignore' }));
    await waitForPort(RIP, 80);
  });

  after(() => {
    for (const c of children) c.kill();
    sh('ip netns del drc; ip netns del drs1; ip link del br-dr');
    resetKernel();
  });

  test('--check on the fresh real server reports what is missing and exits 1', () => {
    const r = inRealServer(['realserver', config, '--address', RIP, '--check']);
    console.log(`realserver --check (before):\n${r.stdout}`);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok {7}10\.60\.0\.11 is an address of this host/m);
    assert.match(r.stdout, /^missing {2}lo is up +\(down; fix: ip link set dev lo up\)$/m);
    assert.match(r.stdout, /^missing {2}10\.60\.0\.10\/32 is on lo +\(not on lo; fix: ip addr add 10\.60\.0\.10\/32 dev lo\)$/m);
    assert.match(r.stdout, /^missing {2}net\.ipv4\.conf\.all\.arp_ignore = 1 +\(is 0; /m);
    assert.match(r.stdout, /^missing {2}net\.ipv4\.conf\.all\.arp_announce = 2 +\(is 0; /m);
    assert.match(r.stdout, /item\(s\) missing on this host for real server 10\.60\.0\.11\.$/m);
  });

  test('the director applies the DR service; --apply inside the real server namespace sets it up; --check then finds nothing missing', async () => {
    const apply = await lvsync(['apply', config, '--yes', '--state-dir', state]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.match(apply.stdout, /ipvsadm -a -t 10\.60\.0\.10:80 -r 10\.60\.0\.11:80 -g -w 1/);

    const rs = inRealServer(['realserver', config, '--address', RIP, '--apply']);
    console.log(`realserver --apply:\n${rs.stdout}${rs.stderr}`);
    assert.equal(rs.code, 0, rs.stdout + rs.stderr);
    assert.match(rs.stdout, /^ran {6}ip addr add 10\.60\.0\.10\/32 dev lo$/m);
    assert.match(must('ip netns exec drs1 ip -o addr show dev lo'), /inet 10\.60\.0\.10\/32/);
    assert.equal(must('ip netns exec drs1 sysctl -n net.ipv4.conf.all.arp_ignore').trim(), '1');
    assert.equal(must('ip netns exec drs1 sysctl -n net.ipv4.conf.all.arp_announce').trim(), '2');

    const check = inRealServer(['realserver', config, '--address', RIP, '--check']);
    console.log(`realserver --check (after):\n${check.stdout}`);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /^Nothing missing: this host is set up as real server 10\.60\.0\.11\.$/m);
    // idempotent: a second --apply changes nothing
    const again = inRealServer(['realserver', config, '--address', RIP, '--apply']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.doesNotMatch(again.stdout, /^ran /m);
  });

  test('the client reaches the real server through the director: IPVS scheduled it, the VIP resolves to the director', () => {
    const out = must(`ip netns exec drc node ${fixtures}/http-client.mjs count http://${VIP}/ 10`);
    console.log(`client → ${VIP}: ${out.trim()}`);
    assert.deepEqual(JSON.parse(out), { drs1: 10 });
    // the connections went through IPVS with direct routing ...
    const conns = ipvsadm(['-L', '-n', '-c']).stdout;
    const through = conns.split('\n').filter((l) => l.includes(`${CLIENT}:`) && l.includes(`${VIP}:80`) && l.includes(`${RIP}:80`));
    console.log(`ipvsadm -Lnc entries for the client: ${through.length}`);
    assert.ok(through.length >= 1, conns);
    assert.match(ipvsadm(['-L', '-n']).stdout, /-> 10\.60\.0\.11:80 +Route +1 /);
    // ... and the client learned the VIP from the director (the bridge), never from the real server
    const neigh = must(`ip netns exec drc ip neigh show ${VIP}`);
    const directorMac = readFileSync('/sys/class/net/br-dr/address', 'utf8').trim();
    const serverMac = must('ip netns exec drs1 cat /sys/class/net/eth0/address').trim();
    console.log(`client neighbour entry for the VIP: ${neigh.trim()} (director ${directorMac}, real server ${serverMac})`);
    assert.match(neigh, new RegExp(`lladdr ${directorMac}`));
    assert.doesNotMatch(neigh, new RegExp(serverMac));
  });
});
