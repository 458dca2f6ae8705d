import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { SIZES, baseTable, liveFor, saveText } from '../../bench/generate.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { referenceParseIpvsadmSave } from './parse-save.reference.js';

/**
 * The single-pass parser (a fast path for the lines ipvsadm prints, the token reader for the rest)
 * must give exactly what the parser before it gave: the same table, in the same order, and the same
 * LIVE_PARSE diagnostics, for every input. The reference is that parser, kept in parse-save.reference.ts.
 */

type Parsed = ReturnType<typeof parseIpvsadmSave>;

/** Maps as entry arrays, so the comparison sees insertion order too. */
function plain(parsed: Parsed): unknown {
  return {
    services: [...parsed.table.services].map(([key, svc]) => [key, { ...svc, servers: [...svc.servers] }]),
    diagnostics: parsed.diagnostics,
  };
}

function assertSame(text: string): void {
  assert.deepStrictEqual(plain(parseIpvsadmSave(text, 'f.save')), plain(referenceParseIpvsadmSave(text, 'f.save')), JSON.stringify(text));
}

// ---- generators: tokens ipvsadm prints, near misses, and what people type into a save file ----

const octet = fc.constantFrom('0', '1', '9', '10', '99', '100', '172', '199', '249', '255', '256', '01', '00', '999', '1000', '', 'a');
const ipv4ish = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('10.0.0.1', '10.0.0.2', '192.168.100.200', '172.16.255.254', '1.2.3.4') },
  { weight: 3, arbitrary: fc.array(octet, { minLength: 3, maxLength: 5 }).map((o) => o.join('.')) },
);
const ipv6ish = fc.constantFrom(
  '[2001:db8::1]', '[2001:DB8:0:0::00A1]', '[::ffff:10.0.0.1]', '[::1]', '[::]', '[1.2.3.4]', '[gggg::1]', '[2001:db8::1::2]', '[1:2:3:4:5:6:7:8]',
);
const portish = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('80', '443', '8080', '0') },
  { weight: 2, arbitrary: fc.constantFrom('65535', '65536', '080', '00080', '000080', '123456', '', 'x', '8o', '-1') },
  { weight: 1, arbitrary: fc.nat(99999).map(String) },
);
const hostPort = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(ipv4ish, portish).map(([a, p]) => `${a}:${p}`) },
  { weight: 2, arbitrary: fc.tuple(ipv6ish, portish).map(([a, p]) => `${a}:${p}`) },
  { weight: 1, arbitrary: fc.constantFrom('2001:db8::1:80', '[2001:db8::1]', '10.0.0.1', '10.0.0.1:80:90', '10.0.0.1::80', ':80', 'ipvsadm', '') },
);
const number = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom('0', '1', '2', '5', '360', '6080') },
  { weight: 2, arbitrary: fc.constantFrom('2147483647', '2147483648', '2678400', '2678401', '65535', '65536', '00000000001', '0000000000000000000001', '007', '-1', 'x', '99999999999', '1e3', '1.5', '') },
);
const mark = fc.constantFrom('1', '2', '10', '-1', '-2147483648', '4294967295', '0', '01', 'x', '-', '');

const serviceSpec: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom('-t', '-u'), hostPort).map((t) => [...t]) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('--sctp-service', '--tcp-service', '--udp-service', '-x', 'tcp'), hostPort).map((t) => [...t]) },
  { weight: 3, arbitrary: fc.tuple(mark, fc.constantFrom([], ['-6'], ['--ipv6'])).map(([m, six]) => ['-f', m, ...six]) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['-t'], ['-f'], [], ['--fwmark-service', '7']) },
);

const scheduler = fc.constantFrom('wrr', 'rr', 'wlc', 'none', 'sh', 'mh', 'ipvsadm', '-p', 'averyveryverylongschedulername', 'wrr\u00a0', 'RR');
const mask = fc.constantFrom('255.255.255.0', '255.255.255.255', '64', '128', '24', '0.0.0.24');
const flags = fc.constantFrom('flag-1', 'flag-1,flag-3', 'sh-fallback,sh-port', 'mh-port', 'bogus', 'flag-2,', 'flag-3,flag-1');
const serviceOption: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(fc.constantFrom('-s', '--scheduler'), scheduler).map((t) => [...t]),
  fc.tuple(fc.constantFrom('-p', '--persistent'), number).map((t) => [...t]),
  fc.constantFrom<string[]>(['-p'], ['--pe', 'sip'], ['--pe'], ['-o'], ['--ops'], ['-b'], ['--bogus'], ['ipvsadm'], ['-s']),
  fc.tuple(fc.constantFrom('-M', '--netmask'), mask).map((t) => [...t]),
  fc.tuple(fc.constantFrom('-b', '--sched-flags'), flags).map((t) => [...t]),
);

