import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SERVER, listFixtures, parseFixture, server, service } from './helpers.js';

/**
 * Valid fixtures → the normalised model, value by value: what the kernel would store, so the
 * planner can compare it with `ipvsadm -S -n` by plain equality.
 */

test('every valid fixture parses without diagnostics', () => {
  for (const { name } of listFixtures('valid', '.yaml')) {
    const result = parseFixture(`valid/${name}.yaml`);
    assert.deepEqual(result.diagnostics, [], name);
    assert.ok(result.state, name);
    assert.deepEqual(result.state.files, [`valid/${name}.yaml`]);
  }
});

test('minimal: every default applied', () => {
  const result = parseFixture('valid/minimal.yaml');
  const svc = service(result, 'tcp|192.168.10.100|80');
  assert.deepEqual(svc, {
    key: 'tcp|192.168.10.100|80',
    target: { kind: 'address', protocol: 'tcp', family: 'ipv4', address: '192.168.10.100', port: 80 },
    name: null, scheduler: 'wlc', schedulerFlags: 0, persistence: null, persistenceEngine: null, onePacket: false,
    servers: new Map([['10.0.0.11|80', { key: '10.0.0.11|80', family: 'ipv4', address: '10.0.0.11', port: 80, ...DEFAULT_SERVER }]]),
  });
  assert.deepEqual(result.state?.scope, { prune: true, addresses: [], fwmarks: [], maxDeleteShare: 0.5 });
  assert.deepEqual(result.state?.origins.get(svc.key), { file: 'valid/minimal.yaml', line: 4, col: 5 });
});

test('full: every field, flags as a bitset, scope canonicalised', () => {
  const result = parseFixture('valid/full.yaml');
  const web = service(result, 'tcp|192.168.10.100|80');
  assert.equal(web.name, 'web');
  assert.equal(web.scheduler, 'sh');
  assert.equal(web.schedulerFlags, 3); // sh-port (2) | flag-1 (1)
  assert.deepEqual(web.persistence, { timeout: 300, netmask: '255.255.255.0' });
  assert.equal(web.persistenceEngine, 'sip');
  assert.deepEqual([...web.servers.keys()], ['10.0.0.11|8080', '10.0.0.12|80', '10.0.0.13|80']);
  assert.deepEqual(server(web, '10.0.0.11|8080'), {
    key: '10.0.0.11|8080', family: 'ipv4', address: '10.0.0.11', port: 8080, method: 'nat', weight: 3,
    upperThreshold: 100, lowerThreshold: 50, tunnel: null,
  });
  assert.equal(server(web, '10.0.0.12|80').weight, 0);
  assert.deepEqual(server(web, '10.0.0.13|80').tunnel, { type: 'gue', port: 6080, checksum: 'remcsum' });
  const dns = service(result, 'udp|192.168.10.53|53');
  assert.equal(dns.onePacket, true);
  assert.equal(dns.servers.size, 0);
  assert.equal(service(result, 'sctp|192.168.10.38|3868').target.kind, 'address');
  assert.deepEqual(result.state?.scope, {
    prune: false,
    addresses: ['192.168.10.0/24', '2001:db8::/64', '192.168.11.7/32'],
    fwmarks: [{ from: 1, to: 99 }, { from: 200, to: 200 }, { from: 300, to: 300 }],
    maxDeleteShare: 0.25,
  });
  assert.deepEqual([...(result.state?.origins.values() ?? [])].map((o) => o.line), [9, 32, 39]);
});

test('ipv6: canonical addresses, prefix-length masks, mixed family through a tunnel', () => {
  const result = parseFixture('valid/ipv6.yaml');
  const svc = service(result, 'tcp|2001:db8::a1|443');
  assert.deepEqual(svc.target, { kind: 'address', protocol: 'tcp', family: 'ipv6', address: '2001:db8::a1', port: 443 });
  assert.equal(svc.schedulerFlags, 3);
  assert.deepEqual(svc.persistence, { timeout: 360, netmask: '64' });
  assert.deepEqual([...svc.servers.keys()], ['2001:db8::11|8443', '2001:db8::12|443', '10.0.3.13|443']);
  assert.equal(server(svc, '10.0.3.13|443').family, 'ipv4');
  assert.deepEqual(server(svc, '10.0.3.13|443').tunnel, { type: 'ipip', port: 0, checksum: null });
  assert.deepEqual(service(result, 'tcp|::ffff:192.0.2.1|80').persistence, { timeout: 60, netmask: '48' });
  assert.deepEqual(service(result, 'tcp|2001:db8::b|0').persistence, { timeout: 360, netmask: '128' });
});

