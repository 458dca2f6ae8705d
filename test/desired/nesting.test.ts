import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { MAX_NESTING } from '../../src/desired/yaml/fast-yaml.js';
import { runCli, tempTree } from '../helpers/cli.js';

/**
 * A document nested deeper than any desired-state file is a YAML_SYNTAX diagnostic with a position,
 * like every other invalid input: never a "Maximum call stack size exceeded" thrown from a parser,
 * the schema or a rule (issue 13). Both readers recurse once per level, so the fast reader leaves
 * such text to the `yaml` library, and the YAML stage checks the depth before anything recurses.
 */

const HEAD = 'version: 1\nservices: ';

function parse(text: string) {
  return parseDesiredSources([{ file: 'deep.yaml', text }]);
}

function onlyDiagnostic(text: string) {
  const result = parse(text);
  assert.equal(result.state, null);
  assert.equal(result.diagnostics.length, 1, result.diagnostics.map((d) => d.message).join('\n'));
  return result.diagnostics[0]!;
}

test('5,000 unclosed [ : one YAML_SYNTAX error on their line, not a stack overflow', () => {
  const d = onlyDiagnostic(`${HEAD}${'['.repeat(5000)}\n`);
  assert.equal(d.code, 'YAML_SYNTAX');
  assert.equal(d.severity, 'error');
  assert.equal(d.file, 'deep.yaml');
  assert.equal(d.line, 2);
  assert.ok(d.col! > 10 && d.col! <= 5011);
});

test('5,000 balanced [ ] : one YAML_SYNTAX error on their line', () => {
  const d = onlyDiagnostic(`${HEAD}${'['.repeat(5000)}${']'.repeat(5000)}\n`);
  assert.equal(d.code, 'YAML_SYNTAX');
  assert.equal(d.line, 2);
});

test('the error points at the first collection past the limit: the root mapping is level 1', () => {
  // `services:` holds level 2, so the first [ past the limit is the (MAX_NESTING - 1)th: column 10 + that
  const d = onlyDiagnostic(`${HEAD}${'['.repeat(200)}${']'.repeat(200)}\n`);
  assert.deepEqual([d.code, d.line, d.col], ['YAML_SYNTAX', 2, 10 + MAX_NESTING]);
});

test('deep block nesting by indentation is found at its line', () => {
  const lines = ['version: 1', 'scope:'];
  for (let level = 0; level < 100; level++) lines.push(`${'  '.repeat(level + 1)}k${level}:`);
  const d = onlyDiagnostic(`${lines.join('\n')}\n`);
  // the mapping holding k0 (line 3) is level 2, so level MAX_NESTING + 1 holds k(MAX_NESTING - 1)
  assert.deepEqual([d.code, d.line, d.col], ['YAML_SYNTAX', 2 + MAX_NESTING, 1 + 2 * MAX_NESTING]);
});

test('exactly MAX_NESTING levels pass the YAML stage (the schema judges them)', () => {
  const result = parse(`${HEAD}${'['.repeat(MAX_NESTING - 1)}${']'.repeat(MAX_NESTING - 1)}\n`);
  assert.deepEqual(result.diagnostics.map((d) => d.code), ['SCHEMA']);
});

test('lvsync validate and plan exit 3 on it and name file:line:col', async () => {
  const dir = tempTree({ 'deep.yaml': `${HEAD}${'['.repeat(5000)}\n` });
  for (const argv of [['validate', `${dir}/deep.yaml`], ['plan', `${dir}/deep.yaml`, '--live', '/dev/null']]) {
    const r = await runCli(argv);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`${dir}/deep\\.yaml:2:\\d+: error\\[YAML_SYNTAX\\]`));
    assert.doesNotMatch(r.stderr, /call stack size exceeded/i);
  }
});