const serverOption: fc.Arbitrary<string[]> = fc.oneof(
  fc.constantFrom<string[]>(['-m'], ['-g'], ['-i'], ['--masquerading'], ['--gatewaying'], ['--ipip'], ['--tun-nocsum'], ['--tun-csum'], ['--tun-remcsum'], ['-w'], ['--bogus'], ['ipvsadm']),
  fc.tuple(fc.constantFrom('-w', '--weight', '-x', '-y', '--u-threshold', '--l-threshold', '--tun-port'), number).map((t) => [...t]),
  fc.tuple(fc.constant('--tun-type'), fc.constantFrom('ipip', 'gue', 'gre', 'bad')).map((t) => [...t]),
);

/** The lines ipvsadm -S -n prints (facts §2.2, §2.3), over a small address pool so servers find their services. */
const canonicalService = fc.tuple(serviceSpec, scheduler, fc.array(serviceOption, { maxLength: 2 }))
  .map(([spec, s, opts]) => ['-A', ...spec, '-s', s, ...opts.flat()]);
const canonicalServer = fc.tuple(
  serviceSpec, hostPort, fc.constantFrom<string[]>(['-m'], ['-g'], ['-i'], ['-i', '--tun-type', 'ipip'], ['-i', '--tun-type', 'gue', '--tun-port', '6080', '--tun-csum'], ['-i', '--tun-type', 'gre', '--tun-nocsum']), number,
).map(([spec, hp, method, w]) => ['-a', ...spec, '-r', hp, ...method, '-w', w]);
const looseService = fc.tuple(fc.constantFrom('-A', '--add-service'), serviceSpec, fc.array(serviceOption, { maxLength: 5 }))
  .map(([op, spec, opts]) => [op, ...spec, ...opts.flat()]);
const looseServer = fc.tuple(
  fc.constantFrom('-a', '--add-server'), serviceSpec, fc.constantFrom<string[]>(['-r'], ['--real-server'], ['-R'], []), hostPort, fc.array(serverOption, { maxLength: 6 }),
).map(([op, spec, r, hp, opts]) => [op, ...spec, ...r, hp, ...opts.flat()]);
const junk = fc.constantFrom<string[]>(['hello'], ['#', 'comment'], ['-D', '-t', '10.0.0.1:80'], ['ipvsadm'], ['ipvsadm', '-A', '-t', '10.0.0.1:80', '-s', 'rr'], [], ['-A'], ['-a'], ['-A-t'], ['-a', '-t']);

const tokens = fc.oneof(
  { weight: 6, arbitrary: canonicalServer },
  { weight: 3, arbitrary: canonicalService },
  { weight: 2, arbitrary: looseServer },
  { weight: 2, arbitrary: looseService },
  { weight: 1, arbitrary: junk },
);

/** Mostly single spaces and "\n", sometimes what hand-edited or Windows-saved files have. */
const separator = fc.oneof({ weight: 20, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: fc.constantFrom('  ', '\t', ' \t ', '\u00a0', '\r') });
const edge = fc.oneof({ weight: 20, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom(' ', '\t', '  ', '\u00a0', '\v', '\r', '\ufeff') });
const ending = fc.oneof({ weight: 20, arbitrary: fc.constant('\n') }, { weight: 2, arbitrary: fc.constantFrom('\r\n', '\n\n', '\r\r\n', '\n \n') }, { weight: 1, arbitrary: fc.constant('') });

const line = fc.tuple(tokens, fc.array(separator, { minLength: 12, maxLength: 12 }), edge, edge, ending).map(([toks, seps, lead, trail, end]) => {
  let out = lead;
  toks.forEach((t, i) => { out += (i > 0 ? seps[i % seps.length] : '') + t; });
  return out + trail + end;
});

test('the new parser reads every generated save text exactly as the old one did (property)', () => {
  fc.assert(fc.property(fc.array(line, { maxLength: 40 }), (lines) => assertSame(lines.join(''))), { numRuns: 3000 });
});

test('the new parser reads ipvsadm-shaped tables exactly as the old one did (property)', () => {
  // well-formed tables: one -A line and then its -a lines, the shape the fast path is for
  const server = fc.tuple(fc.constantFrom('10.1.0.1', '10.1.0.2', '172.16.100.200', '[2001:db8::a]'), fc.constantFrom('80', '8080', '0'), fc.constantFrom('-m', '-g'), number);
  const block = fc.tuple(serviceSpec, scheduler, fc.array(server, { maxLength: 5 }));
  fc.assert(fc.property(fc.array(block, { maxLength: 12 }), ending, (blocks, end) => {
    const text = blocks.map(([spec, s, servers]) => [
      `-A ${spec.join(' ')} -s ${s}`,
      ...servers.map(([a, p, m, w]) => `-a ${spec.join(' ')} -r ${a}:${p} ${m} -w ${w}`),
    ].join(end)).join(end);
    assertSame(text);
  }), { numRuns: 2000 });
});

