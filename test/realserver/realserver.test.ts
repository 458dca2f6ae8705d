import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { realServerNeeds, requirementCommand, type RealServerNeeds } from '../../src/realserver/requirements.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { createFakeHost } from '../helpers/fake-host.js';

/**
 * `lvsync realserver`: what a dr/tun real server needs (pure), and --check/--apply against a fake host
 * that keeps links, addresses and sysctls the way `ip` and `sysctl` report them.
 */

const CONFIG = `version: 1
services:
  - name: web
    address: 192.168.10.100
    port: 80
    realServers:
      - { address: 10.0.0.11, method: dr }
      - { address: 10.0.0.12, method: nat, port: 8080 }
  - name: web-tls
    address: 192.168.10.100
    port: 443
    realServers: [{ address: 10.0.0.11 }]
  - name: api
    address: 192.168.10.101
    port: 443
    realServers:
      - { address: 10.0.0.11, method: tun }
      - { address: 10.0.0.13, method: tun, tunnel: { type: gue, port: 6080 } }
      - { address: 10.0.0.14, method: tun, tunnel: { type: gre } }
  - name: v6
    address: "2001:db8::80"
    port: 80
    realServers:
      - { address: "2001:db8:1::11", method: dr }
      - { address: 10.0.0.15, method: tun }
  - fwmark: 7
    realServers: [{ address: 10.0.0.16 }]
`;

function needs(address: string): RealServerNeeds {
  const state = parseDesiredSources([{ file: 'lb.yaml', text: CONFIG }]).state;
  assert.ok(state);
  const n = realServerNeeds(state.table.services.values(), address);
  if ('error' in n) throw new Error(n.error);
  return n;
}

const commands = (n: RealServerNeeds): string[] => n.requirements.map(requirementCommand).filter((c): c is string[] => c !== null).map((c) => c.join(' '));

test('dr and tun on one real server: the VIP on lo and on tunl0, ARP suppression on all and each device, rp_filter off on the tunnel', () => {
  const n = needs('10.0.0.11');
  assert.deepEqual(n.uses.map((u) => [u.service.name, u.vip, u.device]), [
    ['web', '192.168.10.100', 'lo'], ['web-tls', '192.168.10.100', 'lo'], ['api', '192.168.10.101', 'tunl0'],
  ]);
  assert.deepEqual(commands(n), [
    'ip link set dev lo up',
    'ip addr add 192.168.10.100/32 dev lo',
    'sysctl -w net.ipv4.conf.all.arp_ignore=1',
    'sysctl -w net.ipv4.conf.all.arp_announce=2',
    'sysctl -w net.ipv4.conf.lo.arp_ignore=1',
    'sysctl -w net.ipv4.conf.lo.arp_announce=2',
    'ip link add name tunl0 type ipip',
    'ip link set dev tunl0 up',
    'ip addr add 192.168.10.101/32 dev tunl0',
    'sysctl -w net.ipv4.conf.tunl0.arp_ignore=1',
    'sysctl -w net.ipv4.conf.tunl0.arp_announce=2',
    'sysctl -w net.ipv4.conf.tunl0.rp_filter=0',
    'sysctl -w net.ipv4.conf.all.rp_filter=2',
  ]);
  // the guard that this host is the real server comes first and has no command
  assert.deepEqual(n.requirements[0], { kind: 'local-address', address: '10.0.0.11' });
});

test('gue needs a receive port, gre the gre0 device, an IPv6 VIP no ARP sysctls, an IPv6 VIP over IPv4 the sit0 device', () => {
  assert.deepEqual(commands(needs('10.0.0.13')).slice(0, 3), ['ip fou add port 6080 gue', 'ip link add name tunl0 type ipip', 'ip link set dev tunl0 up']);
  assert.deepEqual(commands(needs('10.0.0.14')).slice(0, 3), ['ip link add name gre0 type gre', 'ip link set dev gre0 up', 'ip addr add 192.168.10.101/32 dev gre0']);
  assert.deepEqual(commands(needs('2001:db8:1::11')), ['ip link set dev lo up', 'ip addr add 2001:db8::80/128 dev lo']);
  assert.deepEqual(commands(needs('10.0.0.15')), ['ip link add name sit0 type sit', 'ip link set dev sit0 up', 'ip addr add 2001:db8::80/128 dev sit0']);
});

test('a fwmark service: the device and ARP settings, and a note that its VIPs are not known to lvsync', () => {
  const n = needs('10.0.0.16');
  assert.equal(n.uses[0]?.vip, null);
  assert.match(n.notes[0] ?? '', /^fwmark 7: lvsync does not know which VIPs the firewall mark covers; add each of them to lo yourself/);
  assert.ok(!commands(n).some((c) => c.startsWith('ip addr add')));
});

test('print mode: a script with a header naming the services, exit 0, nothing run', async () => {
  const dir = tempTree({ 'lb.yaml': CONFIG });
  const r = await runCli(['realserver', join(dir, 'lb.yaml'), '--address', '10.0.0.11']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.split('\n').slice(0, 6).join('\n'), `# lvsync realserver 10.0.0.11: 3 service(s) send to it with dr or tun
#   web (tcp 192.168.10.100:80): dr, VIP on lo
#   web-tls (tcp 192.168.10.100:443): dr, VIP on lo
#   api (tcp 192.168.10.101:443): tun ipip, VIP on tunl0
# Run as root on the real server. \`lvsync realserver --apply\` does the same and skips what is already there.
ip link set dev lo up`);
});

