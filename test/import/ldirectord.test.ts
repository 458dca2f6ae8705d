import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseDesiredSources } from '../../src/desired/parse.js';
import type { WrittenHealthCheck } from '../../src/desired/written.js';
import { importLdirectord } from '../../src/import/ldirectord/index.js';
import type { LdirectordImportOptions } from '../../src/import/ldirectord/index.js';
import type { ImportResult, ImportSources } from '../../src/import/types.js';

/**
 * `lvsync import ldirectord`: the corpus in test/fixtures/import/ldirectord (README.md there says
 * where each file's syntax comes from) → the document, the comments (service index, source line)
 * and the notes (severity, code, source line). Every document that imports without errors must be
 * a valid desired state.
 */

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/import/ldirectord/', import.meta.url));

const fixtures: ImportSources = {
  read: (path) => (existsSync(FIXTURES + path) ? readFileSync(FIXTURES + path, 'utf8') : null),
  glob: () => [],
};

function inline(text: string): ImportSources {
  return { read: (path) => (path === 'inline.cf' ? text : null), glob: () => [] };
}

function run(name: string, options?: LdirectordImportOptions): ImportResult {
  return importLdirectord(name, fixtures, options);
}

const comments = (r: ImportResult) => r.comments.map((c) => [c.service, c.at.line]);
const notes = (r: ImportResult) => r.notes.map((n) => [n.severity, n.code, n.at.line]);
const errors = (r: ImportResult) => r.notes.filter((n) => n.severity === 'error').map((n) => [n.code, n.at.line]);

// the document through the real pipeline: YAML text → schema → rules, no error allowed
function assertValid(r: ImportResult, name: string): void {
  const result = parseDesiredSources([{ file: `${name}.yaml`, text: stringify(r.document) }]);
  assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), [], name);
  assert.ok(result.state, name);
}

// ldirectord's rhythm: one passed check brings a server back, failurecount failed ones take it out
const every = (interval: number, timeout: number, fall: number, onFailure: 'quiesce' | 'remove'): WrittenHealthCheck =>
  ({ interval: `${interval}s`, timeout: `${timeout}s`, rise: 1, fall, onFailure });

test('every fixture that imports without errors is a valid desired state', () => {
  for (const name of ['web', 'forms', 'checks', 'whitespace', 'globals', 'unsupported', 'ranges']) {
    const r = run(`${name}.cf`);
    assert.deepEqual(errors(r), [], name);
    assertValid(r, name);
  }
});

test('web: the http service of the upstream sample, globals applied', () => {
  const r = run('web.cf');
  assert.deepEqual(r.document, {
    version: 1,
    services: [{
      name: 'Web Site', protocol: 'tcp', address: '192.168.6.240', port: 80, scheduler: 'rr',
      realServers: [
        { address: '192.168.6.2', method: 'dr' },
        { address: '192.168.6.3', method: 'dr' },
        { address: '192.168.6.6', method: 'dr', weight: 2 },
      ],
      healthCheck: { type: 'http', port: 80, path: '/index.html', host: 'www.x.y.z', expectBody: 'Test Page', ...every(1, 3, 1, 'remove') },
      // 127.0.0.1:80 gate: the service's port, so no port
      fallback: { address: '127.0.0.1', method: 'dr' },
    }],
  });
  assert.deepEqual(comments(r), [[null, 9], [null, 10], [0, 16]]);
  assert.equal(r.comments[2]!.text, 'Test load balanced web site');
  assert.deepEqual(notes(r), [['info', 'IMPORT_UNSUPPORTED', 9], ['info', 'IMPORT_UNSUPPORTED', 10]]);
});