test('the facts fixture, line by line, under every spacing and line ending', () => {
  const fixture = readFileSync(new URL('../../../test/fixtures/live/facts-observed.save', import.meta.url), 'utf8');
  assertSame(fixture);
  const lines = fixture.split('\n').filter((l) => l !== '');
  const variants: ((l: string) => string)[] = [
    (l) => l, (l) => `${l}\r`, (l) => ` ${l}`, (l) => `${l} `, (l) => l.replaceAll(' ', '  '), (l) => l.replaceAll(' ', '\t'),
    (l) => `ipvsadm ${l}`, (l) => l.replace(' ', ' ipvsadm '), (l) => `${l} ipvsadm`, (l) => l.replace('-A', '--add-service').replace('-a', '--add-server'),
  ];
  for (const v of variants) {
    assertSame(lines.map(v).join('\n'));
    assertSame(lines.map(v).join('\r\n'));
    // each line alone: -a lines without their -A are errors, which must match too
    for (const l of lines) assertSame(v(l));
  }
});

test('hand-picked lines at the edges of the fast path', () => {
  const svc = '-A -t 10.0.0.1:80 -s wrr';
  const cases = [
    `${svc}\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1`,
    // duplicates, a server before its service, a service switch the fast path does not know
    `${svc}\n${svc}`,
    `${svc}\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -g -w 2`,
    '-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1\n-A -t 10.0.0.1:80 -s wrr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1',
    `${svc}\n-a -t 10.0.0.1:800 -r 10.1.0.1:80 -m -w 1\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1`,
    `-A -t 10.0.0.1:80 -s rr\n-A -u 10.0.0.1:80 -s rr\n-a -u 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1`,
    // numbers at and past their limits, leading zeros, addresses of 13+ characters
    `${svc}\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 2147483647\n-a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 2147483648`,
    `${svc}\n-a -t 10.0.0.1:80 -r 10.1.0.1:080 -m -w 0001\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 00000000001`,
    `${svc}\n-a -t 10.0.0.1:80 -r 10.1.0.1:65535 -m -w 1\n-a -t 10.0.0.1:80 -r 10.1.0.1:65536 -m -w 1\n-a -t 10.0.0.1:80 -r 10.1.0.1:000080 -m -w 1`,
    '-A -t 192.168.100.200:65535 -s wrr\n-a -t 192.168.100.200:65535 -r 192.168.100.201:65535 -g -w 1',
    // a dotted quad followed by more dots, octal-looking and short forms
    `${svc}\n-a -t 10.0.0.1:80 -r 10.1.0.1.5:80 -m -w 1\n-a -t 10.0.0.1:80 -r 010.1.0.1:80 -m -w 1\n-a -t 10.0.0.1:80 -r 10.1:80 -m -w 1`,
    // options after -w, a -w without a value, the scheduler "ipvsadm", trailing spaces, tabs
    `${svc}\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1 -x 5\n-a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w\n-a -t 10.0.0.1:80 -r 10.1.0.3:80 -m -w `,
    '-A -t 10.0.0.1:80 -s ipvsadm\n-A -t 10.0.0.2:80 -s ipvsadmx\n-A -t 10.0.0.3:80 -s \n-A -t 10.0.0.4:80 -s\twrr\n-A -t 10.0.0.5:80 -s wrr\u00a0',
    `${svc}\r\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -m -w 1\r\n\r\n-a -t 10.0.0.1:80 -r 10.1.0.2:80 -m -w 1\r`,
    '-A -f 1 -s wlc\n-a -f 1 -r 10.1.0.1:80 -m -w 1\n-A -f 1 -6 -s wlc\n-a -f 1 -6 -r [2001:db8::1]:80 -m -w 1\n-a -f 1 -r 10.1.0.2:80 -m -w 1',
    '-A -t 10.0.0.1:80 -s wrr\n-a -t 10.0.0.1:80 -r [10.1.0.1]:80 -m -w 1\n-a -t [10.0.0.1]:80 -r 10.1.0.2:80 -m -w 1',
  ];
  for (const text of cases) assertSame(text);
});

test('generated benchmark tables read the same, with \\n and \\r\\n', () => {
  const size = { ...SIZES[0]!, services: 2_000, servers: 8_000 };
  for (const text of [saveText(baseTable(size)), saveText(liveFor(size, 'churn10'))]) {
    assertSame(text);
    assertSame(text.replaceAll('\n', '\r\n'));
  }
});
