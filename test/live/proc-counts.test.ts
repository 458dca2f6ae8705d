import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { formatSave } from '../../src/live/format-save.js';
import { parseConnectionCounts } from '../../src/live/parse-listing.js';
import { connectionCountsFromProc, parseProcTable } from '../../src/live/parse-proc.js';
import { readLiveTable } from '../../src/live/read.js';
import type { Table } from '../../src/model/types.js';
import { renderProcIpVs } from '../fake-ipvsadm/proc.js';
import { servicesArb } from '../helpers/arbitraries.js';
import { fakeWithTable } from '../helpers/in-memory-ipvsadm.js';

/**
 * The drains' counts from /proc/net/ip_vs against those of `ipvsadm -L -n`. The text below is what
 * kernel 6.1 printed in the VM (test/kernel/proc-counts.ktest.ts checks the same on every run);
 * the property runs the fake's rendering of random tables through both readers.
 */

const SCOPE = { addresses: ['10.0.0.0/24', '2001:db8::/64'], fwmarks: ['1-3'] };

async function tableOf(save: string): Promise<Table> {
  return (await readLiveTable(fakeWithTable(save), { thresholds: false })).table;
}

// what kernel 6.1 printed in the VM (test/kernel/traffic.ktest.ts, one request open to 10.30.3.2), trailing blanks included
const RECORDED_TEXT = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  0A32000A:0050 wrr  
  -> 0A1E0302:1F90      Masq    1      1          21        
  -> 0A1E0202:1F90      Masq    1      0          20        
  -> 0A1E0102:1F90      Masq    1      0          60        
`;

// the other shapes, in ip_vs_info_seq_show's formats: persistence (timeout in jiffies), %pI6, fwmark lines without a family
const KERNEL_TEXT = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  0A00000A:0050 wlc  persistent 90000 FFFFFFFF
  -> AC100003:1F90      Masq    1      0          2         
  -> AC100002:1F90      Masq    2      3          0         
UDP  [2001:0db8:0000:0000:0000:0000:0000:0010]:0035 rr 
  -> [2001:0db8:0000:0000:0000:0000:0000:0002]:0035      Masq    1      0          4         
FWM  00000007 sh ops 
  -> AC100002:0000      Route   1      5          1         
FWM  00000007 rr 
  -> [2001:0db8:0000:0000:0000:0000:0000:0002]:0000      Route   1      1          0         
`;

test('the fake renders the kernel\'s recorded text byte for byte, and both readers agree on it', async () => {
  const fake = fakeWithTable('-A -t 10.50.0.10:80 -s wrr\n-a -t 10.50.0.10:80 -r 10.30.1.2:8080 -m -w 1\n-a -t 10.50.0.10:80 -r 10.30.2.2:8080 -m -w 1\n-a -t 10.50.0.10:80 -r 10.30.3.2:8080 -m -w 1\n');
  const inact: Record<string, number> = { '10.30.1.2': 60, '10.30.2.2': 20, '10.30.3.2': 21 };
  for (const d of fake.kernel.state.services[0]!.dests) { d.inactConns = inact[d.addr]!; d.activeConns = d.addr === '10.30.3.2' ? 1 : 0; }
  assert.equal(renderProcIpVs(fake.kernel), RECORDED_TEXT);
  const live = (await readLiveTable(fake, { thresholds: false })).table;
  const counts = connectionCountsFromProc(RECORDED_TEXT, live, [...live.services.values()].map((s) => s.target));
  assert.deepEqual(counts, parseConnectionCounts((await fake.run(['-L', '-n'])).stdout));
  assert.deepEqual(counts?.get('tcp|10.50.0.10|80')?.get('10.30.3.2|8080'), { active: 1, inactive: 21 });
});

const KERNEL_SAVE = `-A -t 10.0.0.10:80 -s wlc -p 360
-a -t 10.0.0.10:80 -r 172.16.0.2:8080 -m -w 2
-a -t 10.0.0.10:80 -r 172.16.0.3:8080 -m -w 1
-A -u [2001:db8::10]:53 -s rr
-a -u [2001:db8::10]:53 -r [2001:db8::2]:53 -m -w 1
-A -f 7 -s sh -o
-a -f 7 -r 172.16.0.2:0 -g -w 1
-A -f 7 -6 -s rr
-a -f 7 -6 -r [2001:db8::2]:0 -g -w 1
`;