test('forms: service names as ports, ranges, methods, weights, per-server checks, thresholds, fwmark, IPv6', () => {
  const r = run('forms.cf');
  const http = { type: 'http', path: '/', ...every(10, 30, 1, 'remove') } as const;
  assert.deepEqual(r.document.services, [
    {
      protocol: 'tcp', address: '10.1.0.1', port: 80, scheduler: 'wlc',
      persistence: { timeout: 300, netmask: '255.255.255.0' },
      realServers: [
        { address: '10.2.0.1', method: 'nat', weight: 5 },
        { address: '10.2.0.2', method: 'nat', weight: 5 },
        { address: '10.2.0.3', method: 'nat', weight: 5 },
        { address: '10.2.0.10', port: 8080, method: 'nat', upperThreshold: 100, lowerThreshold: 10, healthCheck: { path: '/alive.html', expectBody: 'OK' } },
        { address: '127.0.0.1', method: 'dr' },
      ],
      // port 80 implies service=http, and negotiate is the default checktype
      healthCheck: http,
    },
    {
      // :domain is UDP unless protocol= says otherwise; ops=yes is -o
      protocol: 'udp', address: '10.1.0.2', port: 53, scheduler: 'wrr', onePacket: true,
      realServers: [{ address: '10.2.0.1', method: 'dr' }, { address: '10.2.0.2', method: 'dr' }],
    },
    {
      protocol: 'tcp', address: '10.1.0.3', port: 3306, scheduler: 'wrr',
      // :3307 with ipip: the kernel keeps the service's port, so none is written
      realServers: [{ address: '10.2.0.5', method: 'dr' }, { address: '10.2.0.6', method: 'tun' }],
    },
    {
      fwmark: 7, scheduler: 'wrr', persistence: { timeout: 600 },
      realServers: [
        // no port on the line: ldirectord checks http's port 80, lvsync's default would be 0
        { address: '10.2.0.7', method: 'dr', healthCheck: { port: 80 } },
        { address: '10.2.0.8', port: 8080, method: 'nat' },
      ],
      healthCheck: http,
    },
    {
      protocol: 'tcp', address: '2001:db8::5', port: 443, scheduler: 'wrr', persistence: { timeout: 120, netmask: 64 },
      realServers: [{ address: '2001:db8:0:1::4', method: 'nat' }, { address: '2001:db8:0:1::6', method: 'nat' }],
      healthCheck: { type: 'https', path: '/', expectBody: 'ok', ...every(10, 30, 1, 'remove') },
      fallback: { address: '::1', method: 'nat' },
    },
  ]);
  assert.deepEqual(comments(r), [[2, 20]]);
  assert.deepEqual(notes(r), [
    ['info', 'IMPORT_RESOLVED', 4], ['info', 'IMPORT_RESOLVED', 5], ['info', 'IMPORT_RESOLVED', 7],
    ['info', 'IMPORT_RESOLVED', 12], ['info', 'IMPORT_RESOLVED', 13],
    ['info', 'IMPORT_RESOLVED', 18], ['info', 'IMPORT_RESOLVED', 19],
    ['warning', 'IMPORT_UNSUPPORTED', 20],
  ]);
  assert.deepEqual(r.notes.slice(0, 7).map((n) => n.message.split(' → ')[1]), ['80/tcp', '80/tcp', '127.0.0.1', '53/udp', '53/udp', '3306/tcp', '3306/tcp']);
});

