import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastParseYaml } from '../../src/desired/yaml/fast-yaml.js';
import { serviceFacts, toService } from '../../src/desired/normalize.js';
import { parseDesiredSources } from '../../src/desired/parse.js';

/**
 * The rules and the normaliser read one set of facts per service (normalize.ts serviceFacts) instead of
 * parsing every address again. These are the cases where sharing could change an answer: one address
 * written several ways, two findings at one spot (their order is the rules' order), one node listed twice
 * through an alias, a fallback among the servers, and more servers than the duplicate scan takes without a
 * Map. The expected diagnostics are what lvsync reported before the facts were shared, verbatim.
 */

const FAST = [
  'version: 1',
  'services:',
  '  # an IPv6 multicast server in an IPv4 service: two findings at one spot, in rule order',
  '  - name: web',
  '    address: 10.0.0.1',
  '    port: 80',
  '    realServers:',
  '      - address: ff02::1',
  '        method: nat',
  '        port: 8080',
  '      - { address: 10.1.0.1, method: nat, port: 8080 }',
  '  # one server written three ways',
  '  - address: 2001:db8::1',
  '    port: 443',
  '    realServers:',
  '      - address: 2001:db8::5',
  '      - address: 2001:DB8:0::5',
  '      - address: "2001:0db8:0000:0000:0000:0000:0000:0005"',
  '  # the same service again, written differently; its fallback is one of its servers',
  '  - address: 2001:DB8::1',
  '    port: 443',
  '    fallback:',
  '      address: 2001:db8::7',
  '    realServers:',
  '      - address: 2001:db8::7',
  '  # more servers than the duplicate scan handles without a Map',
  '  - address: 10.0.0.2',
  '    port: 80',
  '    realServers:',
  '      - { address: 10.2.0.1, method: nat, port: 800 }',
  '      - { address: 10.2.0.2, method: nat, port: 801 }',
  '      - { address: 10.2.0.3, method: nat, port: 802 }',
  '      - { address: 10.2.0.4, method: nat, port: 803 }',
  '      - { address: 10.2.0.5, method: nat, port: 804 }',
  '      - { address: 10.2.0.6, method: nat, port: 805 }',
  '      - { address: 10.2.0.7, method: nat, port: 806 }',
  '      - { address: 10.2.0.8, method: nat, port: 807 }',
  '      - { address: 10.2.0.9, method: nat, port: 808 }',
  '      - { address: 10.2.0.10, method: nat, port: 809 }',
  '      - { address: 10.2.0.11, method: nat, port: 8010 }',
  '      - { address: 10.2.0.12, method: nat, port: 8011 }',
  '      - { address: 10.2.0.13, method: nat, port: 8012 }',
  '      - { address: 10.2.0.14, method: nat, port: 8013 }',
  '      - { address: 10.2.0.15, method: nat, port: 8014 }',
  '      - { address: 10.2.0.16, method: nat, port: 8015 }',
  '      - { address: 10.2.0.17, method: nat, port: 8016 }',
  '      - { address: 10.2.0.18, method: nat, port: 8017 }',
  '      - { address: 10.2.0.1, method: nat, port: 800 }',
  '      - { address: 10.2.0.2, method: nat, port: 801 }',
].join('\n') + '\n';

const ALIAS = [
  'version: 1',
  'services:',
  '  # one server listed twice through an alias: both findings point at the one node',
  '  - address: 10.0.0.1',
  '    port: 80',
  '    realServers:',
  '      - &twice { address: ff02::1 }',
  '      - *twice',
].join('\n') + '\n';

type Row = Record<string, unknown>;
const rows = (file: string, text: string): Row[] =>
  parseDesiredSources([{ file, text }]).diagnostics.map((d) => {
    const { file: f, ...rest } = d;
    assert.equal(f, file);
    return { ...rest };
  });

