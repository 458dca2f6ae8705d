import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SIZES, liveFor, saveText } from '../../bench/generate.js';
import { formatSave } from '../../src/live/format-save.js';
import { builtinServices, lookupService, parseServices } from '../../src/live/etc-services.js';
import { BUILTIN_SERVICES, portLookup, saveNames } from '../../src/live/names.js';
import { parseIpvsadmSave, parseRulesFile } from '../../src/live/parse-save.js';
import { readRulesFile } from '../../src/live/read-rules.js';
import { fakeNames } from '../helpers/fake-names.js';

/**
 * The -S parser's rules mode (parseRulesFile) and the step that resolves host names for it
 * (readRulesFile): names read the way ipvsadm 1.31's parse_service reads them, with a fake resolver.
 */

const HOSTS = '127.0.0.1 localhost\n127.0.0.1 www.example\n10.0.0.5 vip.example\n10.0.0.6 vip.example\n192.168.1.10 web1.example\n2001:db8::10 web6.example\n';
const read = (text: string) => readRulesFile(text, 'r.rules', fakeNames(HOSTS));
const codes = (r: { diagnostics: readonly { code: string; line?: number; severity: string }[] }) => r.diagnostics.map((d) => `${d.line} ${d.severity} ${d.code}`);

test('-S -n text reads in rules mode exactly as the -S parser reads it, without a lookup', async () => {
  const facts = readFileSync(new URL('../../../test/fixtures/live/facts-observed.save', import.meta.url), 'utf8');
  const big = saveText(liveFor(SIZES[0]!, 'nochange'));
  for (const text of [facts, big]) {
    const names = fakeNames(HOSTS);
    const rules = await readRulesFile(text, 'f', names);
    assert.deepEqual(rules.diagnostics, []);
    assert.deepEqual(names.asked, []);
    assert.equal(formatSave(rules.table), formatSave(parseIpvsadmSave(text).table));
  }
});

test('port names are looked up with the service protocol: tcp for -t and -f, udp for -u, sctp for --sctp-service', async () => {
  const r = await read('-A -t 10.0.0.1:domain -s rr\n-A -u 10.0.0.1:domain -s rr\n-A -u 10.0.0.2:http -s rr\n-A -f 1 -s rr\n-a -f 1 -r 10.1.1.1:https\n-a -f 1 -r 10.1.1.2:tftp\n-A --sctp-service 10.0.0.3:amqp -s rr\n');
  assert.ok(r.table.services.has('tcp|10.0.0.1|53'));
  assert.ok(r.table.services.has('udp|10.0.0.1|53'));
  assert.ok(r.table.services.get('fwmark|ipv4|1')?.servers.has('10.1.1.1|443'));
  assert.ok(r.table.services.has('sctp|10.0.0.3|5672'));
  // http has no udp entry, tftp no tcp entry
  assert.deepEqual(codes(r).filter((c) => c.includes('error')), ['3 error LIVE_UNRESOLVED', '6 error LIVE_UNRESOLVED']);
  assert.deepEqual(r.lookups.map((l) => `${l.name}/${l.protocol}`), ['domain/tcp', 'domain/udp', 'http/udp', 'https/tcp', 'tftp/tcp', 'amqp/sctp']);
});

test('services files: the host file first, the built-in table for names it lacks or when it is missing', () => {
  const file = { path: '/etc/services', entries: parseServices('# mine\nhttp\t8000/tcp  www  # moved\nweird 99999/tcp\nbroken\n') };
  const port = portLookup(file, builtinServices());
  assert.deepEqual(port('http', 'tcp'), { port: 8000, from: '/etc/services' });
  assert.deepEqual(port('www', 'tcp'), { port: 8000, from: '/etc/services' });
  assert.deepEqual(port('https', 'tcp'), { port: 443, from: BUILTIN_SERVICES });
  assert.equal(port('HTTP', 'tcp'), null);
  assert.deepEqual(portLookup(null, builtinServices())('http-alt', 'tcp'), { port: 8080, from: BUILTIN_SERVICES });
  assert.equal(lookupService(file.entries, 'weird', 'tcp'), undefined);
});

test('host names: IPv4 only, the first address, one warning per name with every line; port names an info note', async () => {
  const r = await read('-A -t vip.example:http -s rr\n-a -t vip.example:http -r web1.example:8080 -m\n-A -t web6.example:80 -s rr\n');
  assert.ok(r.table.services.get('tcp|10.0.0.5|80')?.servers.has('192.168.1.10|8080'));
  assert.deepEqual(codes(r), ['1 info LIVE_RESOLVED', '1 warning LIVE_RESOLVED', '2 warning LIVE_RESOLVED', '3 error LIVE_UNRESOLVED']);
  const vip = r.lookups.find((l) => l.name === 'vip.example');
  assert.deepEqual(vip?.lines, [1, 2]);
  assert.deepEqual([...(vip?.services ?? [])], ['tcp|10.0.0.5|80']);
  assert.match(r.diagnostics[1]!.message, /10\.0\.0\.5.*10\.0\.0\.5, 10\.0\.0\.6/);
});

test('each host name is asked once, and a line naming two unknown hosts takes one more round', async () => {
  const names = fakeNames(HOSTS);
  const r = await readRulesFile('-A -t vip.example:80 -s rr\n-a -t vip.example:80 -r web1.example:80 -m\n-a -t vip.example:80 -r localhost:81 -m\n', 'r', names);
  assert.equal(r.table.services.get('tcp|10.0.0.5|80')?.servers.size, 2);
  assert.deepEqual(names.asked, ['vip.example', 'web1.example', 'localhost']);
});