test('checks: every checktype, the timeouts falling back on each other, failurecount and quiescent', () => {
  const r = run('checks.cf');
  const s = r.document.services!;
  // globals: checktimeout=4 negotiatetimeout=8 failurecount=3 quiescent=yes; checkinterval 10 by default
  assert.deepEqual(s[0]!.healthCheck, { type: 'tcp', ...every(10, 4, 3, 'remove') });
  assert.deepEqual(s[1]!.healthCheck, { type: 'https', path: '/health', host: 'www.example.com', expectBody: 'up', ...every(10, 5, 3, 'quiesce') });
  assert.deepEqual(s[2]!.healthCheck, { type: 'tcp', ...every(10, 8, 3, 'quiesce') });
  // dns over UDP, connect on UDP (a ping), ping: not checked, and so the fallback is not kept
  for (const i of [3, 4, 5]) assert.equal(s[i]!.healthCheck, undefined, `service ${i}`);
  assert.equal(s[3]!.fallback, undefined);
  assert.deepEqual(s[6]!.healthCheck, {
    type: 'exec', command: '/usr/local/bin/check-app "$LVSYNC_VIP" "$LVSYNC_VPORT" "$LVSYNC_RS_ADDRESS" "$LVSYNC_RS_PORT"', ...every(10, 4, 3, 'quiesce'),
  });
  assert.deepEqual(s[6]!.realServers, [{ address: '10.4.0.9', method: 'nat' }, { address: '10.4.0.10', port: 9001, method: 'nat' }]);
  assert.deepEqual(s[7], {
    fwmark: 12, scheduler: 'wrr', realServers: [{ address: '10.4.0.11', method: 'dr' }],
    healthCheck: { type: 'exec', command: 'perl /etc/ldirectord/check.pl 12 0 "$LVSYNC_RS_ADDRESS" "$LVSYNC_RS_PORT"', ...every(10, 4, 3, 'quiesce') },
  });
  // off: nothing is ever activated
  assert.deepEqual(s[8], { protocol: 'tcp', address: '10.3.0.8', port: 80, scheduler: 'wrr', realServers: [{ address: '10.4.0.12', method: 'dr', weight: 0 }] });
  // on: always up, as without a check
  assert.deepEqual(s[9], { protocol: 'tcp', address: '10.3.0.9', port: 80, scheduler: 'wrr', realServers: [{ address: '10.4.0.13', method: 'dr' }] });
  assert.deepEqual(s[10]!.healthCheck, { type: 'http', path: '/', ...every(10, 8, 2, 'quiesce') });
  // port 8443 implies service none: check_none brings every server up
  assert.equal(s[11]!.healthCheck, undefined);
  assert.deepEqual(s[12]!.healthCheck, { type: 'http', path: '/', expectBody: 'Status: (ok|degraded)', ...every(10, 8, 3, 'quiesce') });
  assert.deepEqual(s[12]!.fallback, { address: '127.0.0.1', port: 8080, method: 'nat' });
  // a block's own timeout of the other kind comes before the global of the same kind (ld_setup)
  assert.deepEqual(s[13]!.healthCheck, { type: 'tcp', ...every(10, 6, 3, 'quiesce') });
  assert.deepEqual(s[14]!.healthCheck, { type: 'http', path: '/', ...every(10, 2, 3, 'quiesce') });
  // a firewall mark's service is none unless written: no check
  assert.deepEqual(s[15], { fwmark: 13, scheduler: 'wrr', realServers: [{ address: '10.4.0.19', method: 'dr' }] });
  assert.equal(s.length, 16);
  assert.deepEqual(comments(r), [[0, 11], [2, 21], [3, 25], [3, 27], [4, 32], [5, 36], [7, 47], [8, 51], [8, 52], [10, 60], [12, 69], [12, 70]]);
  assert.deepEqual(notes(r), [
    ['warning', 'IMPORT_UNSUPPORTED', 11], // checkinterval in a block without fork=yes
    ['warning', 'IMPORT_UNSUPPORTED', 21], // smtp → a TCP connect
    ['warning', 'IMPORT_UNSUPPORTED', 25], // dns over UDP: not checked
    ['info', 'IMPORT_UNSUPPORTED', 27], // its fallback, unused
    ['warning', 'IMPORT_UNSUPPORTED', 32], // connect on UDP is a ping
    ['warning', 'IMPORT_UNSUPPORTED', 36], // ping
    ['info', 'IMPORT_UNSUPPORTED', 47], // external-perl runs with perl
    ['info', 'IMPORT_UNSUPPORTED', 51], // off: the fallback
    ['warning', 'IMPORT_UNSUPPORTED', 52], // off: weight 0
    ['info', 'IMPORT_UNSUPPORTED', 60], // checktype=5
    ['warning', 'IMPORT_UNSUPPORTED', 69], // receive is a regular expression
    ['warning', 'IMPORT_UNSUPPORTED', 70], // HEAD
  ]);
});

test('whitespace: tabs and spaces mixed, trailing blanks, commented-out real= lines, one VIP:port for TCP and UDP', () => {
  const r = run('whitespace.cf');
  assert.deepEqual(r.document.services, [
    {
      protocol: 'tcp', address: '10.5.0.1', port: 53, scheduler: 'wrr',
      // 10.6.0.3 and 10.6.0.4 are commented out; "  \t" is 6 columns, inside the block
      realServers: [{ address: '10.6.0.1', method: 'dr' }, { address: '10.6.0.2', method: 'dr', weight: 2 }, { address: '10.6.0.5', method: 'dr' }],
      // no timeout anywhere: checktimeout's default of 5
      healthCheck: { type: 'tcp', ...every(5, 5, 1, 'remove') },
    },
    {
      protocol: 'udp', address: '10.5.0.1', port: 53, scheduler: 'wrr',
      realServers: [{ address: '10.6.0.1', method: 'dr' }, { address: '10.6.0.2', method: 'dr', weight: 2 }],
    },
  ]);
  assert.deepEqual(comments(r), []);
  assert.deepEqual(notes(r), []);
});

