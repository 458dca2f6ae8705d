import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockLine } from '../../src/import/ldirectord/lines.js';
import { parseFallback, parseRealAddress, parseRealFlags } from '../../src/import/ldirectord/real.js';
import { MAX_RANGE, expandRange, resolveHost, resolvePort, wellKnownPort } from '../../src/import/ldirectord/resolve.js';

/**
 * The pieces of the ldirectord reader that copy a line of ldirectord.in exactly, each against the
 * input that shows the Perl behaviour (line numbers: resource-agents ldirectord/ldirectord.in, bf01ad08).
 */

const at = (text: string) => blockLine({ line: 1, text });

test('a virtual-block line: # anywhere cuts, a tab is 4 columns, 4 columns are needed (lines 1404-1411)', () => {
  assert.deepEqual(at('\t# real=10.0.0.1:80 gate'), { kind: 'comment' });
  assert.deepEqual(at('#\treal=10.0.0.1:80 gate'), { kind: 'comment' });
  assert.deepEqual(at('   real=10.0.0.1:80 gate'), { kind: 'end' }); // 3 spaces
  assert.deepEqual(at(''), { kind: 'end' });
  assert.deepEqual(at('\t'), { kind: 'end' }); // 4 blanks, nothing after
  assert.deepEqual(at('\t\t'), { kind: 'blank-command' }); // 8 blanks: a command of one space
  const d = at('  \treal = 10.0.0.1:80 gate # web1');
  assert.equal(d.kind, 'directive');
  if (d.kind !== 'directive') return;
  assert.deepEqual(d.directive, { key: 'real', value: '10.0.0.1:80 gate ', line: 1, col: 4, valueCol: 11, cutAtHash: true });
  // ldirectord cuts at the first # even inside quotes
  const q = at('\treceive="a#b"');
  assert.equal(q.kind === 'directive' && q.directive.value, '"a');
});

test('real= is matched unanchored, as Perl does (line 2024)', () => {
  assert.deepEqual(parseRealAddress('192.168.6.2->192.168.6.7:80 gate 10'), { first: '192.168.6.2', last: '192.168.6.7', port: '80', flags: 'gate 10', skipped: '' });
  assert.deepEqual(parseRealAddress('[2001:db8::4]:119 masq'), { first: '[2001:db8::4]', last: null, port: '119', flags: 'masq', skipped: '' });
  // the sample file's "::5060": the match starts at 5060
  assert.deepEqual(parseRealAddress('192.168.6.2::5060 gate'), { first: '5060', last: null, port: '0', flags: 'gate', skipped: '192.168.6.2::' });
  assert.equal(parseRealAddress('192.168.6.2:80'), null); // no method: no blank to match
});

test('the flags of a real server: method, weight, request/receive, then l: and u: (lines 2127-2182)', () => {
  assert.deepEqual(parseRealFlags('gate'), { forward: 'gate', weight: 1, request: null, receive: null, lowerThreshold: null, upperThreshold: null, ignored: [] });
  assert.deepEqual(parseRealFlags('masq 3 "check.html", "OK" l:5 u:50'), { forward: 'masq', weight: 3, request: '/check.html', receive: 'OK', lowerThreshold: 5, upperThreshold: 50, ignored: [] });
  // u: before l: is lost: each step searches what the previous one left
  assert.deepEqual(parseRealFlags('masq u:50 l:5'), { forward: 'masq', weight: 1, request: null, receive: null, lowerThreshold: 5, upperThreshold: null, ignored: ['u:50'] });
  assert.deepEqual(parseRealFlags('direct'), { error: 'forward method must be gate, masq or ipip' });
  assert.deepEqual(parseRealFlags('gate x'), { error: 'Invalid real server line, around " x"' });
});

test('a fallback: host[:port] [method], gate by default (lines 2207-2249)', () => {
  assert.deepEqual(parseFallback('127.0.0.1:80 masq'), { server: '127.0.0.1', port: '80', forward: 'masq' });
  assert.deepEqual(parseFallback('[::1]:http'), { server: '[::1]', port: 'http', forward: 'gate' });
  assert.deepEqual(parseFallback('127.0.0.1'), { server: '127.0.0.1', port: null, forward: 'gate' });
  // Perl's if($fwd): "0" is no method
  assert.deepEqual(parseFallback('127.0.0.1:80 0'), { server: '127.0.0.1', port: '80', forward: 'gate' });
  // a top-level # is part of the value: the last two words are taken
  assert.deepEqual(parseFallback('127.0.0.1:80 gate # sorry'), { error: 'forward method must be gate, masq or ipip' });
});

test('ranges: integers from the first to the last while their decimal texts compare le (line 2100)', () => {
  assert.deepEqual(expandRange('10.0.0.254', '10.0.1.1'), { ok: true, addresses: ['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1'], numericCount: 4 });
  // 0.152.150.128 is 10000000, a prefix of 100000005 (5.245.225.5): one address, then "10000001" gt "100000005"
  const cut = expandRange('0.152.150.128', '5.245.225.5');
  assert.deepEqual(cut.ok && [cut.addresses, cut.numericCount], [['0.152.150.128'], 90000006]);
  // past 5.245.224.255 (99999999) every text compares lower: ldirectord would not stop for 900 million addresses
  const runaway = expandRange('5.245.224.255', '5.245.224.255');
  assert.equal(runaway.ok, false);
  assert.match(!runaway.ok ? runaway.message : '', new RegExp(`more than ${MAX_RANGE}`));
  assert.equal(expandRange('10.0.0.2', '10.0.0.1').ok, false);
});

test('hosts and ports: literals of the block family, localhost, numbers up to 65535 (lines 5284, 5335)', () => {
  assert.deepEqual(resolveHost('[2001:DB8:0:0::5]', 'ipv6'), { ok: true, address: '2001:db8::5', byName: false });
  assert.deepEqual(resolveHost('localhost', 'ipv6'), { ok: true, address: '::1', byName: true });
  assert.deepEqual(resolveHost('10.0.0.1', 'ipv6'), { ok: false, why: 'family' });
  assert.deepEqual(resolveHost('010.0.0.1', 'ipv4'), { ok: false, why: 'invalid' });
  assert.deepEqual(resolveHost('web01', 'ipv4'), { ok: false, why: 'name' });
  assert.deepEqual(resolvePort('65535', 'tcp', wellKnownPort), { port: 65535, byName: false });
  assert.equal(resolvePort('65536', 'tcp', wellKnownPort), null);
  assert.deepEqual(['www', 'https', 'domain', 'mysql', 'smtp', 'ftp', 'pop3', 'imap', 'ldap', 'ssh', 'sip'].map((n) => wellKnownPort(n, 'tcp')),
    [80, 443, 53, 3306, 25, 21, 110, 143, 389, 22, 5060]);
  // per protocol, as netbase lists them: www is tcp only, ntp udp only
  assert.deepEqual(['www', 'ntp', 'domain', 'sip'].map((n) => wellKnownPort(n, 'udp')), [null, 123, 53, 5060]);
  assert.equal(wellKnownPort('ntp', 'tcp'), null);
});
