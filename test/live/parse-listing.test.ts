import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseListing } from '../../src/live/parse-listing.js';
import { mergeThresholds } from '../../src/live/read.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';

const THRESHOLDS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn
  -> RemoteAddress:Port
TCP  10.0.0.1:80 wlc
  -> 192.168.1.10:8080            100        10         0          0         
  -> 192.168.1.11:80              0          0          2          7         
TCP  [2001:db8::1]:80 mh (mh-fallback,mh-port) persistent 120 mask 64
  -> [2001:db8::11]:8080          5          0          0          0         
FWM  2 IPv6 sh (sh-fallback,sh-port)
`;

test('reads thresholds per server from -L -n --thresholds (facts §8)', () => {
  const listing = parseListing(THRESHOLDS);
  assert.deepEqual(listing.services.get('tcp|10.0.0.1|80')?.servers.get('192.168.1.10|8080')?.values, { Uthreshold: 100, Lthreshold: 10, ActiveConn: 0, InActConn: 0 });
  assert.equal(listing.services.get('tcp|2001:db8::1|80')?.servers.get('2001:db8::11|8080')?.values['Uthreshold'], 5);
  assert.ok(listing.services.has('fwmark|ipv6|2'));
});

test('thresholds merge into the table read from -S', () => {
  const { table } = parseIpvsadmSave('-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 192.168.1.10:8080 -m -w 3\n-a -t 10.0.0.1:80 -r 192.168.1.12:80 -g -w 1\n');
  const merged = mergeThresholds(table, parseListing(THRESHOLDS));
  const svc = merged.services.get('tcp|10.0.0.1|80');
  assert.equal(svc?.servers.get('192.168.1.10|8080')?.upperThreshold, 100);
  assert.equal(svc?.servers.get('192.168.1.10|8080')?.lowerThreshold, 10);
  // not in the listing (changed between the two reads): stays unobserved
  assert.equal(svc?.servers.get('192.168.1.12|80')?.upperThreshold, null);
});

test('reads the default listing and counters with the forward column', () => {
  const text = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.0.0.1:80 wlc
  -> 192.168.1.10:8080            Masq    3      4          1         
  -> 192.168.1.11:80              Route   2147483647 0          0         
`;
  const rows = parseListing(text).services.get('tcp|10.0.0.1|80')?.servers;
  assert.deepEqual(rows?.get('192.168.1.10|8080'), { forward: 'Masq', values: { Weight: 3, ActiveConn: 4, InActConn: 1 } });
  assert.equal(rows?.get('192.168.1.11|80')?.values['Weight'], 2147483647);
});

test('reads --stats --exact counters for services and servers', () => {
  const text = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  10.10.10.10:80                      4       14       14      910     1478
  -> 172.16.0.2:8080                     2        7        7      455      739
`;
  const svc = parseListing(text).services.get('tcp|10.10.10.10|80');
  assert.deepEqual(svc?.values, { Conns: 4, InPkts: 14, OutPkts: 14, InBytes: 910, OutBytes: 1478 });
  assert.equal(svc?.servers.get('172.16.0.2|8080')?.values['OutBytes'], 739);
});
