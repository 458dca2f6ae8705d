import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { hasErrors } from '../../src/diagnostics.js';
import type { Diagnostic, DiagnosticCode } from '../../src/diagnostics.js';
import { loadDesired } from '../../src/desired/load.js';
import { FIXTURES, listFixtures, parseFixture } from './helpers.js';

/**
 * Invalid fixtures: `<case>.yaml` (or a `<case>/` directory of files) next to `<case>.expected.json`,
 * the exact list of {code, [file,] line, col}. Positions matter as much as codes: they are what
 * an editor or a CI annotation shows the person who has to fix the file.
 */

interface Expected { code: DiagnosticCode; file?: string; line: number; col: number }

async function run(name: string, dir: boolean): Promise<{ state: unknown; diagnostics: Diagnostic[]; rows: Expected[] }> {
  if (!dir) {
    const result = parseFixture(`invalid/${name}.yaml`);
    return { ...result, rows: result.diagnostics.map((d) => ({ code: d.code, line: d.line ?? 0, col: d.col ?? 0 })) };
  }
  const root = `${FIXTURES}invalid/${name}`;
  const result = await loadDesired([root]);
  const rows = result.diagnostics.map((d) => ({ code: d.code, file: (d.file ?? '').slice(root.length + 1), line: d.line ?? 0, col: d.col ?? 0 }));
  return { ...result, rows };
}

const cases = listFixtures('invalid', '.yaml');

for (const { name, dir } of cases) {
  test(`invalid fixture: ${name}`, async () => {
    const expected = JSON.parse(readFileSync(`${FIXTURES}invalid/${name}.expected.json`, 'utf8')) as Expected[];
    const { state, diagnostics, rows } = await run(name, dir);
    assert.deepEqual(rows, expected);
    // warnings alone leave a usable state; any error means none
    assert.equal(state === null, hasErrors(diagnostics));
    if (name.startsWith('warn-')) assert.ok(state, 'warning-only case must still produce a state');
    else assert.equal(state, null);
    for (const d of diagnostics) {
      // every message says what is wrong and, after a semicolon, what to do about it
      assert.match(d.message, /.{10,}; .{5,}/, `${d.code}: ${d.message}`);
    }
  });
}

test('every rule and stage has a fixture', () => {
  const seen = new Set<string>();
  for (const { name } of cases) {
    for (const row of JSON.parse(readFileSync(`${FIXTURES}invalid/${name}.expected.json`, 'utf8')) as Expected[]) seen.add(row.code);
  }
  const codes: DiagnosticCode[] = [
    'YAML_SYNTAX', 'SCHEMA', 'VERSION', 'DUPLICATE_SERVICE', 'DUPLICATE_NAME', 'DUPLICATE_SERVER', 'ADDRESS_INVALID',
    'ADDRESS_NOT_UNICAST', 'DR_PORT_MISMATCH', 'TUNNEL_WITHOUT_TUN', 'TUNNEL_OPTIONS', 'NETMASK_FAMILY',
    'NETMASK_WITHOUT_PERSISTENCE', 'SCHEDULER_FLAG_MISMATCH', 'SCHEDULER_FLAG_UNUSED', 'THRESHOLD_ORDER',
    'ONE_PACKET_PROTOCOL', 'ZERO_PORT_NOT_PERSISTENT', 'MIXED_FAMILY', 'ENGINE_WITHOUT_PERSISTENCE',
    'SCOPE_CONFLICT', 'SCOPE_INVALID', 'SCHEDULER_UNAVAILABLE', 'SETTINGS_CONFLICT', 'SYNC_DAEMON',
  ];
  assert.deepEqual(codes.filter((c) => !seen.has(c)), []);
});

test('duplicates point back at the first declaration, in another file too', async () => {
  const root = `${FIXTURES}invalid/duplicate-across-files`;
  const { diagnostics } = await loadDesired([root]);
  const service = diagnostics.find((d) => d.code === 'DUPLICATE_SERVICE');
  assert.deepEqual(service?.related, { file: `${root}/a.yaml`, line: 3, col: 5 });
  assert.ok(service?.message.includes(`${root}/a.yaml:3:5`) && service.message.includes(`${root}/b.yaml:6:5`), service?.message);
  assert.deepEqual(diagnostics.find((d) => d.code === 'DUPLICATE_NAME')?.related, { file: `${root}/a.yaml`, line: 3, col: 11 });
});

test('severities: the three documented warnings are warnings, everything else is an error', () => {
  const warnings = new Set(['SCHEDULER_FLAG_UNUSED', 'ENGINE_WITHOUT_PERSISTENCE', 'SCHEDULER_UNAVAILABLE']);
  for (const { name, dir } of cases) {
    if (dir) continue;
    for (const d of parseFixture(`invalid/${name}.yaml`).diagnostics) {
      assert.equal(d.severity, warnings.has(d.code) ? 'warning' : 'error', `${name}: ${d.code}`);
    }
  }
});

test('schema messages name the unknown key with a suggestion, the found type, and the allowed values', () => {
  const unknown = parseFixture('invalid/schema-unknown-key.yaml').diagnostics;
  assert.match(unknown[0]?.message ?? '', /`adress`.*did you mean `address`/);
  assert.equal(unknown[0]?.path, '/services/0/adress');
  const types = parseFixture('invalid/schema-type.yaml').diagnostics;
  assert.match(types[0]?.message ?? '', /whole number, found the string "80"/);
  const enums = parseFixture('invalid/schema-enum.yaml').diagnostics;
  assert.match(enums[0]?.message ?? '', /did you mean "tcp".*"tcp", "udp", "sctp"/);
});

test('rule diagnostics carry the JSON pointer of the offending node', () => {
  const [mismatch] = parseFixture('invalid/dr-port-mismatch.yaml').diagnostics;
  assert.equal(mismatch?.path, '/services/0/realServers/0/port');
  assert.equal(mismatch?.file, 'invalid/dr-port-mismatch.yaml');
});
