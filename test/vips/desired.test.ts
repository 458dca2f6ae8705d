import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';

/**
 * `vips` in the desired state: which addresses are bound where, merged across files like the other
 * settings, overridden per director, with per-service opt-out; errors carry code and position.
 */

const parse = (texts: string[], director?: string) =>
  parseDesiredSources(texts.map((text, i) => ({ file: `f${i}.yaml`, text })), { director });
const bound = (texts: string[], director?: string) => {
  const r = parse(texts, director);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error'), []);
  return r.state?.vips ? [...r.state.vips.addresses.keys()] : null;
};
const at = (r: ReturnType<typeof parse>) => r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.col}`);

const SERVICES = `services:
  - name: web
    address: 10.0.0.10
    port: 80
  - name: web-tls
    address: 10.0.0.10
    port: 443
  - name: api
    address: 2001:DB8::20
    port: 443
  - name: mark
    fwmark: 7
`;

test('every address service\'s VIP is bound once, IPv4 as /32 and IPv6 as /128, canonical; fwmark services have none', () => {
  assert.deepEqual(bound([`version: 1\nvips: { bind: true, device: lo }\n${SERVICES}`]), ['10.0.0.10/32 lo', '2001:db8::20/128 lo']);
});

test('no vips: nothing declared (absent, so no ip is ever read); bind false or omitted: declared, nothing bound', () => {
  assert.equal(bound([`version: 1\n${SERVICES}`]), null);
  assert.deepEqual(bound([`version: 1\nvips: { bind: false, device: lo }\n${SERVICES}`]), []);
  assert.deepEqual(bound([`version: 1\nvips: { device: lo }\n${SERVICES}`]), []);
});

test('bindVip: false leaves a VIP alone; extra adds fwmark VIPs', () => {
  const text = `version: 1\nvips: { bind: true, device: eth1, extra: [10.0.0.30, '2001:db8::30'] }\n${SERVICES.replace('port: 80\n', 'port: 80\n    bindVip: false\n').replace('port: 443\n  - name: api', 'port: 443\n    bindVip: false\n  - name: api')}`;
  assert.deepEqual(bound([text]), ['10.0.0.30/32 eth1', '2001:db8::20/128 eth1', '2001:db8::30/128 eth1']);
});

test('bind: true without device is an error at the bind value, saying what to add', () => {
  const r = parse([`version: 1\nvips:\n  bind: true\n${SERVICES}`]);
  assert.equal(r.state, null);
  assert.deepEqual(at(r), ['VIPS_DEVICE f0.yaml:3:9']);
  assert.match(r.diagnostics[0]!.message, /vips\.device/);
});

test('files merge: fields may come from different files; the same field twice with different values is SETTINGS_CONFLICT at the second', () => {
  assert.deepEqual(bound([`version: 1\nvips: { bind: true }\n${SERVICES}`, 'version: 1\nvips: { device: lo }\n']), ['10.0.0.10/32 lo', '2001:db8::20/128 lo']);
  const r = parse([`version: 1\nvips: { bind: true, device: lo }\n${SERVICES}`, 'version: 1\nvips:\n  device: eth1\n']);
  assert.deepEqual(at(r), ['SETTINGS_CONFLICT f1.yaml:3:11']);
  assert.deepEqual(r.diagnostics[0]!.related, { file: 'f0.yaml', line: 2, col: 29 });
});

test('overrides.<director>.vips replaces fields on that director only', () => {
  const text = `version: 1\nvips: { bind: true, device: lo }\n${SERVICES.replace('  - name: web\n', '  - name: web\n    directors: [lb1, lb2]\n')}overrides:\n  lb2:\n    vips: { bind: false }\n  lb3:\n    vips: { device: dummy0 }\nfleet:\n  pairs: [[lb1, lb2], [lb3, lb4]]\n`;
  assert.deepEqual(bound([text], 'lb1'), ['10.0.0.10/32 lo', '2001:db8::20/128 lo']);
  assert.deepEqual(bound([text], 'lb2'), []);
  // web-tls (10.0.0.10:443) names no directors, so its VIP is on lb3 too
  assert.deepEqual(bound([text], 'lb3'), ['10.0.0.10/32 dummy0', '2001:db8::20/128 dummy0']);
});

test('schema and rule errors are positioned: an unknown vips key, a bad device, a bad extra address, bindVip on a fwmark service', () => {
  assert.deepEqual(at(parse(['version: 1\nvips: { bind: true, device: lo, devices: [eth1] }\n'])).map((s) => s.split(' ')[0]), ['SCHEMA']);
  assert.deepEqual(at(parse(['version: 1\nvips:\n  bind: true\n  device: "eth 1"\n'])), ['SCHEMA f0.yaml:4:11']);
  assert.deepEqual(at(parse(['version: 1\nvips:\n  bind: true\n  device: lo\n  extra: [10.0.0.300]\n'])), ['VIPS_ADDRESS f0.yaml:5:11']);
  assert.deepEqual(at(parse(['version: 1\nservices:\n  - fwmark: 7\n    bindVip: false\n'])), ['BIND_VIP_FWMARK f0.yaml:4:5']);
});
