import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, test } from 'node:test';
import { jsYamlLoad, jsYamlRead } from '../../bench/js-yaml-reader.js';
import { fastParseYaml } from '../../src/desired/yaml/fast-yaml.js';
import { parseYaml, useFastReader } from '../../src/desired/yaml/syntax.js';
import { compareWithJsYaml } from './js-yaml-compare.js';

/**
 * js-yaml 4 was measured as a replacement for the fast reader (issue 12; bench/js-yaml-reader.ts,
 * BENCHMARKS.md) and kept out: this file records how its reading of YAML differs from lvsync's, and
 * what lvsync wants. lvsync's reading is the `yaml` library's with lvsync's options (YAML 1.2 core
 * schema, stringKeys, uniqueKeys, merge keys): it places every diagnostic, and the fast reader must
 * give exactly its value (fast-yaml.test.ts), so a replacement would have to as well. js-yaml is
 * loaded with the schema the bench gives it (core + `<<`), the closest to those options.
 */
after(() => useFastReader(true));

const THROWS = Symbol('js-yaml refuses the text');

/** lvsync's reading of a text: the value and the diagnostics' severities and YAML codes, from `yaml` alone. */
function lvsyncReads(text: string): { data: unknown; problems: string[] } {
  useFastReader(false);
  try {
    const parsed = parseYaml('f.yaml', text);
    return { data: parsed.data, problems: parsed.diagnostics.map((d) => `${d.severity} ${/\(YAML (\w+)\)/.exec(d.message)?.[1] ?? d.code}`) };
  } finally {
    useFastReader(true);
  }
}

function jsYamlReads(text: string): unknown {
  try {
    return jsYamlLoad(text);
  } catch {
    return THROWS;
  }
}

interface Case {
  readonly text: string;
  /** what lvsync reads (through `yaml`): a value, or `undefined` with the problems `yaml` reports */
  readonly lvsync: unknown;
  readonly problems?: readonly string[];
  readonly jsYaml: unknown;
  /** which reading lvsync wants, and why */
  readonly why: string;
}

// where js-yaml agrees with lvsync: the semantics the issue asks about
const AGREE: readonly Case[] = [
  { text: 'a: 1\na: 2\n', lvsync: undefined, problems: ['error DUPLICATE_KEY'], jsYaml: THROWS, why: 'a key written twice is refused: the second service or setting would silently replace the first' },
  { text: 'a: { b: 1, b: 2 }\n', lvsync: undefined, problems: ['error DUPLICATE_KEY'], jsYaml: THROWS, why: 'the same in a flow mapping' },
  { text: 'base: &b { p: 1, q: 2 }\nx:\n  <<: *b\n  p: 3\n', lvsync: { base: { p: 1, q: 2 }, x: { p: 3, q: 2 } }, jsYaml: { base: { p: 1, q: 2 }, x: { p: 3, q: 2 } }, why: 'merge keys (examples: test/fixtures/desired/valid/anchors.yaml): a key written in the map wins over a merged one' },
  { text: 'base: &b { p: 1, q: 2 }\nx:\n  p: 3\n  <<: *b\n', lvsync: { base: { p: 1, q: 2 }, x: { p: 3, q: 2 } }, jsYaml: { base: { p: 1, q: 2 }, x: { p: 3, q: 2 } }, why: '… wherever the `<<` is written' },
  { text: 'x:\n  <<: [ { p: 1 }, { p: 2, q: 3 } ]\n', lvsync: { x: { p: 1, q: 3 } }, jsYaml: { x: { p: 1, q: 3 } }, why: 'of several merged maps the first that has a key gives it' },
  { text: 'x:\n  <<: 1\n', lvsync: undefined, problems: ['error YAML_SYNTAX'], jsYaml: THROWS, why: 'only maps can be merged (`yaml` finds it in toJS: lvsync reports it without a YAML code)' },
  { text: 'a: yes\nb: no\nc: on\nd: off\ne: y\n', lvsync: { a: 'yes', b: 'no', c: 'on', d: 'off', e: 'y' }, jsYaml: { a: 'yes', b: 'no', c: 'on', d: 'off', e: 'y' }, why: 'YAML 1.2: only true/false are booleans; the schema then says "must be boolean" rather than guessing' },
  { text: 'a: 0o17\nb: 010\nc: 017\nd: 0x1F\n', lvsync: { a: 15, b: 10, c: 17, d: 31 }, jsYaml: { a: 15, b: 10, c: 17, d: 31 }, why: 'YAML 1.2: octal is 0o17; a leading zero is decimal (010 is ten, not eight)' },
  { text: 'a: 2001-12-14\nb: 2001-12-14T21:59:43.10-05:00\n', lvsync: { a: '2001-12-14', b: '2001-12-14T21:59:43.10-05:00' }, jsYaml: { a: '2001-12-14', b: '2001-12-14T21:59:43.10-05:00' }, why: 'no timestamps in the core schema: a date-like word stays the string written (js-yaml\'s DEFAULT_SCHEMA would make it a Date: see below)' },
  { text: 'a: &x [1]\nb: *x\n', lvsync: { a: [1], b: [1] }, jsYaml: { a: [1], b: [1] }, why: 'anchors and aliases' },
  { text: 'a: .inf\nb: -.Inf\nc: .NaN\nd: 1e3\n', lvsync: { a: Infinity, b: -Infinity, c: NaN, d: 1000 }, jsYaml: { a: Infinity, b: -Infinity, c: NaN, d: 1000 }, why: 'the core schema\'s special floats' },
  { text: 'a: 1\n---\nb: 2\n', lvsync: undefined, problems: ['error MULTIPLE_DOCS'], jsYaml: THROWS, why: 'one document per file' },
];