test('shared facts: every finding, message and position as before, through the fast reader', () => {
  assert.ok(fastParseYaml(FAST), 'the fast reader must accept this text, or the test says nothing about its path');
  assert.deepStrictEqual(rows('fast.yaml', FAST), [
    { severity: 'error', code: 'ADDRESS_NOT_UNICAST', line: 8, col: 18, path: '/services/0/realServers/0/address',
      message: 'real server address ff02::1 is a multicast address (ff00::/8); the kernel accepts only unicast addresses ("Invalid operation ... address not unicast"); use a unicast address' },
    { severity: 'error', code: 'MIXED_FAMILY', line: 8, col: 18, path: '/services/0/realServers/0/address',
      message: 'real server ff02::1 is IPv6 but the service is IPv4; mixing families works only with `method: tun` (ipvsadm: "Different address family is allowed only for tunneling servers"); use an IPv4 address or `method: tun`' },
    { severity: 'error', code: 'DUPLICATE_SERVER', line: 17, col: 9, path: '/services/1/realServers/1', related: { file: 'fast.yaml', line: 16, col: 9 },
      message: 'real server [2001:db8::5]:443 is listed twice in this service, first at fast.yaml:16:9 (with method dr the port is always the service port 443); remove one, or use `method: nat` to reach a different port' },
    { severity: 'error', code: 'DUPLICATE_SERVER', line: 18, col: 9, path: '/services/1/realServers/2', related: { file: 'fast.yaml', line: 16, col: 9 },
      message: 'real server [2001:db8::5]:443 is listed twice in this service, first at fast.yaml:16:9 (with method dr the port is always the service port 443); remove one, or use `method: nat` to reach a different port' },
    { severity: 'error', code: 'DUPLICATE_SERVICE', line: 20, col: 5, path: '/services/2', related: { file: 'fast.yaml', line: 13, col: 5 },
      message: 'service tcp [2001:db8::1]:443 is declared at fast.yaml:13:5 and again at fast.yaml:20:5; keep one declaration (move the real servers into it)' },
    { severity: 'warning', code: 'FALLBACK_UNUSED', line: 22, col: 5, path: '/services/2/fallback',
      message: 'a fallback server is used only when every health-checked real server is down, and no real server of this service has a health check; add `healthCheck` or remove `fallback`' },
    { severity: 'error', code: 'FALLBACK_CONFLICT', line: 23, col: 16, path: '/services/2/fallback/address',
      message: "the fallback server 2001:db8::7 is also one of the service's real servers; the sorry server must be a different address or port" },
    { severity: 'error', code: 'DUPLICATE_SERVER', line: 48, col: 9, path: '/services/3/realServers/18', related: { file: 'fast.yaml', line: 30, col: 9 },
      message: 'real server 10.2.0.1:800 is listed twice in this service, first at fast.yaml:30:9; remove one of them' },
    { severity: 'error', code: 'DUPLICATE_SERVER', line: 49, col: 9, path: '/services/3/realServers/19', related: { file: 'fast.yaml', line: 31, col: 9 },
      message: 'real server 10.2.0.2:801 is listed twice in this service, first at fast.yaml:31:9; remove one of them' },
  ]);
});

test('shared facts: a server listed twice through an alias, both at one node, findings in rule order', () => {
  assert.deepStrictEqual(rows('alias.yaml', ALIAS), [
    { severity: 'error', code: 'DUPLICATE_SERVER', line: 7, col: 16, path: '/services/0/realServers/1', related: { file: 'alias.yaml', line: 7, col: 16 },
      message: 'real server [ff02::1]:80 is listed twice in this service, first at alias.yaml:7:16 (with method dr the port is always the service port 80); remove one, or use `method: nat` to reach a different port' },
    { severity: 'error', code: 'ADDRESS_NOT_UNICAST', line: 7, col: 27, path: '/services/0/realServers/0/address',
      message: 'real server address ff02::1 is a multicast address (ff00::/8); the kernel accepts only unicast addresses ("Invalid operation ... address not unicast"); use a unicast address' },
    { severity: 'error', code: 'ADDRESS_NOT_UNICAST', line: 7, col: 27, path: '/services/0/realServers/1/address',
      message: 'real server address ff02::1 is a multicast address (ff00::/8); the kernel accepts only unicast addresses ("Invalid operation ... address not unicast"); use a unicast address' },
    { severity: 'error', code: 'MIXED_FAMILY', line: 7, col: 27, path: '/services/0/realServers/0/address',
      message: 'real server ff02::1 is IPv6 but the service is IPv4; mixing families works only with `method: tun` (ipvsadm: "Different address family is allowed only for tunneling servers"); use an IPv4 address or `method: tun`' },
    { severity: 'error', code: 'MIXED_FAMILY', line: 7, col: 27, path: '/services/0/realServers/1/address',
      message: 'real server ff02::1 is IPv6 but the service is IPv4; mixing families works only with `method: tun` (ipvsadm: "Different address family is allowed only for tunneling servers"); use an IPv4 address or `method: tun`' },
  ]);
});

test('toService with the facts of a pass is toService working them out', () => {
  const svc = {
    address: '2001:DB8::1', port: 443, realServers: [
      { address: '2001:db8::5', method: 'nat' as const, port: 8080 }, { address: '2001:0db8::5', method: 'nat' as const, port: 8080 },
      { address: '10.0.0.9', weight: 3 }, { address: '10.0.0.10', method: 'tun' as const, tunnel: { type: 'gue' as const, port: 6080 } },
    ],
  };
  const facts = serviceFacts(svc);
  assert.deepStrictEqual(toService(svc, facts), toService(svc));
  assert.deepStrictEqual(facts.servers.map((s) => s?.key), ['2001:db8::5|8080', '2001:db8::5|8080', '10.0.0.9|443', '10.0.0.10|443']);
  assert.equal(toService({ ...svc, realServers: [...svc.realServers, { address: '10.0.0.256' }] }), null);
});
