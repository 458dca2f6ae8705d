import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatSave } from '../../src/live/format-save.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { FLAG_1, FLAG_2, FLAG_3 } from '../../src/model/schedulers.js';

const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/live/${name}`, import.meta.url), 'utf8');

test('parses every line observed on a real kernel (facts §2.2, §2.3)', () => {
  const { table, diagnostics } = parseIpvsadmSave(fixture('facts-observed.save'));
  assert.deepEqual(diagnostics, []);
  assert.equal(table.services.size, 18);
  const web = table.services.get('tcp|10.0.0.1|80');
  assert.ok(web);
  assert.equal(web.servers.size, 7);
  assert.deepEqual(web.servers.get('192.168.1.10|8080')?.method, 'nat');
  assert.deepEqual(web.servers.get('192.168.1.14|80')?.tunnel, { type: 'gue', port: 6080, checksum: 'csum' });
  assert.deepEqual(web.servers.get('192.168.1.13|80')?.tunnel, { type: 'ipip', port: 0, checksum: null });
  assert.equal(web.servers.get('192.168.1.19|80')?.weight, 0);
  // thresholds are never in -S: unobserved, not zero
  assert.equal(web.servers.get('192.168.1.11|80')?.upperThreshold, null);
});

test('reads persistence, masks, engines, one-packet and flags', () => {
  const { table } = parseIpvsadmSave(fixture('facts-observed.save'));
  assert.deepEqual(table.services.get('tcp|10.0.0.1|443')?.persistence, { timeout: 360, netmask: '255.255.255.255' });
  assert.deepEqual(table.services.get('udp|10.0.0.1|53')?.persistence, { timeout: 600, netmask: '255.255.255.0' });
  assert.equal(table.services.get('udp|10.0.0.4|5060')?.persistenceEngine, 'sip');
  assert.equal(table.services.get('udp|10.0.0.3|5060')?.onePacket, true);
  assert.equal(table.services.get('tcp|10.0.0.5|80')?.schedulerFlags, FLAG_1 | FLAG_3);
  const v6 = table.services.get('tcp|2001:db8::1|80');
  assert.deepEqual(v6?.persistence, { timeout: 120, netmask: '64' });
  assert.equal(v6?.schedulerFlags, FLAG_1 | FLAG_2);
  assert.equal(table.services.get('fwmark|ipv6|2')?.schedulerFlags, FLAG_1 | FLAG_2);
  assert.equal(table.services.get('fwmark|ipv6|8')?.persistence?.netmask, '64');
});

test('fwmarks printed negative by ipvsadm 1.31 are read as unsigned (facts §2.7)', () => {
  const { table } = parseIpvsadmSave(fixture('facts-observed.save'));
  assert.ok(table.services.has('fwmark|ipv4|2147483648'));
  assert.ok(table.services.has('fwmark|ipv4|4294967295'));
});

test('a dangling -b (sh/mh flag-3 bug) is read as flag-3, so a plan can repair it', () => {
  const { table } = parseIpvsadmSave(fixture('facts-observed.save'));
  assert.equal(table.services.get('tcp|10.0.0.9|80')?.schedulerFlags, FLAG_3);
});

test('fwmark and IPv6 servers keep port 0 and mixed-family tunnel servers', () => {
  const { table } = parseIpvsadmSave(fixture('facts-observed.save'));
  assert.ok(table.services.get('fwmark|ipv4|1')?.servers.has('192.168.2.1|0'));
  assert.ok(table.services.get('fwmark|ipv6|3')?.servers.has('2001:db8::10|0'));
  assert.equal(table.services.get('tcp|2001:db8::1|80')?.servers.get('192.168.3.1|80')?.family, 'ipv4');
});

test('output order does not matter: a shuffled save parses to the same table', () => {
  const text = fixture('facts-observed.save');
  const { table } = parseIpvsadmSave(text);
  // services in reverse order, each keeping its -a lines after its -A line
  const blocks = text.trim().split('\n').reduce<string[][]>((acc, l) => {
    if (l.startsWith('-A')) acc.push([l]); else acc[acc.length - 1]!.push(l);
    return acc;
  }, []);
  const shuffled = blocks.reverse().map((b) => [b[0]!, ...b.slice(1).reverse()].join('\n')).join('\n');
  assert.equal(formatSave(parseIpvsadmSave(shuffled).table), formatSave(table));
});

test('canonical save text round-trips: parse(format(t)) formats identically', () => {
  const { table } = parseIpvsadmSave(fixture('facts-observed.save'));
  const text = formatSave(table);
  const again = parseIpvsadmSave(text);
  assert.deepEqual(again.diagnostics, []);
  assert.equal(formatSave(again.table), text);
});

test('uncanonical IPv6 text is canonicalised', () => {
  const { table } = parseIpvsadmSave('-A -t [2001:DB8:0:0::00A1]:80 -s rr\n');
  assert.ok(table.services.has('tcp|2001:db8::a1|80'));
});

test('lines lvsync cannot parse are errors that name the line, never skipped', () => {
  const { diagnostics } = parseIpvsadmSave('-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.2:80 -s rr --bogus\n-a -t 10.0.0.3:80 -r 10.1.1.1:80 -g -w 1\nhello\n-A -t 10.0.0.4 -s rr\n');
  assert.deepEqual(diagnostics.map((d) => [d.code, d.line]), [['LIVE_PARSE', 2], ['LIVE_PARSE', 3], ['LIVE_PARSE', 4], ['LIVE_PARSE', 5]]);
});

test('an empty table is empty output', () => {
  const { table, diagnostics } = parseIpvsadmSave('');
  assert.equal(table.services.size, 0);
  assert.deepEqual(diagnostics, []);
  assert.equal(formatSave(table), '');
});
