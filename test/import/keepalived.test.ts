import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { parseGroupMember } from '../../src/import/keepalived/addresses.js';
import { importKeepalived } from '../../src/import/keepalived/index.js';
import { decomment, splitBraces, splitQuotedEscaped, splitWords } from '../../src/import/keepalived/text.js';
import type { ImportResult } from '../../src/import/types.js';
import { memorySources } from './sources.js';

/** Behaviours of the keepalived importer on small inputs (the fixtures cover whole files). */

function run(files: Record<string, string>, options: { keepVrrp?: string } = {}): ImportResult & { vrrp?: string } {
  return importKeepalived('k.conf', memorySources(files), options);
}

const notes = (r: ImportResult) => r.notes.map((n) => `${n.severity} ${n.code} ${n.at.file}:${n.at.line}${n.at.col !== undefined ? `:${n.at.col}` : ''}`);
const errors = (r: ImportResult) => r.notes.filter((n) => n.severity === 'error').map((n) => `${n.code} ${n.at.line}:${n.at.col ?? ''}`);

function valid(r: ImportResult): void {
  const out = parseDesiredSources([{ file: 'x.yaml', text: stringify(r.document) }]);
  assert.deepEqual(out.diagnostics.filter((d) => d.severity === 'error'), []);
}

// a virtual_server with one real server, for the cases that only vary a few lines
const vs = (body: string, head = '10.0.0.1 80') => `virtual_server ${head} {\n${body}\n  real_server 10.1.0.1 80 {\n  }\n}\n`;

test('decomment: `!` and `#` start a comment anywhere outside quotes, `\\#` is a #, columns are kept', () => {
  assert.equal(decomment('  lb_algo rr   # round robin').text, 'lb_algo rr');
  assert.equal(decomment('\tdelay_loop 6\t! six').text, 'delay_loop 6');
  assert.equal(decomment('path "/a#b!c" # real comment').text, 'path "/a#b!c"');
  assert.equal(decomment('path /a\\#b').text, 'path /a#b');
  assert.equal(decomment('# whole line').text, '');
  assert.equal(decomment('x \\').text, 'x\\');
  const d = decomment('\t\tweight 2');
  assert.deepEqual([d.text, d.cols[0]], ['weight 2', 3]);
  assert.equal(decomment('a "open').unterminatedQuote, true);
});

test('splitBraces: a line is cut at every brace outside quotes, as read_line hands it out', () => {
  const pieces = splitBraces(decomment('real_server 10.0.0.1 80 { weight 2 } x')).map((s) => (s.kind === 'text' ? s.chars.text : s.kind));
  assert.deepEqual(pieces, ['real_server 10.0.0.1 80', 'open', 'weight 2', 'close', 'x']);
  const quoted = splitBraces(decomment('misc_path "/bin/x {a}"')).map((s) => (s.kind === 'text' ? s.chars.text : s.kind));
  assert.deepEqual(quoted, ['misc_path "/bin/x {a}"']);
  const cols = splitBraces(decomment('ab { cd')).map((s) => (s.kind === 'text' ? s.chars.cols[0] : s.col));
  assert.deepEqual(cols, [1, 4, 6]);
});

test('splitWords and splitQuotedEscaped: keepalived\'s two ways of reading words', () => {
  assert.deepEqual(splitWords(decomment('quorum_up "/usr/bin/x y" z')).words.map((w) => w.text), ['quorum_up', '/usr/bin/x y', 'z']);
  assert.notEqual(splitWords(decomment('a "b')).unmatchedQuoteCol, null);
  assert.deepEqual(splitQuotedEscaped('/bin/check --name \'a b\' "c d" e\\ f \\x41 \\t'), ['/bin/check', '--name', 'a b', 'c d', 'e f', 'A', '\t']);
  assert.equal(splitQuotedEscaped('"open'), null);
});