test('globals: fork=yes honours a block\'s checkinterval; global fallbacks per family and protocol, not for fwmark', () => {
  const r = run('globals.cf');
  assert.deepEqual(r.document.services, [
    {
      protocol: 'tcp', address: '10.7.0.1', port: 80, scheduler: 'wrr', realServers: [{ address: '10.8.0.1', method: 'nat' }],
      healthCheck: { type: 'http', path: '/', ...every(3, 30, 1, 'quiesce') },
      fallback: { address: '127.0.0.1', method: 'dr' },
    },
    {
      protocol: 'udp', address: '10.7.0.1', port: 5353, scheduler: 'wrr', realServers: [{ address: '10.8.0.2', method: 'dr' }],
      healthCheck: { type: 'exec', command: '/usr/lib/check-mdns "$LVSYNC_VIP" "$LVSYNC_VPORT" "$LVSYNC_RS_ADDRESS" "$LVSYNC_RS_PORT"', ...every(15, 5, 1, 'quiesce') },
      // a global fallback without a port takes each service's own
      fallback: { address: '127.0.0.1', method: 'dr' },
    },
    {
      protocol: 'tcp', address: '2001:db8::7', port: 80, scheduler: 'wrr', realServers: [{ address: '2001:db8::10', method: 'nat' }],
      healthCheck: { type: 'http', path: '/', ...every(15, 30, 1, 'quiesce') },
      fallback: { address: '::1', method: 'dr' },
    },
    {
      fwmark: 3, scheduler: 'wrr', realServers: [{ address: '10.8.0.3', method: 'dr' }],
      healthCheck: { type: 'tcp', port: 80, ...every(15, 5, 1, 'quiesce') },
    },
  ]);
  assert.deepEqual(comments(r), [[null, 2], [3, 21]]);
  assert.deepEqual(notes(r), [
    ['info', 'IMPORT_UNSUPPORTED', 2], // fork=yes
    ['warning', 'IMPORT_UNSUPPORTED', 21], // no global fallback for a firewall mark
  ]);
});

