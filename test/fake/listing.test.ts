// Listing details the kernel VM cannot produce on demand: scaled big counters, long host names
// cut at ipvsadm's column widths, and `-L -c` entries.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { FakeKernel } from '../fake-ipvsadm/kernel.js';
import { FMT_EXACT, printLargenum } from '../fake-ipvsadm/listing.js';
import { preloadSave, setServerCounters, setServiceStats } from '../fake-ipvsadm/state-file.js';

describe('fake ipvsadm listings', () => {
  test('counters >= 10^8 are scaled like print_largenum, --exact widens the column', () => {
    const cases: Array<[number, string]> = [
      [99_999_999, ' 99999999'],
      [100_000_000, '  100000K'],
      [999_999_999, '  999999K'],
      [1_000_000_000, '    1000M'],
      [99_999_999_999, '   99999M'],
      [100_000_000_000, '     100G'],
      [100_000_000_000_000, '     100T'],
    ];
    for (const [value, text] of cases) assert.equal(printLargenum(value, 0), text, String(value));
    assert.equal(printLargenum(12345678, FMT_EXACT), ' 12345678');
    assert.equal(printLargenum(123456789012, FMT_EXACT), ' 123456789012');
  });

  test('--rate prints the server CPS/InPPS/OutPPS columns unscaled', () => {
    const k = new FakeKernel();
    preloadSave(k, '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 192.168.1.1:80 -g -w 1\n');
    setServerCounters(k, '-t 10.0.0.1:80', '192.168.1.1:80', { stats: { cps: 123456789, inbps: 123456789 } });
    setServiceStats(k, '-t 10.0.0.1:80', { cps: 123456789 });
    assert.equal(
      runIpvsadm(k, ['-L', '-n', '--rate']).stdout.split('\n').slice(3, 5).join('\n'),
      'TCP  10.0.0.1:80                   123456K        0        0        0        0\n' +
        '  -> 192.168.1.1:80               123456789        0        0  123456K        0',
    );
  });

  test('names from the hosts table are cut at 33 (service) and 28 (server) characters', () => {
    const k = new FakeKernel();
    k.state.hosts.push({ addr: '10.0.0.1', names: ['a-very-long-virtual-service-name.example'] });
    k.state.hosts.push({ addr: '192.168.1.1', names: ['a-very-long-real-server-name.example'] });
    preloadSave(k, '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 192.168.1.1:8080 -m -w 1\n');
    const lines = runIpvsadm(k, ['-L']).stdout.split('\n');
    assert.equal(lines[3], 'TCP  a-very-long-virtual-service- rr');
    assert.equal(lines[4], '  -> a-very-long-real-server-name Masq    1      0          0         ');
    assert.equal(
      runIpvsadm(k, ['-S']).stdout,
      '-A -t a-very-long-virtual-service-name.example:http -s rr\n' +
        '-a -t a-very-long-virtual-service-name.example:http -r a-very-long-real-server-name.example:http-alt -m -w 1\n',
    );
  });

  test('-c lists the connection entries a test put into the state', () => {
    const k = new FakeKernel();
    k.state.connections.push(
      { protocol: 'TCP', client: '172.16.0.1', cport: 57988, vaddr: '10.10.10.10', vport: 80, daddr: '172.16.0.3', dport: 8080, state: 'ESTABLISHED', expires: 899 },
      { protocol: 'UDP', client: 'fd00::1', cport: 38036, vaddr: 'fd00:aaaa::10', vport: 53, daddr: 'fd00::2', dport: 5353, state: 'UDP', expires: 6061 },
    );
    assert.equal(
      runIpvsadm(k, ['-L', '-n', '-c']).stdout,
      'IPVS connection entries\n' +
        'pro expire state       source             virtual            destination\n' +
        'TCP 14:59  ESTABLISHED 172.16.0.1:57988   10.10.10.10:80     172.16.0.3:8080\n' +
        'UDP 101:01 UDP         [fd00::1]:38036    [fd00:aaaa::10]:53 [fd00::2]:5353\n',
    );
  });
});