test('usage and lookup errors: exit 64 for bad usage, 1 for an address that is no real server, 0 for a nat-only one', async () => {
  const dir = tempTree({ 'lb.yaml': CONFIG });
  const file = join(dir, 'lb.yaml');
  assert.equal((await runCli(['realserver', file])).code, 64);
  assert.equal((await runCli(['realserver', file, '--address', '10.0.0.11', '--apply', '--check'])).code, 64);
  assert.equal((await runCli(['realserver', file, '--address', 'web1'])).code, 64);
  const none = await runCli(['realserver', file, '--address', '10.9.9.9']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /10\.9\.9\.9 is not a real server of any declared service/);
  const nat = await runCli(['realserver', file, '--address', '10.0.0.12', '--check']);
  assert.equal(nat.code, 0);
  assert.match(nat.stdout, /all with method nat: nothing is needed/);
  assert.equal((await runCli(['realserver', join(dir, 'missing.yaml'), '--address', '10.0.0.11'])).code, 3);
});

test('--check reports what is missing (exit 1); --apply runs only that; then --check finds nothing (exit 0) and --apply changes nothing', async () => {
  const dir = tempTree({ 'lb.yaml': CONFIG });
  const file = join(dir, 'lb.yaml');
  // a fresh network namespace: lo down, the RIP on eth0, arp_ignore already 1 on all
  const host = createFakeHost({ addresses: { eth0: ['10.0.0.11/24'] }, down: ['lo'], sysctls: { 'net.ipv4.conf.all.arp_ignore': '1', 'net.ipv4.conf.all.rp_filter': '1' } });
  const check = await runCli(['realserver', file, '--address', '10.0.0.11', '--check'], { runCommand: host });
  assert.equal(check.code, 1);
  assert.match(check.stdout, /^ok {7}10\.0\.0\.11 is an address of this host/m);
  assert.match(check.stdout, /^missing {2}lo is up +\(down; fix: ip link set dev lo up\)$/m);
  assert.match(check.stdout, /^ok {7}net\.ipv4\.conf\.all\.arp_ignore = 1/m);
  assert.match(check.stdout, /^missing {2}net\.ipv4\.conf\.all\.rp_filter = 2 or 0 +\(is 1; fix: sysctl -w net\.ipv4\.conf\.all\.rp_filter=2\)$/m);
  assert.match(check.stdout, /^missing {2}tunnel device tunl0 \(ipip\) exists +\(does not exist; fix: ip link add name tunl0 type ipip\)$/m);
  assert.match(check.stdout, /^12 of 14 item\(s\) missing on this host for real server 10\.0\.0\.11\.$/m);
  assert.ok(host.calls.every((c) => c.startsWith('ip -o ') || c.startsWith('sysctl -n ')), 'check changes nothing');

  host.calls.length = 0;
  const apply = await runCli(['realserver', file, '--address', '10.0.0.11', '--apply'], { runCommand: host });
  assert.equal(apply.code, 0, apply.stderr);
  const changing = host.calls.filter((c) => !c.startsWith('ip -o ') && !c.startsWith('sysctl -n '));
  // 12 were missing, but a new tunl0 comes with rp_filter 0, so that one is found in place by then
  assert.equal(changing.length, 11);
  assert.ok(!changing.includes('sysctl -w net.ipv4.conf.all.arp_ignore=1'), 'already there: skipped');
  assert.ok(!changing.includes('sysctl -w net.ipv4.conf.tunl0.rp_filter=0'), 'in place once tunl0 exists: skipped');
  assert.match(apply.stdout, /^Real server 10\.0\.0\.11 is set up: 11 change\(s\) made, 3 already in place\.$/m);
  assert.deepEqual(host.addresses.get('lo'), ['127.0.0.1/8', '192.168.10.100/32']);
  assert.deepEqual(host.addresses.get('tunl0'), ['192.168.10.101/32']);
  assert.equal(host.sysctls.get('net.ipv4.conf.tunl0.rp_filter'), '0');
  assert.equal(host.sysctls.get('net.ipv4.conf.all.rp_filter'), '2');

  const after = await runCli(['realserver', file, '--address', '10.0.0.11', '--check'], { runCommand: host });
  assert.equal(after.code, 0, after.stdout);
  assert.match(after.stdout, /^Nothing missing: this host is set up as real server 10\.0\.0\.11\.$/m);
  host.calls.length = 0;
  const again = await runCli(['realserver', file, '--address', '10.0.0.11', '--apply'], { runCommand: host });
  assert.equal(again.code, 0);
  assert.deepEqual(host.calls.filter((c) => !c.startsWith('ip -o ') && !c.startsWith('sysctl -n ')), []);
});

test('--apply refuses a host that does not hold the RIP, and reports a command that fails (exit 1)', async () => {
  const dir = tempTree({ 'lb.yaml': CONFIG });
  const file = join(dir, 'lb.yaml');
  const director = createFakeHost({ addresses: { eth0: ['10.0.0.1/24'] } });
  const wrong = await runCli(['realserver', file, '--address', '10.0.0.11', '--apply'], { runCommand: director });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /Nothing was changed: 10\.0\.0\.11 is not an address of this host/);
  assert.deepEqual(director.calls, ['ip -o addr show']);

  const host = createFakeHost({ addresses: { eth0: ['10.0.0.11/24'] } });
  host.failing.set('sysctl -w net.ipv4.conf.all.arp_announce=2', 'sysctl: permission denied on key "net.ipv4.conf.all.arp_announce"\n');
  const r = await runCli(['realserver', file, '--address', '10.0.0.11', '--apply'], { runCommand: host });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^FAILED {3}sysctl -w net\.ipv4\.conf\.all\.arp_announce=2: exit 2: sysctl: permission denied/m);
  assert.match(r.stderr, /NOT set up: 1 item\(s\) failed/);
});