test('unsupported: everything lvsync has no use for is a comment where it belongs, and a note', () => {
  const r = run('unsupported.cf');
  assert.deepEqual(r.document.services?.map((s) => s.name ?? null), ['files', null]);
  assert.deepEqual(comments(r), [
    ...[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((line) => [null, line]),
    ...[18, 19, 20, 21, 22, 23, 24].map((line) => [0, line]),
    ...[29, 30, 31, 32].map((line) => [1, line]),
  ]);
  const warned = r.notes.filter((n) => n.severity === 'warning').map((n) => n.at.line);
  // maintenancedir, execute, fallbackcommand, readdquiescent=yes; ftp as TCP; fallbackcommand; the name taken twice
  assert.deepEqual(warned, [3, 4, 5, 7, 18, 24, 29]);
  assert.deepEqual(new Set(r.notes.map((n) => n.code)), new Set(['IMPORT_UNSUPPORTED']));
  assert.equal(r.notes.length, r.comments.length);
  // a password or RADIUS secret is never copied into the output
  assert.ok(!JSON.stringify(r).includes('secret-pw'));
});

test('ranges: a->b is every address between, across octets, compared as text as ldirectord does', () => {
  const r = run('ranges.cf');
  const addresses = r.document.services![0]!.realServers!.map((s) => s.address);
  assert.deepEqual(addresses, [
    '192.168.6.2', '192.168.6.3', '192.168.6.4', '192.168.6.5', '192.168.6.6', '192.168.6.7',
    '10.12.0.250', '10.12.0.251', '10.12.0.252', '10.12.0.253', '10.12.0.254', '10.12.0.255', '10.12.1.0', '10.12.1.1', '10.12.1.2', '10.12.1.3',
  ]);
  // 5.245.224.254 is 99999998, 5.245.225.1 is 100000001: "99999998" le "100000001" is false
  assert.deepEqual(notes(r), [['warning', 'IMPORT_SYNTAX', 5]]);
  assert.match(r.notes[0]!.message, /gives 0 of its 4 addresses/);
});

test('an INI file is refused with one error, and nothing is imported', () => {
  const r = run('settings.ini');
  assert.deepEqual(notes(r), [['error', 'IMPORT_SYNTAX', 1]]);
  assert.match(r.notes[0]!.message, /not an ldirectord configuration.*INI.*\[global\] on line 2/);
  assert.deepEqual(r.document, { version: 1, services: [] });
});

test('errors: what ldirectord refuses is refused, each at its line', () => {
  const r = run('errors.cf');
  assert.deepEqual(errors(r), [
    ['IMPORT_SYNTAX', 2], // quiescent=yes # …: no comments on a top-level line
    ['IMPORT_SYNTAX', 3], // checkinterval=0
    ['IMPORT_SYNTAX', 4], // bogus=1
    ['IMPORT_SYNTAX', 6], // real= without gate|masq|ipip
    ['IMPORT_COLLISION', 8], // the same real server twice
    ['IMPORT_UNRESOLVED', 9], // a host name
    ['IMPORT_SYNTAX', 10], // a backwards range
    ['IMPORT_SYNTAX', 11], // a range ending in 99999999 runs away
    ['IMPORT_SYNTAX', 12], // request not quoted
    ['IMPORT_SYNTAX', 13], // "no " with a trailing blank
    ['IMPORT_SYNTAX', 14], // protocol=sctp
    ['IMPORT_UNSUPPORTED', 15], // a scheduler lvsync does not know
    ['IMPORT_SYNTAX', 16], // checktype=sometimes
    ['IMPORT_SYNTAX', 17], // a top-level directive inside a block
    ['IMPORT_SYNTAX', 19], // indented after an empty line that ended the block
    ['IMPORT_COLLISION', 20], // the same virtual service twice
    ['IMPORT_SYNTAX', 22], // indented by 2 spaces only
    ['IMPORT_SYNTAX', 23], // IPv6 in virtual=
    ['IMPORT_UNRESOLVED', 24], // a service name that is no port
    ['IMPORT_SYNTAX', 25], // 10.0.0.300
    ['IMPORT_UNRESOLVED', 26], // a host name
    ['IMPORT_SYNTAX', 27], // IPv4 in virtual6=
    ['IMPORT_UNRESOLVED', 28], // a global fallback's port must resolve for udp too, and www is tcp only
  ]);
  assert.match(r.notes.find((n) => n.at.line === 19)!.message, /empty line 18 ended the block/);
  assert.deepEqual(r.notes.find((n) => n.at.line === 20)!.related, { file: 'errors.cf', line: 5, col: 9 });
});

test('the service-name lookup can be swapped, and a name it does not know is an error', () => {
  const lookup = (name: string, proto: 'tcp' | 'udp') => (name === 'app' && proto === 'tcp' ? 8443 : null);
  const r = importLdirectord('inline.cf', inline('virtual=10.0.0.1:app\n\treal=10.0.1.1:app masq\n\tchecktype=on\nvirtual=10.0.0.1:www\n\treal=10.0.1.1 gate\n'), { port: lookup });
  assert.deepEqual(r.document.services![0], { protocol: 'tcp', address: '10.0.0.1', port: 8443, scheduler: 'wrr', realServers: [{ address: '10.0.1.1', method: 'nat' }] });
  assert.deepEqual(errors(r), [['IMPORT_UNRESOLVED', 4]]);
});

test('a file that cannot be read is one error', () => {
  const r = run('missing.cf');
  assert.deepEqual(notes(r), [['error', 'IMPORT_SYNTAX', 1]]);
});

test('ldirectord\'s unanchored reading of a real= line: skipped text and out-of-order options are warned about', () => {
  const r = importLdirectord('inline.cf', inline([
    'virtual=10.0.0.1:80',
    '\treal=10.0.1.1:80 masq "a.html", "ok" 5', // the weight after the strings: ldirectord takes 5 and drops the strings
    '\treal=junk/10.0.1.2:80 gate', // ldirectord starts reading at 10.0.1.2
    '\tchecktype=on',
  ].join('\n')));
  assert.deepEqual(r.document.services![0]!.realServers, [{ address: '10.0.1.1', method: 'nat', weight: 5 }, { address: '10.0.1.2', method: 'dr' }]);
  assert.deepEqual(notes(r), [['warning', 'IMPORT_SYNTAX', 2], ['warning', 'IMPORT_SYNTAX', 3]]);
});

test('a block that yields no service moves its comments to the top', () => {
  const r = importLdirectord('inline.cf', inline('virtual=db.example.com:80\n\temailalert="a@b"\nvirtual=10.0.0.1:80\n\treal=10.0.1.1 gate\n\tchecktype=on\n'));
  assert.equal(r.document.services!.length, 1);
  assert.deepEqual(comments(r), [[null, 2]]);
  assert.deepEqual(errors(r), [['IMPORT_UNRESOLVED', 1]]);
});