test('fwmark: family default ipv4, servers keep their port (no rewrite) and default to 0', () => {
  const result = parseFixture('valid/fwmark.yaml');
  const v4 = service(result, 'fwmark|ipv4|7');
  assert.deepEqual(v4.target, { kind: 'fwmark', family: 'ipv4', mark: 7 });
  assert.deepEqual(v4.persistence, { timeout: 600, netmask: '255.255.255.0' });
  assert.equal(v4.onePacket, true);
  assert.deepEqual([...v4.servers.keys()], ['10.0.2.31|0', '10.0.2.32|8080', '10.0.2.33|8080']);
  const v6 = service(result, 'fwmark|ipv6|7');
  assert.deepEqual(v6.persistence, { timeout: 360, netmask: '64' });
  assert.deepEqual(server(v6, '2001:db8::21|0').tunnel, { type: 'gre', port: 0, checksum: 'csum' });
  assert.deepEqual(service(result, 'fwmark|ipv4|4294967295').servers.size, 0);
});

test('persistence: true/false/object forms and netmask conversion', () => {
  const result = parseFixture('valid/persistence.yaml');
  const at = (port: number) => service(result, `tcp|10.1.0.1|${port}`).persistence;
  assert.deepEqual(at(1), { timeout: 360, netmask: '255.255.255.255' });
  assert.equal(at(2), null);
  assert.equal(at(3), null);
  assert.deepEqual(at(4), { timeout: 2678400, netmask: '255.255.0.0' });
  assert.deepEqual(at(5), { timeout: 360, netmask: '255.255.240.0' });
  assert.deepEqual(at(6), { timeout: 360, netmask: '255.0.255.0' });
  assert.deepEqual(at(7), { timeout: 360, netmask: '255.255.255.255' });
  assert.deepEqual(at(8), { timeout: 360, netmask: '255.255.255.255' });
});

test('tunnels: ipip has no port/checksum, gue/gre default to nocsum, dr/tun port is the service port', () => {
  const svc = service(parseFixture('valid/tunnels.yaml'), 'tcp|192.168.10.200|80');
  const tunnel = (n: number) => server(svc, `10.0.9.${n}|80`).tunnel;
  assert.deepEqual(tunnel(1), { type: 'ipip', port: 0, checksum: null });
  assert.deepEqual(tunnel(2), { type: 'ipip', port: 0, checksum: null });
  assert.deepEqual(tunnel(3), { type: 'ipip', port: 0, checksum: null });
  assert.deepEqual(tunnel(4), { type: 'gue', port: 6080, checksum: 'nocsum' });
  assert.deepEqual(tunnel(5), { type: 'gre', port: 0, checksum: 'nocsum' });
  assert.deepEqual(tunnel(6), { type: 'gre', port: 0, checksum: 'csum' });
});

test('anchors, aliases and merge keys resolve like plain YAML', () => {
  const result = parseFixture('valid/anchors.yaml');
  assert.deepEqual([...(result.state?.table.services.keys() ?? [])],
    ['tcp|192.168.10.150|80', 'tcp|192.168.10.150|8080', 'tcp|192.168.10.151|80']);
  const merged = service(result, 'tcp|192.168.10.150|8080');
  assert.equal(merged.scheduler, 'rr');
  assert.deepEqual([...merged.servers.keys()], ['10.0.7.1|8080', '10.0.7.2|8080']);
  assert.equal(service(result, 'tcp|192.168.10.151|80').servers.size, 2);
});

test('a file with no services (absent or empty) is valid', () => {
  assert.equal(parseFixture('valid/scope-only.yaml').state?.table.services.size, 0);
  assert.deepEqual(parseFixture('valid/scope-only.yaml').state?.scope.addresses, ['10.20.0.0/16']);
  assert.equal(parseFixture('valid/empty-services.yaml').state?.table.services.size, 0);
});
