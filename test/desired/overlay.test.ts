import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { formatSave } from '../../src/live/format-save.js';
import { server, service } from './helpers.js';

/**
 * Per-director overlays: which services a director gets (`directors`, labels), how its overrides
 * merge (field by field, real servers by address and port), that settings overrides replace the
 * files' values, and that every problem has a code and the position of the node that causes it.
 */

const BASE = `version: 1
services:
  - name: web
    address: 192.168.30.10
    port: 80
    scheduler: wrr
    realServers:
      - { address: 10.30.0.11, port: 8080, method: nat, weight: 3 }
      - { address: 10.30.0.12, port: 8080, method: nat, weight: 3 }
  - name: only-lb1
    directors: [lb1]
    address: 192.168.30.11
    port: 80
timeouts: { tcp: 900, udp: 300 }
syncDaemon:
  master: { interface: eth1, syncId: 30 }
  backup: false
sysctls:
  net.ipv4.vs.expire_nodest_conn: 1
`;

const OVERRIDES = `version: 1
fleet:
  pairs: [[lb1, lb2]]
overrides:
  lb2:
    syncDaemon:
      master: false
      backup: { interface: eth1, syncId: 30 }
    timeouts: { udp: 60 }
    services:
      web:
        scheduler: rr
        realServers:
          - { address: 10.30.0.12, weight: 0 }
`;

const parse = (director: string | undefined, ...texts: string[]) =>
  parseDesiredSources(texts.map((text, i) => ({ file: `f${i}.yaml`, text })), { director });

const codes = (r: ReturnType<typeof parse>) => r.diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.col]);

test('a service with directors: [lb1] is on lb1 only; one without directors is on every director', () => {
  const lb1 = parse('lb1', BASE, OVERRIDES);
  const lb2 = parse('lb2', BASE, OVERRIDES);
  assert.deepEqual(lb1.diagnostics, []);
  assert.deepEqual(lb2.diagnostics, []);
  assert.deepEqual([...lb1.state!.table.services.keys()], ['tcp|192.168.30.10|80', 'tcp|192.168.30.11|80']);
  assert.deepEqual([...lb2.state!.table.services.keys()], ['tcp|192.168.30.10|80']);
});

test('an override of one weight changes that server only, without repeating the list', () => {
  const lb2 = parse('lb2', BASE, OVERRIDES);
  const web = service(lb2, 'tcp|192.168.30.10|80');
  assert.equal(web.scheduler, 'rr');
  assert.equal(server(web, '10.30.0.12|8080').weight, 0);
  assert.equal(server(web, '10.30.0.12|8080').method, 'nat');
  assert.equal(server(web, '10.30.0.11|8080').weight, 3);
  assert.equal(web.servers.size, 2);
  // lb1 keeps the file's values
  const lb1web = service(parse('lb1', BASE, OVERRIDES), 'tcp|192.168.30.10|80');
  assert.equal(lb1web.scheduler, 'wrr');
  assert.equal(server(lb1web, '10.30.0.12|8080').weight, 3);
});

test('settings overrides replace the files\' value of each timeout and daemon role they name, nothing else', () => {
  const lb2 = parse('lb2', BASE, OVERRIDES).state!.settings!;
  assert.deepEqual(lb2.timeouts, { tcp: 900, tcpfin: 0, udp: 60 });
  assert.equal(lb2.syncDaemon.master, false);
  assert.deepEqual(lb2.syncDaemon.backup, { interface: 'eth1', syncId: 30, maxLength: null, group: '224.0.0.81', port: 8848, ttl: 1 });
  assert.deepEqual([...lb2.sysctls], [['net.ipv4.vs.expire_nodest_conn', '1']]);
  const lb1 = parse('lb1', BASE, OVERRIDES).state!.settings!;
  assert.deepEqual(lb1.timeouts, { tcp: 900, tcpfin: 0, udp: 300 });
  assert.equal(lb1.syncDaemon.backup, false);
});

test('real servers: port picks one of several with the same address, remove leaves one out, a new one is added', () => {
  const base = `version: 1
services:
  - name: api
    address: 192.168.30.20
    port: 80
    realServers:
      - { address: 10.0.0.1, port: 8080, method: nat }
      - { address: 10.0.0.1, port: 8081, method: nat }
      - { address: 10.0.0.2, port: 8080, method: nat }
`;
  const ov = `version: 1
overrides:
  lb2:
    services:
      api:
        realServers:
          - { address: 10.0.0.1, port: 8081, weight: 5 }
          - { address: 10.0.0.2, remove: true }
          - { address: 10.0.0.3, port: 8080, method: nat }
fleet: { pairs: [[lb1, lb2]] }
`;
  const api = service(parse('lb2', base, ov), 'tcp|192.168.30.20|80');
  assert.deepEqual([...api.servers.values()].map((s) => [s.key, s.weight]), [['10.0.0.1|8080', 1], ['10.0.0.1|8081', 5], ['10.0.0.3|8080', 1]]);
  // without port, the address is ambiguous: an error on the override's entry
  const ambiguous = parse('lb2', base, ov.replace('{ address: 10.0.0.1, port: 8081, weight: 5 }', '{ address: 10.0.0.1, weight: 5 }'));
  assert.equal(ambiguous.state, null);
  assert.deepEqual(codes(ambiguous), [['OVERRIDE_SERVER', 'error', 'f1.yaml', 7, 13]]);
});

