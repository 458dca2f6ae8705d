import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { desiredStateSchema } from '../../src/desired/schema/schema.js';
import { ALLOWED_SYSCTLS, checkSysctlValue } from '../../src/model/sysctls.js';
import { parseFixture } from './helpers.js';

/**
 * Kernel-wide settings in the desired state: normalised to what the kernel reports, merged across
 * files, and absent (not just empty) when no file declares any, so plans without settings are
 * exactly what they were before settings existed.
 */

const parse = (...texts: string[]) => parseDesiredSources(texts.map((text, i) => ({ file: `f${i}.yaml`, text })));

test('settings fixture: defaults applied, group canonical, values as the kernel prints them', () => {
  const result = parseFixture('valid/settings.yaml');
  assert.deepEqual(result.diagnostics, []);
  const settings = result.state?.settings;
  assert.ok(settings);
  assert.deepEqual(settings.timeouts, { tcp: 3600, tcpfin: 0, udp: 60 });
  assert.deepEqual(settings.syncDaemon, {
    master: { interface: 'eth1', syncId: 5, maxLength: 1400, group: 'ff02::1:81', port: 9000, ttl: 2 },
    backup: false,
  });
  assert.deepEqual([...settings.sysctls], [
    ['net.ipv4.ip_forward', '1'],
    ['net.ipv4.vs.expire_nodest_conn', '1'],
    ['net.ipv4.vs.expire_quiescent_template', '1'],
    ['net.ipv4.vs.sync_threshold', '3 50'],
  ]);
});

test('a daemon with only an interface gets ipvsadm\'s defaults and leaves maxLength to the kernel', () => {
  const r = parse('version: 1\nsyncDaemon:\n  backup: { interface: lo }\n');
  assert.deepEqual(r.state?.settings?.syncDaemon, {
    master: undefined,
    backup: { interface: 'lo', syncId: 0, maxLength: null, group: '224.0.0.81', port: 8848, ttl: 1 },
  });
});

test('no settings declared: the state has no settings at all; all-zero timeouts declare nothing', () => {
  assert.equal(parse('version: 1\nservices: []\n').state?.settings, undefined);
  assert.equal(parse('version: 1\ntimeouts: { tcp: 0, tcpfin: 0, udp: 0 }\nsyncDaemon: {}\nsysctls: {}\n').state?.settings, undefined);
});

test('files are merged: different settings in different files, the same value twice is fine, 0 agrees with anything', () => {
  const r = parse(
    'version: 1\ntimeouts: { tcp: 3600 }\nsysctls: { net.ipv4.vs.conntrack: 1 }\n',
    'version: 1\ntimeouts: { tcp: 3600, udp: 60, tcpfin: 0 }\nsyncDaemon: { master: { interface: eth1 } }\nsysctls: { net.ipv4.vs.conntrack: 1 }\n',
    'version: 1\ntimeouts: { tcpfin: 30, tcp: 0 }\nsyncDaemon: { master: { interface: eth1, syncId: 0 } }\n',
  );
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.state?.settings?.timeouts, { tcp: 3600, tcpfin: 30, udp: 60 });
  assert.equal(r.state?.settings?.syncDaemon.master && r.state.settings.syncDaemon.master.interface, 'eth1');
  assert.deepEqual([...(r.state?.settings?.sysctls ?? [])], [['net.ipv4.vs.conntrack', '1']]);
});

test('a conflict names both places', () => {
  const r = parse('version: 1\nsyncDaemon: { backup: false }\n', 'version: 1\nsyncDaemon:\n  backup: { interface: eth1 }\n');
  assert.equal(r.state, null);
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.file, d.line, d.col, d.related]), [
    ['SETTINGS_CONFLICT', 'f1.yaml', 3, 11, { file: 'f0.yaml', line: 2, col: 23 }],
  ]);
});

test('a schema error in one setting does not hide the rest of the file', () => {
  const r = parse('version: 1\ntimeouts: { tcp: -1 }\nsyncDaemon: { master: true }\nservices:\n  - { address: 10.0.0.1, port: 80, realServers: [{ address: 010.0.0.2 }] }\n');
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['SCHEMA', 'SYNC_DAEMON', 'ADDRESS_INVALID']);
});

test('the schema\'s sysctls are exactly the allow-list, with the same value rules', () => {
  const defs = desiredStateSchema()['$defs'] as Record<string, { properties: Record<string, Record<string, unknown>> }>;
  const props = defs['sysctls']!.properties;
  assert.deepEqual(Object.keys(props).sort(), [...ALLOWED_SYSCTLS.keys()].sort());
  for (const [name, kind] of ALLOWED_SYSCTLS) {
    const p = props[name]!;
    if (kind.kind === 'bool') assert.deepEqual(p['enum'], [0, 1], name);
    if (kind.kind === 'int') assert.deepEqual([p['type'], p['minimum'], p['maximum']], ['integer', kind.min, kind.max], name);
    if (kind.kind === 'pair') assert.equal(p['type'], 'string', name);
  }
  assert.deepEqual(checkSysctlValue({ kind: 'pair' }, ' 3\t50 '), { ok: '3 50' });
  assert.ok('error' in checkSysctlValue({ kind: 'bool' }, 2));
});
