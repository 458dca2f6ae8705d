import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';

/**
 * Behaviour of the pipeline as a whole: what stops where, what is still checked, ordering,
 * and that the shipped examples stay valid.
 */

const src = (file: string, text: string) => ({ file, text });

test('a schema error in one service does not hide rule errors in the others', () => {
  const result = parseDesiredSources([src('a.yaml', [
    'version: 1',
    'services:',
    '  - address: 10.0.0.1',
    '    port: "80"',
    '  - address: 10.0.0.2',
    '    port: 0',
  ].join('\n'))]);
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.line]), [['SCHEMA', 4], ['ZERO_PORT_NOT_PERSISTENT', 6]]);
});

test('YAML errors stop only that file; the others are still checked, and duplicates with it are not guessed', () => {
  const result = parseDesiredSources([
    src('b.yaml', 'version: 1\nservices: [\n'),
    src('a.yaml', 'version: 1\nservices:\n  - { address: 10.0.0.1, port: 0 }\n'),
  ]);
  assert.deepEqual(result.diagnostics.map((d) => [d.file, d.code]), [['a.yaml', 'ZERO_PORT_NOT_PERSISTENT'], ['b.yaml', 'YAML_SYNTAX']]);
});

test('YAML warnings are YAML_SYNTAX warnings and do not block the state', () => {
  const result = parseDesiredSources([src('a.yaml', '%FOO bar\n---\nversion: 1\n')]);
  assert.deepEqual(result.diagnostics.map((d) => [d.code, d.severity, d.line, d.col]), [['YAML_SYNTAX', 'warning', 1, 1]]);
  assert.ok(result.state);
});

test('an alias bomb is a diagnostic, not an exception', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i++) lines.push(`${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`);
  const result = parseDesiredSources([src('bomb.yaml', `${lines.join('\n')}\nversion: 1\n`)]);
  assert.equal(result.state, null);
  assert.deepEqual(result.diagnostics.map((d) => d.code), ['YAML_SYNTAX']);
});

test('diagnostics are sorted by file, line and column, whatever stage found them', () => {
  const result = parseDesiredSources([
    src('z.yaml', 'version: 1\nservices:\n  - { address: 224.0.0.1, port: 80, onePacket: true }\n'),
    src('m.yaml', 'version: 2\n'),
  ]);
  assert.deepEqual(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}:${d.code}`),
    ['m.yaml:1:10:VERSION', 'z.yaml:3:16:ADDRESS_NOT_UNICAST', 'z.yaml:3:48:ONE_PACKET_PROTOCOL']);
});

test('no sources: an empty, valid state (the loader reports NO_FILES)', () => {
  const result = parseDesiredSources([]);
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.state?.table.services.size, 0);
});