test('the kernel\'s text: hex IPv4, %pI6 IPv6, ports in hex, a mark of both families told apart by its servers', async () => {
  const live = await tableOf(KERNEL_SAVE);
  const wanted = [...live.services.values()].map((s) => s.target);
  const counts = connectionCountsFromProc(KERNEL_TEXT, live, wanted);
  assert.ok(counts);
  assert.deepEqual(Object.fromEntries([...counts].map(([k, v]) => [k, Object.fromEntries(v)])), {
    'tcp|10.0.0.10|80': { '172.16.0.2|8080': { active: 3, inactive: 0 }, '172.16.0.3|8080': { active: 0, inactive: 2 } },
    'udp|2001:db8::10|53': { '2001:db8::2|53': { active: 0, inactive: 4 } },
    'fwmark|ipv4|7': { '172.16.0.2|0': { active: 5, inactive: 1 } },
    'fwmark|ipv6|7': { '2001:db8::2|0': { active: 1, inactive: 0 } },
  });
});

test('not trusted: another table, a mark of both families with the same servers, a line the kernel does not print', async () => {
  const live = await tableOf(KERNEL_SAVE);
  const tcp = [...live.services.values()].filter((s) => s.target.kind === 'address' && s.target.protocol === 'tcp').map((s) => s.target);
  // a server more or less than the live table: another namespace's table, or a change since the read
  assert.equal(connectionCountsFromProc(KERNEL_TEXT.replace(/^ {2}-> AC100003.*\n/m, ''), live, tcp), null);
  assert.equal(connectionCountsFromProc(KERNEL_TEXT.replace('0A00000A:0050', '0A00000B:0050'), live, tcp), null);
  // only the asked-for services must match: the UDP one differing does not matter to the TCP one
  assert.ok(connectionCountsFromProc(KERNEL_TEXT.replace(/^ {2}-> \[2001.*:0035 .*\n/m, ''), live, tcp));
  // not the kernel's file at all, or a damaged row
  assert.equal(connectionCountsFromProc('', live, tcp), null);
  assert.equal(connectionCountsFromProc(KERNEL_TEXT.replace('Masq    2      3 ', 'Masq    2      x '), live, tcp), null);
  assert.equal(parseProcTable(KERNEL_TEXT.replace('AC100002:1F90', 'AC10002:1F90')), null);

  // fwmark 3 in both families with the same (mixed-family tunnel) server: which one has the connections cannot be told
  const both = '-A -f 3 -s rr\n-a -f 3 -r 172.16.0.2:0 -i -w 1\n-A -f 3 -6 -s rr\n-a -f 3 -6 -r 172.16.0.2:0 -i -w 1\n';
  const fake = fakeWithTable(both);
  const bothLive = (await readLiveTable(fake, { thresholds: false })).table;
  assert.equal(connectionCountsFromProc(renderProcIpVs(fake.kernel), bothLive, [...bothLive.services.values()].map((s) => s.target)), null);
});

function desiredFrom(services: unknown[]) {
  const parsed = parseDesiredSources([{ file: 'desired.yaml', text: stringify({ version: 1, scope: SCOPE, services }) }]);
  assert.ok(parsed.state);
  return parsed.state;
}

test('property: /proc/net/ip_vs and ipvsadm -L -n give the same counts for every service (500 random tables)', async () => {
  let compared = 0;
  await fc.assert(
    fc.asyncProperty(servicesArb, fc.array(fc.nat({ max: 70000 }), { minLength: 64, maxLength: 64 }), async (services, numbers) => {
      const fake = fakeWithTable(formatSave(desiredFrom(services).table));
      let n = 0;
      for (const svc of fake.kernel.state.services) {
        for (const d of svc.dests) { d.activeConns = numbers[n++ % 64]!; d.inactConns = numbers[n++ % 64]!; }
      }
      const live = (await readLiveTable(fake, { thresholds: false })).table;
      const listed = parseConnectionCounts((await fake.run(['-L', '-n'])).stdout);
      assert.ok(listed);
      const fromProc = connectionCountsFromProc(renderProcIpVs(fake.kernel), live, [...live.services.values()].map((s) => s.target));
      if (fromProc === null) {
        // only a mark of both families whose servers are the same
        const marks = [...live.services.values()].filter((s) => s.target.kind === 'fwmark');
        assert.ok(marks.some((a) => marks.some((b) => a !== b && a.target.kind === 'fwmark' && b.target.kind === 'fwmark' && a.target.mark === b.target.mark && [...a.servers.keys()].sort().join() === [...b.servers.keys()].sort().join())));
        return;
      }
      compared++;
      assert.deepEqual(fromProc, listed);
      // asked for some of them (a drain's services): the same counts for those
      const some = [...live.services.values()].filter((_, i) => i % 2 === 0);
      const fromSome = connectionCountsFromProc(renderProcIpVs(fake.kernel), live, some.map((s) => s.target));
      assert.deepEqual(fromSome, new Map(some.map((s) => [s.key, listed.get(s.key)!])));
    }),
    { numRuns: 500 },
  );
  assert.ok(compared > 400, `compared ${compared}`);
});