// where js-yaml reads otherwise; in every case lvsync wants `yaml`'s reading, which the fast reader and every diagnostic follow
const DIFFER: readonly Case[] = [
  // inside the fast reader's subset (compareWithJsYaml's known differences)
  { text: 'True: 1\n', lvsync: { True: 1 }, jsYaml: { true: 1 }, why: 'a key is a name, kept as written (stringKeys): the schema reports the unknown key `True`, instead of it turning into `true`' },
  { text: 'Null: 1\nnull: 2\n', lvsync: { Null: 1, null: 2 }, jsYaml: THROWS, why: '… so keys that differ as written are different keys' },
  { text: 'a: -0\n', lvsync: { a: -0 }, jsYaml: { a: 0 }, why: 'the value `yaml` gives; harmless for a port or a weight, but a replacement must give the same value for the diagnostics to match' },
  { text: 'a: -0x1F\nb: +0o17\nc: 0b101\n', lvsync: { a: '-0x1F', b: '+0o17', c: '0b101' }, jsYaml: { a: -31, b: 15, c: 5 }, why: 'YAML 1.2 core has unsigned hex and octal and no binary: these are strings, and a port written so is refused ("must be integer") instead of read by a rule the spec does not have' },
  { text: 'a: 1e400\n', lvsync: { a: Infinity }, jsYaml: { a: '1e400' }, why: 'a float out of range is infinite in 1.2 core; both are refused by the schema, but with different messages' },
  { text: 'a: +.5\n', lvsync: { a: 0.5 }, jsYaml: { a: '+.5' }, why: 'the 1.2 core float pattern allows a sign before `.5`' },
  // outside it (the fast reader leaves these to `yaml`)
  { text: 'a: -.5\n', lvsync: { a: -0.5 }, jsYaml: { a: '-.5' }, why: 'the same, with a minus' },
  { text: '~: 1\n1.0: 2\n0x10: 3\n', lvsync: { '~': 1, '1.0': 2, '0x10': 3 }, jsYaml: { null: 1, 1: 2, 16: 3 }, why: 'keys as written, not their resolved values printed back' },
  { text: '1: a\n01: b\n', lvsync: { 1: 'a', '01': 'b' }, jsYaml: THROWS, why: '… so `1` and `01` are two keys' },
  { text: '? [a, b]\n: 1\n', lvsync: undefined, problems: ['error NON_STRING_KEY'], jsYaml: { 'a,b': 1 }, why: 'a collection as a key is refused, not turned into the text "a,b"' },
  { text: 'x: { <<: {p: 1}, <<: {q: 2} }\n', lvsync: undefined, problems: ['error DUPLICATE_KEY'], jsYaml: { x: { p: 1, q: 2 } }, why: '`<<` written twice in one map is a duplicate key like any other; several sources go in one list' },
  { text: '%YAML 1.1\n---\na: yes\nb: 010\n', lvsync: { a: true, b: 8 }, jsYaml: { a: 'yes', b: 10 }, why: 'a file that declares YAML 1.1 is read as 1.1, as its author asked' },
  { text: 'a: !x 1\n', lvsync: { a: '1' }, problems: ['warning TAG_RESOLVE_FAILED'], jsYaml: THROWS, why: 'an unknown tag is a warning at its place, and the file is still checked' },
  { text: 'a: !!binary aGk=\n', lvsync: { a: Buffer.from('hi') }, jsYaml: THROWS, why: 'the standard tags `yaml` knows (binary, timestamp, set, omap) are read' },
  { text: '', lvsync: null, jsYaml: undefined, why: 'an empty file is null, which declareFile reports as "the file is empty" (VERSION)' },
];

