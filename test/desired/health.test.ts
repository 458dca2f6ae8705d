import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';

/** healthCheck / fallback / drainTimeout in the desired state: resolved specs, and the rules with their positions. */

function parse(text: string) {
  return parseDesiredSources([{ file: 'h.yaml', text }]);
}

const codes = (r: ReturnType<typeof parse>) => r.diagnostics.map((d) => `${d.code}@${d.line}:${d.col}`);

test('a service check with every default, a server override merged on top, and a shell command string', () => {
  const r = parse(`version: 1
services:
  - address: 10.0.0.1
    port: 80
    drainTimeout: 1m30s
    healthCheck: { type: http, path: /healthz, expectStatus: [200, 204], interval: 2s }
    realServers:
      - { address: 10.0.1.1, method: nat, port: 8080 }
      - { address: 10.0.1.2, method: nat, port: 8080, healthCheck: { port: 9000, timeout: 500ms, onFailure: remove } }
  - address: 10.0.0.2
    port: 53
    protocol: udp
    realServers:
      - { address: 10.0.2.1, healthCheck: { type: exec, command: "dig @$LVSYNC_RS_ADDRESS example.org", interval: 10 } }
`);
  assert.deepEqual(r.diagnostics, []);
  const web = r.state!.policies!.get('tcp|10.0.0.1|80')!;
  assert.equal(web.drainTimeoutMs, 90_000);
  assert.deepEqual(web.checks.get('10.0.1.1|8080'), {
    type: 'http', port: 8080, path: '/healthz', expectStatus: [200, 204], expectBody: null, host: null, command: [],
    intervalMs: 2000, timeoutMs: 2000, rise: 2, fall: 3, onFailure: 'quiesce',
  });
  const b = web.checks.get('10.0.1.2|8080')!;
  assert.deepEqual([b.type, b.port, b.path, b.intervalMs, b.timeoutMs, b.onFailure], ['http', 9000, '/healthz', 2000, 500, 'remove']);
  const dns = r.state!.policies!.get('udp|10.0.0.2|53')!;
  assert.equal(dns.drainTimeoutMs, 30_000);
  const check = dns.checks.get('10.0.2.1|53')!;
  // dr: the check port is the stored port, i.e. the service port
  assert.deepEqual([check.type, check.port, check.intervalMs, check.command], ['exec', 53, 10_000, ['/bin/sh', '-c', 'dig @$LVSYNC_RS_ADDRESS example.org']]);
});

test('a fallback server is normalised like a real server and is not in the table', () => {
  const r = parse(`version: 1
services:
  - address: 10.0.0.1
    port: 80
    healthCheck: {}
    fallback: { address: 127.0.0.1, port: 8080, method: nat }
    realServers: [{ address: 10.0.1.1 }]
`);
  assert.deepEqual(r.diagnostics, []);
  const fb = r.state!.policies!.get('tcp|10.0.0.1|80')!.fallback!;
  assert.deepEqual([fb.key, fb.method, fb.weight], ['127.0.0.1|8080', 'nat', 1]);
  assert.equal(r.state!.table.services.get('tcp|10.0.0.1|80')!.servers.size, 1);
});

test('rules: exec without command, portless fwmark check, unused fields, timeout over interval, bad fallback', () => {
  const r = parse(`version: 1
services:
  - address: 10.0.0.1
    port: 80
    healthCheck: { type: exec }
    realServers: [{ address: 10.0.1.1 }, { address: 10.0.1.2 }]
  - fwmark: 7
    healthCheck: { type: tcp, path: /x, timeout: 10s }
    realServers: [{ address: 10.0.2.1 }]
  - address: 10.0.0.3
    port: 80
    fallback: { address: 10.0.3.1 }
    realServers: [{ address: 10.0.3.1 }]
  - address: 10.0.0.4
    port: 80
    healthCheck: {}
    fallback: { address: "2001:db8::1", port: 81 }
    realServers: [{ address: 10.0.4.1 }]
`);
  assert.deepEqual(codes(r), [
    'HEALTH_CHECK_COMMAND@5:5', // the healthCheck key, reported once for the service block, not once per server
    'HEALTH_CHECK_PORT@8:5',
    'HEALTH_CHECK_FIELD_UNUSED@8:31', // the `path` key
    'HEALTH_CHECK_TIMEOUT@8:41', // the `timeout` key
    'FALLBACK_UNUSED@12:5',
    'FALLBACK_CONFLICT@12:26', // the fallback's address value
    'MIXED_FAMILY@17:26',
    'DR_PORT_MISMATCH@17:47', // the fallback's port value
  ]);
  assert.equal(r.state, null);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.code), ['HEALTH_CHECK_FIELD_UNUSED', 'HEALTH_CHECK_TIMEOUT', 'FALLBACK_UNUSED']);
});

test('schema: bad durations, unknown check fields and healthCheck: true are SCHEMA errors at their node', () => {
  const r = parse(`version: 1
services:
  - address: 10.0.0.1
    port: 80
    drainTimeout: soon
    healthCheck: { type: tcp, intervall: 5s }
    realServers: [{ address: 10.0.1.1, healthCheck: true }]
`);
  assert.deepEqual([...new Set(r.diagnostics.map((d) => `${d.code}@${d.line}`))], ['SCHEMA@5', 'SCHEMA@6', 'SCHEMA@7']);
});

test('overrides: a director may change the health check, the fallback and the drain timeout of a service', () => {
  const text = `version: 1
services:
  - name: web
    address: 10.0.0.1
    port: 80
    healthCheck: { type: tcp }
    realServers: [{ address: 10.0.1.1 }]
fleet: { pairs: [[lb1, lb2]] }
overrides:
  lb2:
    services:
      web: { drainTimeout: 5s, healthCheck: { type: http, path: /ping, timeout: 1s } }
`;
  const lb1 = parseDesiredSources([{ file: 'f.yaml', text }], { director: 'lb1' });
  const lb2 = parseDesiredSources([{ file: 'f.yaml', text }], { director: 'lb2' });
  assert.deepEqual(lb1.diagnostics, []);
  assert.deepEqual(lb2.diagnostics, []);

  const p1 = lb1.state!.policies!.get('tcp|10.0.0.1|80')!;
  const p2 = lb2.state!.policies!.get('tcp|10.0.0.1|80')!;
  assert.deepEqual([p1.drainTimeoutMs, p1.checks.get('10.0.1.1|80')!.type], [30_000, 'tcp']);
  // the override's block replaces the service's whole (like every override field)
  const c2 = p2.checks.get('10.0.1.1|80')!;
  assert.deepEqual([p2.drainTimeoutMs, c2.type, c2.path, c2.timeoutMs], [5000, 'http', '/ping', 1000]);
});

test('rules: intervals under 100ms and timeouts under 10ms are errors; a tcp check of a UDP service warns', () => {
  const r = parse(`version: 1
services:
  - address: 10.0.0.1
    port: 80
    healthCheck: { interval: 50ms, timeout: 0 }
    realServers: [{ address: 10.0.1.1 }]
  - address: 10.0.0.2
    port: 53
    protocol: udp
    healthCheck: { type: tcp }
    realServers: [{ address: 10.0.2.1 }, { address: 10.0.2.2, healthCheck: { port: 8053 } }]
`);
  assert.deepEqual(codes(r), ['HEALTH_CHECK_TIMEOUT@5:20', 'HEALTH_CHECK_TIMEOUT@5:36', 'HEALTH_CHECK_PROTOCOL@10:5']);
  assert.deepEqual(r.diagnostics.map((d) => d.severity), ['error', 'error', 'warning']);
});