test('an answer not asked yet fails the line silently and asks for it; the parse is pure', () => {
  const names = saveNames(portLookup(null, builtinServices()), new Map());
  const r = parseRulesFile('-A -t vip.example:80 -s rr\n-A -t 10.0.0.1:80 -s rr\n', 'r', names);
  assert.deepEqual(r.pendingHosts, ['vip.example']);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.table.services.size, 1);
});

test('two lines that are one service or one server after lookup: one LIVE_COLLISION naming both lines', async () => {
  const r = await read('-A -t localhost:http -s rr\n-A -t 10.0.0.1:80 -s rr\n-A -t www.example:80 -s wlc\n-a -t 10.0.0.1:80 -r 192.168.1.10:80 -g\n-a -t 10.0.0.1:80 -r web1.example:8080 -g\n');
  const collisions = r.diagnostics.filter((d) => d.code === 'LIVE_COLLISION');
  assert.deepEqual(collisions.map((d) => [d.line, d.related?.line]), [[3, 1], [5, 4]]);
  assert.match(collisions[0]!.message, /tcp 127\.0\.0\.1:80/);
  // the first line wins, as in ipvsadm
  assert.equal(r.table.services.get('tcp|127.0.0.1|80')?.scheduler, 'rr');
});

test('a plain duplicate is a collision too in a rules file, and stays LIVE_PARSE in ipvsadm -S -n output', async () => {
  const text = '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.1.1:80 -m -w 1\n-a -t 10.0.0.1:80 -r 10.1.1.1:80 -m -w 1\n-A -t 10.0.0.1:80 -s rr\n';
  assert.deepEqual((await read(text)).diagnostics.map((d) => [d.code, d.line, d.related?.line]), [['LIVE_COLLISION', 3, 2], ['LIVE_COLLISION', 4, 1]]);
  assert.deepEqual(parseIpvsadmSave(text).diagnostics.map((d) => [d.code, d.line]), [['LIVE_PARSE', 3], ['LIVE_PARSE', 4]]);
});

test("ipvsadm's defaults: wlc, weight 1, -g, a missing port, the -g/-i port rewrite; the fast path leaves those lines to the reader", async () => {
  const r = await read('-A -t 10.0.0.1:80\n-a -t 10.0.0.1:80 -r 10.1.1.1\n-a -t 10.0.0.1:80 -r 10.1.1.2:8080 -g -w 1\n-a -t 10.0.0.1:80 -r 10.1.1.3:8080 -i\n-a -t 10.0.0.1:80 -r 10.1.1.4:8080 -m -w 1\n-A -f 2 -s rr\n-a -f 2 -r 10.1.1.5\n-A -t 10.0.0.2 -s rr -p\n');
  assert.deepEqual(r.diagnostics, []);
  const svc = r.table.services.get('tcp|10.0.0.1|80');
  assert.equal(svc?.scheduler, 'wlc');
  assert.deepEqual([...(svc?.servers.keys() ?? [])], ['10.1.1.1|80', '10.1.1.2|80', '10.1.1.3|80', '10.1.1.4|8080']);
  assert.equal(svc?.servers.get('10.1.1.1|80')?.method, 'dr');
  assert.ok(r.table.services.get('fwmark|ipv4|2')?.servers.has('10.1.1.5|0'));
  assert.deepEqual(r.table.services.get('tcp|10.0.0.2|0')?.persistence?.timeout, 360);
});

test('comments (also indented), blank lines, whitespace and CRLF', async () => {
  const r = await read('# a comment\r\n\r\n  \t-A   -t 10.0.0.1:80\t-s rr  \r\n   # indented\r\nipvsadm -a -t 10.0.0.1:80 -r 10.1.1.1:80 -m -w 2\r\n');
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.table.services.get('tcp|10.0.0.1|80')?.servers.get('10.1.1.1|80')?.weight, 2);
});

test('what ipvsadm refuses or reads otherwise than it is written is an error at its line', async () => {
  const r = await read([
    '-A -t [localhost]:80 -s rr',
    '-A -t [10.0.0.1]:80 -s rr',
    '-A -t 10.0.0.2:0 -s rr',
    '-A -t 10.0.0.3:80 -s rr -o',
    '-A -t 10.0.0.4:80 -s rr',
    '-a -t 10.0.0.4:80 -r [2001:db8::1]:80 -m',
    '-A -t 010.0.0.5:80 -s rr',
    '-A -t 80 -s rr',
    '-A -t 10.0.0.6:99999 -s rr',
    '-A -t 10.0.0.7:80 -s rr # trailing',
    '-A -t :80 -s rr',
  ].join('\n'));
  assert.deepEqual(codes(r), ['1 error LIVE_UNRESOLVED', '2 error LIVE_PARSE', '3 error LIVE_PARSE', '4 error LIVE_PARSE', '6 error LIVE_PARSE', '7 error LIVE_PARSE', '8 error LIVE_PARSE', '9 error LIVE_UNRESOLVED', '10 error LIVE_PARSE', '11 error LIVE_PARSE']);
});

test('IPv6: [v6]:name is read, a bare IPv6 address has no port (ipvsadm reads "a::1:80" as an address)', async () => {
  const r = await read('-A -t [2001:db8::1]:gsiftp -s rr\n-a -t [2001:db8::1]:gsiftp -r 2001:db8::2:80 -m\n');
  assert.deepEqual(codes(r), ['1 info LIVE_RESOLVED']);
  assert.ok(r.table.services.get('tcp|2001:db8::1|2811')?.servers.has('2001:db8::2:80|2811'));
});