test('virtual_server_group members expand exactly as keepalived walks them', () => {
  const addresses = (words: string) => {
    const r = parseGroupMember(words.split(' '));
    assert.ok(r.ok, words);
    return r.member.kind === 'addresses' ? r.member.addresses : [];
  };
  assert.deepEqual(addresses('192.168.200.3-5 80'), ['192.168.200.3', '192.168.200.4', '192.168.200.5']);
  assert.deepEqual(addresses('10.0.0.254-10.0.1.1 80'), ['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
  assert.deepEqual(addresses('10.9.9.4/30 80'), ['10.9.9.4', '10.9.9.5', '10.9.9.6', '10.9.9.7']);
  assert.deepEqual(addresses('200.1.1.250-252 80'), ['200.1.1.250', '200.1.1.251', '200.1.1.252']);
  // IPv6: the last group, in hexadecimal
  assert.deepEqual(addresses('ae00::9-b 80'), ['ae00::9', 'ae00::a', 'ae00::b']);
  // a full IPv6 range walks the last group only, wrapping at ffff (ipvs_group_range_cmd)
  assert.deepEqual(addresses('2001:db8::1:ffff-2001:db8::2:1 80'), ['2001:db8::1:ffff', '2001:db8::1:0', '2001:db8::1:1']);
  assert.equal(addresses('2001:db8::/120 80').length, 256);
  const refused = (words: string) => { const r = parseGroupMember(words.split(' ')); assert.equal(r.ok, false, words); };
  refused('10.0.0.5-5 80'); // the end must be greater than the start
  refused('10.0.0.5-300 80');
  refused('10.0.0.1/24 80'); // host bits set
  refused('10.0.0.0/8 80'); // too many services
  refused('fwmark 0');
  refused('fwmark 3 inet7');
  refused('10.0.0.1 99999');
  const fw = parseGroupMember(['fwmark', '9', 'inet6']);
  assert.deepEqual(fw.ok && fw.member, { kind: 'fwmark', mark: 9, family: 'ipv6' });
  const port0 = parseGroupMember(['10.0.0.1', '0']);
  assert.deepEqual(port0.ok && port0.member.kind === 'addresses' && port0.member.port, null);
});

test('definitions: $NAME, ${NAME} and ~SEQ lines are expanded; multi-line ones and ~LST are refused with their line', () => {
  const r = run({ 'k.conf': [
    '$VIP=10.0.0.1',
    '$PORT=80   # a comment is not part of the value',
    'virtual_server ${VIP} $PORT {',
    '  protocol TCP',
    '~SEQ(n, 1, 3) real_server 10.1.0.$n $PORT { weight $n }',
    '}',
  ].join('\n') });
  assert.deepEqual(r.document.services?.[0]?.realServers?.map((s) => [s.address, s.weight ?? 1]), [['10.1.0.1', 1], ['10.1.0.2', 2], ['10.1.0.3', 3]]);
  assert.equal(r.document.services?.[0]?.address, '10.0.0.1');
  assert.deepEqual(r.notes, []);
  const hex = run({ 'k.conf': 'virtual_server_group G {\n~SEQx(i, 9, 11) 2001:db8::$i 80\n}\nvirtual_server group G {\n protocol TCP\n lb_kind DR\n real_server 2001:db8:1::1 80 {\n }\n}\n' });
  assert.deepEqual(hex.document.services?.map((s) => s.address), ['2001:db8::9', '2001:db8::a', '2001:db8::b']);
  const multi = run({ 'k.conf': '$RS=real_server 10.1.0.1 80 { \\\n  weight 2 }\nvirtual_server 10.0.0.1 80 {\n}\n~LST(a, b) x\n' });
  assert.deepEqual(errors(multi), ['IMPORT_UNSUPPORTED 1:1', 'IMPORT_UNSUPPORTED 5:1']);
});

test('@id lines: `@id` lines are dropped and `@^id` lines kept, each with a warning', () => {
  const r = run({ 'k.conf': '@lb1 virtual_server 10.0.0.9 80 {\n@^lb1 virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.1.0.1 80 {\n }\n}\n' });
  assert.deepEqual(r.document.services?.map((s) => s.address), ['10.0.0.1']);
  assert.deepEqual(notes(r), ['warning IMPORT_UNSUPPORTED k.conf:1:1', 'warning IMPORT_UNSUPPORTED k.conf:2:1']);
});

test('includes: a missing file is a warning for `include`, an error for `includem`; a loop is an error', () => {
  const missing = run({ 'k.conf': 'include conf.d/*.conf\nincludem /etc/nothere.conf\n' });
  assert.deepEqual(notes(missing), ['warning IMPORT_UNKNOWN k.conf:1:1', 'error IMPORT_SYNTAX k.conf:2:1']);
  const loop = run({ 'k.conf': 'include a.conf\n', 'a.conf': 'include k.conf\n' });
  assert.deepEqual(notes(loop), ['error IMPORT_SYNTAX a.conf:1:1']);
  // an include inside a block, the block closed in the including file
  const inside = run({ 'k.conf': 'virtual_server 10.0.0.1 80 {\n protocol TCP\n include rs/*.conf\n}\n', 'rs/a.conf': 'real_server 10.1.0.1 80 {\n}\n', 'rs/b.conf': 'real_server 10.1.0.2 80 {\n}\n' });
  assert.deepEqual(inside.document.services?.[0]?.realServers?.map((s) => s.address), ['10.1.0.1', '10.1.0.2']);
});

test('block errors are IMPORT_SYNTAX with line and column; unknown keywords are warnings', () => {
  const missing = run({ 'k.conf': 'virtual_server 10.0.0.1 80\n protocol TCP\n real_server 10.1.0.1 80 {\n }\n}\n' });
  assert.deepEqual(errors(missing), ['IMPORT_SYNTAX 1:27']);
  // keepalived reads on as if the brace were there: the service is still what was meant
  assert.equal(missing.document.services?.[0]?.realServers?.length, 1);
  assert.deepEqual(errors(run({ 'k.conf': vs('  protocol TCP') + '}\n' })), ['IMPORT_SYNTAX 6:1']);
  assert.deepEqual(errors(run({ 'k.conf': 'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.1.0.1 80 {\n' })), ['IMPORT_SYNTAX 1:1', 'IMPORT_SYNTAX 3:3']);
  assert.deepEqual(errors(run({ 'k.conf': vs('  protocol TCP\n  HTTP_CHECK {\n  }') })), ['IMPORT_SYNTAX 3:3']);
  assert.deepEqual(errors(run({ 'k.conf': vs('  protocol TCP {\n  }') })), ['IMPORT_SYNTAX 2:16']);
  const unknown = run({ 'k.conf': vs('  protocol TCP\n  nb_get_retry 3\n  lb_algo rr') });
  assert.deepEqual(notes(unknown), ['warning IMPORT_UNKNOWN k.conf:3:3']);
  assert.equal(unknown.document.services?.[0]?.scheduler, 'rr');
  assert.deepEqual(notes(run({ 'k.conf': 'vrrp_foo 1\n' })), ['warning IMPORT_UNKNOWN k.conf:1:1']);
});

test('keepalived\'s defaults: NAT, UDP without protocol, persistence 360 s, retry 1 (0 for MISC_CHECK), delay_loop 60 s, connect_timeout 5 s', () => {
  const r = run({ 'k.conf': [
    'virtual_server 10.0.0.1 80 {',
    '  persistence_timeout',
    '  real_server 10.1.0.1 80 {',
    '    TCP_CHECK {',
    '    }',
    '  }',
    '  real_server 10.1.0.2 80 {',
    '    MISC_CHECK {',
    '      misc_path /bin/true',
    '    }',
    '  }',
    '}',
  ].join('\n') });
  const svc = r.document.services?.[0];
  assert.equal(svc?.protocol, 'udp');
  assert.deepEqual(svc?.persistence, { timeout: 360 });
  assert.deepEqual(svc?.realServers?.map((s) => s.method), ['nat', 'nat']);
  assert.deepEqual(svc?.realServers?.[0]?.healthCheck, { type: 'tcp', interval: '60s', timeout: '5s', rise: 1, fall: 2, onFailure: 'remove' });
  // MISC_CHECK: retry 0 → fall 1; its timeout is the virtual server's delay_loop
  assert.deepEqual(svc?.realServers?.[1]?.healthCheck, { type: 'exec', command: ['/bin/true'], interval: '60s', timeout: '60s', rise: 1, fall: 1, onFailure: 'remove' });
  valid(r);
});

test('retry → fall = retry + 1, inherited checker → real_server → virtual_server; inhibit_on_failure → quiesce', () => {
  const r = run({ 'k.conf': [
    'virtual_server 10.0.0.1 80 {',
    '  protocol TCP',
    '  retry 4',
    '  delay_loop 3',
    '  inhibit_on_failure',
    '  real_server 10.1.0.1 80 {',
    '    TCP_CHECK {',
    '    }',
    '  }',
    '  real_server 10.1.0.2 80 {',
    '    retry 2',
    '    inhibit_on_failure no',
    '    TCP_CHECK {',
    '      retry 0',
    '    }',
    '  }',
    '}',
  ].join('\n') });
  const svc = r.document.services?.[0];
  assert.deepEqual(svc?.healthCheck, { type: 'tcp', interval: '3s', timeout: '5s', rise: 1 });
  assert.deepEqual(svc?.realServers?.map((s) => s.healthCheck), [{ fall: 5, onFailure: 'quiesce' }, { fall: 1, onFailure: 'remove' }]);
  valid(r);
});

test('a checked fwmark real server without port and connect_port is refused: keepalived would probe port 0', () => {
  const r = run({ 'k.conf': 'virtual_server fwmark 5 {\n  lb_kind DR\n  real_server 10.1.0.1 {\n    TCP_CHECK {\n    }\n  }\n}\n' });
  assert.deepEqual(errors(r), ['IMPORT_UNSUPPORTED 4:5']);
  const ok = run({ 'k.conf': 'virtual_server fwmark 5 {\n  lb_kind DR\n  real_server 10.1.0.1 {\n    TCP_CHECK {\n      connect_port 443\n    }\n  }\n}\n' });
  assert.deepEqual(errors(ok), []);
  assert.equal(ok.document.services?.[0]?.healthCheck?.port, 443);
  valid(ok);
});

test('the sorry server: its method, its port, and dropped when it is also a real server', () => {
  const r = run({ 'k.conf': vs('  protocol TCP\n  lb_kind DR\n  sorry_server 10.1.0.9 80') });
  assert.deepEqual(r.document.services?.[0]?.fallback, { address: '10.1.0.9', method: 'dr' });
  const same = run({ 'k.conf': vs('  protocol TCP\n  lb_kind DR\n  sorry_server 10.1.0.1 80') });
  assert.equal(same.document.services?.[0]?.fallback, undefined);
  assert.deepEqual(notes(same), ['warning IMPORT_UNSUPPORTED k.conf:4:3']);
});

test('lvs_sync_daemon: both roles for the instance it follows; without a known instance nothing, as in keepalived', () => {
  const vrrp = 'vrrp_instance VI_9 {\n  virtual_router_id 9\n}\n';
  const r = run({ 'k.conf': `global_defs {\n  lvs_sync_daemon eth2 VI_9 4\n}\n${vrrp}` });
  assert.deepEqual(r.document.syncDaemon, { master: { interface: 'eth2', syncId: 4 }, backup: { interface: 'eth2', syncId: 4 } });
  valid(r);
  const none = run({ 'k.conf': 'global_defs {\n  lvs_sync_daemon eth2\n}\n' });
  assert.equal(none.document.syncDaemon, undefined);
  assert.deepEqual(notes(none), ['warning IMPORT_UNSUPPORTED k.conf:2:3']);
  const unknown = run({ 'k.conf': `global_defs {\n  lvs_sync_daemon eth2 inst VI_1\n}\n${vrrp}` });
  assert.equal(unknown.document.syncDaemon, undefined);
  const timeouts = run({ 'k.conf': 'global_defs {\n  lvs_timeouts udp 30 tcp 900 bogus 1\n}\n' });
  assert.deepEqual(timeouts.document.timeouts, { udp: 30, tcp: 900 });
  // keepalived steps over `bogus` and then over `1`: two unknown options
  assert.deepEqual(notes(timeouts), ['warning IMPORT_UNKNOWN k.conf:2:31', 'warning IMPORT_UNKNOWN k.conf:2:37']);
});

test('--keep-vrrp: includes are inlined, IPVS parts removed even when they share a line with VRRP', () => {
  const r = run({
    'k.conf': 'global_defs {\n  router_id A\n  lvs_timeouts tcp 10\n}\ninclude v.conf\nvirtual_server 10.0.0.1 80 { protocol TCP\n  real_server 10.1.0.1 80 {\n  }\n} vrrp_script chk { script "/bin/true" }\n',
    'v.conf': 'vrrp_instance VI_1 {\n  virtual_router_id 1\n  lvs_sync_daemon_interface eth1\n}\n',
  }, { keepVrrp: 'out.conf' });
  const body = r.vrrp!.split('\n').filter((l) => !/^! (keepalived configuration|lvsync manages|lvs_\*|Each vrrp_instance|director whose|healthy real servers)/.test(l) && l !== '!');
  assert.deepEqual(body, [
    'global_defs {',
    '  router_id A',
    '  vrrp_notify_fifo /run/lvsync/vrrp.fifo   # lvsync watch reads the VRRP states here (vrrp.notifyFifo)',
    '}',
    '! include v.conf  (inlined below by lvsync import)',
    '! ---- v.conf ----',
    'track_file lvsync_VI_1 {   # written by lvsync watch: 0 when ready, vrrp.instances.VI_1.weight when not',
    '    file /run/lvsync/vrrp/VI_1.track',
    '    weight 1',
    '}',
    '',
    'vrrp_instance VI_1 {',
    '  virtual_router_id 1',
    '  track_file {   # lvsync watch: hand the VIPs over when lvsync is not healthy',
    '    lvsync_VI_1',
    '  }',
    '}',
    '! ---- k.conf ----',
    ' vrrp_script chk { script "/bin/true" }',
    '',
  ]);
});

test('protocol, ops and one-packet: ops survives only with UDP or a fwmark', () => {
  const udp = run({ 'k.conf': vs('  protocol UDP\n  ops') });
  assert.equal(udp.document.services?.[0]?.onePacket, true);
  const fw = run({ 'k.conf': vs('  ops\n  lb_kind DR', 'fwmark 3') });
  assert.equal(fw.document.services?.[0]?.onePacket, true);
  assert.equal(fw.document.services?.[0]?.protocol, undefined);
  valid(fw);
});

test('--keep-vrrp: the desired state declares each instance by its VIPs; keepalived\'s own notify FIFO is reused; a one-line instance is noted', () => {
  const r = run({
    'k.conf': 'global_defs {\n  notify_fifo /run/ka.fifo\n}\nvrrp_instance VI_1 {\n  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.1/24 dev eth0\n    10.0.0.2\n  }\n  virtual_ipaddress_excluded {\n    2001:db8::1\n  }\n}\nvrrp_instance VI_2 { virtual_router_id 2 }\n',
  }, { keepVrrp: 'out.conf' });
  assert.deepEqual(r.document.vrrp, { notifyFifo: '/run/ka.fifo', instances: { VI_1: { addresses: ['10.0.0.1/24', '10.0.0.2', '2001:db8::1'] }, VI_2: {} } });
  assert.doesNotMatch(r.vrrp!, /vrrp_notify_fifo/);
  assert.match(r.vrrp!, /track_file \{[^\n]*\n {4}lvsync_VI_1\n {2}\}\n\}/);
  assert.doesNotMatch(r.vrrp!, /lvsync_VI_2/);
  assert.ok(notes(r).includes('warning IMPORT_KEPT k.conf:14:1'), notes(r).join(', '));
  valid(r);
  // without --keep-vrrp, keepalived keeps its configuration and the document declares no vrrp
  assert.equal(run({ 'k.conf': 'vrrp_instance VI_1 {\n  virtual_router_id 1\n}\n' }).document.vrrp, undefined);
});
