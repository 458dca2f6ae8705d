import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cidrContains, formatIpv6, ipv4Netmask, nonUnicastReason, parseAddress, parseCidr, parseIpv4, parseIpv6, scanIpv4 } from '../../src/model/address.js';

test('IPv6 text is canonical the way glibc inet_ntop prints it', () => {
  const cases: [string, string][] = [
    ['2001:DB8:0:0::00A1', '2001:db8::a1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::1', '::1'],
    ['::', '::'],
    ['fe80::', 'fe80::'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
    ['::ffff:a00:1', '::ffff:10.0.0.1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ];
  for (const [input, want] of cases) assert.equal(parseAddress(input)?.canonical, want, input);
});

test('rejects what is not an address, and inet_aton shorthands', () => {
  for (const bad of ['010.0.0.1', '10.1', '167772163', '1.2.3.256', '2001:db8::1::2', '1:2:3:4:5:6:7:8:9', 'gggg::1', '']) {
    assert.equal(parseAddress(bad), null, bad);
  }
  assert.equal(parseIpv6('1:2:3:4:5:6:7'), null);
  assert.deepEqual(formatIpv6([0, 0, 0, 0, 0, 0, 0, 1]), '::1');
});

test('CIDR containment for scope', () => {
  const c = parseCidr('192.168.10.0/24');
  assert.ok(c && cidrContains(c, '192.168.10.100'));
  assert.ok(c && !cidrContains(c, '192.168.11.1'));
  const v6 = parseCidr('2001:db8::/64');
  assert.ok(v6 && cidrContains(v6, '2001:db8::1'));
  assert.ok(v6 && !cidrContains(v6, '2001:db9::1'));
  assert.ok(v6 && !cidrContains(v6, '192.168.10.1'));
  assert.equal(parseCidr('10.0.0.0/33'), null);
});

test('IPv4 netmasks from prefix lengths and dotted text', () => {
  assert.equal(ipv4Netmask(24), '255.255.255.0');
  assert.equal(ipv4Netmask('/16'), '255.255.0.0');
  assert.equal(ipv4Netmask('255.0.255.0'), '255.0.255.0');
  assert.equal(ipv4Netmask(33), null);
});

test('non-unicast addresses are named', () => {
  assert.ok(nonUnicastReason('224.0.0.1'));
  assert.ok(nonUnicastReason('0.0.0.0'));
  assert.ok(nonUnicastReason('ff02::1'));
  assert.equal(nonUnicastReason('10.0.0.1'), null);
});

test('parseIpv4 is the strict dotted-quad regex, and scanIpv4 reads the same inside a longer text', () => {
  const strict = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  const piece = fc.constantFrom('0', '1', '9', '10', '25', '99', '100', '199', '200', '249', '250', '255', '256', '300', '01', '00', '1000', '.', ':', 'a', ' ', '');
  const text = fc.array(fc.tuple(piece, fc.constantFrom('.', '.', '')), { maxLength: 8 }).map((parts) => parts.map(([p, sep]) => p + sep).join('').replace(/\.$/, ''));
  fc.assert(fc.property(text, text, text, (before, address, after) => {
    const want = strict.test(address) ? address.split('.').reduce((v, o) => v * 256 + Number(o), 0) : null;
    assert.equal(parseIpv4(address), want);
    // the characters around the region (dots and digits included) must not change the answer
    assert.equal(scanIpv4(before + address + after, before.length, before.length + address.length), want ?? -1);
  }), { numRuns: 5000 });
  assert.equal(scanIpv4('1.2.3.4.5', 0, 7), 16909060);
  assert.equal(scanIpv4('1.2.3.4.5', 0, 6), -1);
  assert.equal(scanIpv4('x1.2.3.45', 1, 8), 16909060);
});