test('an override naming an unknown service is an error at the override\'s key, for every director', () => {
  const bad = OVERRIDES.replace('      web:\n', '      wbe:\n');
  for (const director of ['lb1', 'lb2']) {
    const r = parse(director, BASE, bad);
    assert.equal(r.state, null, director);
    assert.deepEqual(codes(r), [['OVERRIDE_UNKNOWN_SERVICE', 'error', 'f1.yaml', 11, 7]], director);
  }
});

test('an override of a service that is not on that director is an error pointing at both places', () => {
  const bad = `${OVERRIDES}      only-lb1:\n        scheduler: rr\n`;
  const r = parse('lb1', BASE, bad);
  assert.equal(r.state, null);
  assert.deepEqual(codes(r), [['OVERRIDE_NOT_ON_DIRECTOR', 'error', 'f1.yaml', 15, 7]]);
  assert.deepEqual(r.diagnostics[0]!.related, { file: 'f0.yaml', line: 10, col: 5 });
});

test('a rule broken by an override value points at the override file:line:col', () => {
  const bad = OVERRIDES.replace('- { address: 10.30.0.12, weight: 0 }', '- { address: 10.30.0.12, weight: 0 }\n          - { address: 10.30.0.99, port: 9999, method: dr }');
  const r = parse('lb2', BASE, bad);
  assert.deepEqual(codes(r), [['DR_PORT_MISMATCH', 'error', 'f1.yaml', 15, 42]]);
  // the same rule on lb1 (no override) has nothing to say
  assert.deepEqual(parse('lb1', BASE, bad).diagnostics, []);
});

test('an override for a director nothing names is a warning; a typo in an override is a schema error', () => {
  const unknown = parse('lb1', BASE, 'version: 1\noverrides:\n  lb9:\n    timeouts: { tcp: 5 }\n');
  assert.ok(unknown.state);
  assert.deepEqual(codes(unknown), [['OVERRIDE_UNKNOWN_DIRECTOR', 'warning', 'f1.yaml', 3, 3]]);
  const typo = parse('lb2', BASE, OVERRIDES.replace('scheduler: rr', 'schedular: rr'));
  assert.deepEqual(codes(typo), [['SCHEMA', 'error', 'f1.yaml', 12, 9]]);
});

test('labels: a service for a label is on its members; a label is not a director', () => {
  const text = `version: 1
fleet:
  labels: { eu: [lb1, lb2] }
services:
  - { name: eu-web, directors: [eu], address: 192.168.30.30, port: 80 }
`;
  assert.equal(parse('lb2', text).state!.table.services.size, 1);
  assert.deepEqual(codes(parse('lb3', text)), [['DIRECTOR_UNKNOWN', 'warning', undefined, undefined, undefined]]);
  assert.equal(parse('lb3', text).state!.table.services.size, 0);
  assert.deepEqual(codes(parse('eu', text)).map((c) => c[0]), ['DIRECTOR_LABEL']);
  assert.deepEqual(codes(parse('lb1', text, 'version: 1\noverrides:\n  eu: {}\n')), [['FLEET_LABEL', 'error', 'f1.yaml', 3, 3]]);
});

test('no directors, overrides or fleet: the result is the same for every director and without one', () => {
  const plain = BASE.replace('    directors: [lb1]\n', '');
  const without = parse(undefined, plain);
  for (const director of ['lb1', 'anything']) {
    const r = parse(director, plain);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(formatSave(r.state!.table), formatSave(without.state!.table));
    assert.deepEqual(r.state!.settings, without.state!.settings);
    assert.equal(r.fleet?.used, false);
  }
});

test('loadDesired\'s parse cache keys on the director: the same files give each director its own state', async () => {
  const { loadDesired } = await import('../../src/desired/load.js');
  const { tempTree } = await import('../helpers/cli.js');
  const dir = tempTree({ 'a.yaml': BASE, 'b.yaml': OVERRIDES });
  const weight = async (director: string) => {
    const r = await loadDesired([dir], { director });
    return server(service(r, 'tcp|192.168.30.10|80'), '10.30.0.12|8080').weight;
  };
  assert.equal(await weight('lb1'), 3);
  assert.equal(await weight('lb2'), 0);
  assert.equal(await weight('lb1'), 3);
});