function check(c: Case): void {
  const want = lvsyncReads(c.text);
  assert.deepStrictEqual(want.data, c.lvsync, `lvsync's reading of ${JSON.stringify(c.text)}`);
  assert.deepStrictEqual(want.problems, c.problems ?? [], `lvsync's problems with ${JSON.stringify(c.text)}`);
  assert.deepStrictEqual(jsYamlReads(c.text), c.jsYaml, `js-yaml's reading of ${JSON.stringify(c.text)}`);
  // the fast reader, where it reads the text, reads what lvsync wants
  const fast = fastParseYaml(c.text);
  if (fast) assert.deepStrictEqual(fast.data, c.lvsync, `the fast reader's reading of ${JSON.stringify(c.text)}`);
}

test('js-yaml (core schema + merge keys) agrees with lvsync on duplicate keys, merge keys, 1.2 booleans and numbers, timestamps, anchors', () => {
  for (const c of AGREE) check(c);
});

test('js-yaml reads these otherwise; lvsync wants the `yaml` reading (the reason is in each case)', () => {
  for (const c of DIFFER) {
    check(c);
    assert.notDeepStrictEqual(c.jsYaml, c.lvsync, `not a difference: ${JSON.stringify(c.text)}`);
  }
});

test('each difference inside the fast reader\'s subset is one compareWithJsYaml knows, and nothing else passes as one', () => {
  const inSubset = DIFFER.filter((c) => fastParseYaml(c.text));
  assert.equal(inSubset.length, 6);
  for (const c of inSubset) assert.equal(compareWithJsYaml(c.text, fastParseYaml(c.text)!), 'known difference', c.text);
  // the same differences, one step off, are not excused
  const fast = fastParseYaml('a: -0\nb: True\n')!;
  for (const wrong of [{ a: 1, b: true }, { a: -0, b: 'True' }, { a: -0, c: true }]) {
    assert.throws(() => compareWithJsYaml('a: -0\nb: True\n', { ...fast, data: wrong }), /not by a known difference/, JSON.stringify(wrong));
  }
  assert.throws(() => compareWithJsYaml('a: 0b101\n', { ...fastParseYaml('a: 0b101\n')!, data: { a: '0b100' } }), /not by a known difference/);
  assert.throws(() => compareWithJsYaml('a: 1e400\n', { ...fastParseYaml('a: 1e400\n')!, data: { a: -Infinity } }), /not by a known difference/);
});

test('js-yaml finds every service where the fast reader and `yaml` do, in the layouts the fast reader reads', () => {
  const texts = [
    'version: 1\nservices:\n  - name: a\n    port: 1\n  -   name: b\n  - { name: c }\n  - 7\n',
    '---\n# c\nservices:\n- name: a\n\n- name: b\nscope: { addresses: [] }\n',
    'version: 1\nx:\n  - name: not a service\nservices:\n  - name: a\n    realServers:\n      - { address: 10.0.0.1 }\n      - address: 10.0.0.2\n  - name: b\n',
  ];
  for (const text of texts) {
    const fast = fastParseYaml(text);
    assert.ok(fast, text);
    assert.deepStrictEqual(jsYamlRead(text)?.serviceSpots, fast.serviceSpots, text);
    assert.ok(fast.serviceSpots.length >= 2);
  }
});

test('js-yaml\'s DEFAULT_SCHEMA would turn a date-like word into a Date: why the comparison uses the core schema plus merge keys', () => {
  const jsYaml = createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml');
  assert.ok((jsYaml.load('a: 2001-12-14\n') as { a: unknown }).a instanceof Date);
  assert.deepStrictEqual(jsYamlLoad('a: 2001-12-14\n'), { a: '2001-12-14' });
  // and CORE_SCHEMA alone has no merge keys: `<<` would be a key named "<<"
  assert.deepStrictEqual(jsYaml.load('x:\n  <<: { p: 1 }\n', { schema: jsYaml.CORE_SCHEMA }), { x: { '<<': { p: 1 } } });
});
