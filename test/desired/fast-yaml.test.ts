import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { fastParseYaml } from '../../src/desired/yaml/fast-yaml.js';
import { parseDesiredSources } from '../../src/desired/parse.js';
import type { DesiredSource } from '../../src/desired/parse.js';
import { positionedParse, useFastReader } from '../../src/desired/yaml/syntax.js';
import { servicesArb } from '../helpers/arbitraries.js';
import { compareWithJsYaml } from './js-yaml-compare.js';

/**
 * The fast YAML reader (src/desired/yaml/fast-yaml.ts) against the `yaml` library, differentially: for
 * every text the fast reader accepts, `yaml` (with lvsync's options) must report no error and no
 * warning, give the same value (deepStrictEqual: types, -0, NaN, own properties, prototypes) and put
 * every service at the same line and column. Texts it refuses go to `yaml` unchanged, so refusing is
 * always safe; the tests also check that it accepts what lvsync's own files look like, so the
 * properties are not vacuous. Then the whole pipeline, fast reader on and off, on every fixture and
 * on generated configs with errors in them: same diagnostics (file:line:col), same state, same origins.
 * Every text the fast reader accepts is also read by js-yaml 4, the replacement measured in issue 12
 * (js-yaml-compare.ts): the same value and service positions, or one of the differences that
 * js-yaml.test.ts lists with what lvsync wants.
 */
const RUNS = Number(process.env.LVSYNC_PROPERTY_RUNS ?? 1000);
after(() => useFastReader(true));

const counts = { accepted: 0, refused: 0, jsYamlSame: 0 };

// the differential check itself; true when the fast reader accepted the text
function agrees(text: string): boolean {
  const fast = fastParseYaml(text);
  if (!fast) { counts.refused++; return false; }
  counts.accepted++;
  const slow = positionedParse(text);
  assert.ok(slow, `yaml reports an error or a warning on a text the fast reader accepted:\n${text}`);
  assert.deepStrictEqual(fast.data, slow.data, `values differ for:\n${text}`);
  assert.deepStrictEqual(fast.serviceSpots, slow.services.map((s) => ({ line: s.line, col: s.col })), `service positions differ for:\n${text}`);
  if (compareWithJsYaml(text, fast) === 'same') counts.jsYamlSame++;
  return true;
}

// for texts where js-yaml must read exactly what the fast reader reads (no key or number in the corners js-yaml.test.ts lists)
function agreesWithJsYamlToo(text: string): boolean {
  const same = counts.jsYamlSame;
  const accepted = agrees(text);
  assert.ok(!accepted || counts.jsYamlSame === same + 1, `js-yaml reads this text otherwise:\n${text}`);
  return accepted;
}

// scalars where YAML 1.1, YAML 1.2, JSON and a careless reader disagree, plus lvsync's own values
const TRICKY = [
  'yes', 'no', 'on', 'off', 'y', 'n', 'Yes', 'NO', 'true', 'True', 'TRUE', 'tRue', 'false', 'False', 'FALSE',
  'null', 'Null', 'NULL', 'nUll', '~', '', '0o17', '0O17', '017', '0x1F', '0X1f', '0xg', '0b101', '1_000', '1,000',
  '+1', '-1', '+0', '-0', '007', '08', '1.5', '1.', '.5', '-.5', '1e3', '1E+3', '-1.5e-3', '1.e3', '.inf', '-.Inf',
  '+.INF', '.nan', '.NaN', 'NaN', 'inf', 'Infinity', '12:30', '12:30:00', '2001-12-14', '2001:db8::1', '::1', 'a:b',
  'a: b', 'a:', 'a #b', 'a#b', '#a', '- a', '-a', '--', '---', '...', 'a b', 'a  b', ' a', 'a ', '@a', '`a', '%a',
  '!a', '!!str a', '&a a', '*a', '|', '>', '|-', '<<', '=', '?a', '? a', 'a?', '[a]', '{a}', 'a,b', 'a]', 'a}',
  "it's", '"q"', "'q'", 'a\\nb', '\\', 'é', '日本', '\u00a0x', 'a\u0085b', 'a\u2028b', '\ufeffa', '10.0.0.1',
  '10.0.0.1/24', '255.255.255.0', 'svc-1', 'web_1', 'a.b.c', '0', '00', '1234567890123456789', '9007199254740993',
  '0.1e', '1e', 'e1', '_', '.', '/', '/a/b', '~a', 'a~', 'nat', 'wrr', 'sh-port', 'mh-fallback', 'x'.repeat(300),
];
const KEYS = [
  'version', 'services', 'name', 'address', 'port', 'a', 'b', 'true', 'null', '1', 'constructor', '__proto__',
  'toString', 'hasOwnProperty', '<<', 'a b', 'a:b', '-a', 'a-b', 'a.b', '_x', 'é', 'A', '"a"', "'a'", '? a', 'k'.repeat(300),
];
const SAFE = ['web', 'svc-1', '10.0.0.1', '2001:db8::1', '80', '-3', '0', 'true', 'false', 'null', '1.5', 'a b', 'nat', '0x1F', '.inf'];
const SAFE_KEYS = ['version', 'services', 'name', 'address', 'port', 'a', 'b', 'weight', 'true', 'constructor', 'net.ipv4.vs.x'];

type Tree = { s: string } | { m: [string, Tree][] } | { l: Tree[] };

function treeArb(keys: readonly string[], scalars: readonly string[]): fc.Arbitrary<Tree> {
  const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ s: fc.constantFrom(...scalars) }),
      fc.record({ m: fc.array(fc.tuple(fc.constantFrom(...keys), tie('tree')), { maxLength: 3 }) }),
      fc.record({ l: fc.array(tie('tree'), { maxLength: 3 }) }),
    ),
  }));
  return tree;
}

/** How to write a tree: every choice a person (or yaml.stringify) might make. */
interface Style {
  readonly step: number;
  readonly flow: boolean;
  readonly sameIndentList: boolean;
  readonly dashSpaces: number;
  readonly quote: 'plain' | 'double' | 'single';
  readonly comment: boolean;
  readonly blank: boolean;
}
const styleArb: fc.Arbitrary<Style> = fc.record({
  step: fc.integer({ min: 1, max: 4 }), flow: fc.boolean(), sameIndentList: fc.boolean(), dashSpaces: fc.integer({ min: 1, max: 3 }),
  quote: fc.constantFrom('plain', 'plain', 'double', 'single'), comment: fc.boolean(), blank: fc.boolean(),
});

function scalarText(s: string, style: Style): string {
  if (style.quote === 'double') return `"${s}"`;
  if (style.quote === 'single') return `'${s.replace(/'/g, "''")}'`;
  return s;
}

function flowText(t: Tree, style: Style): string {
  if ('s' in t) return scalarText(t.s, style);
  if ('m' in t) return `{ ${t.m.map(([k, v]) => `${k}: ${flowText(v, style)}`).join(', ')} }`;
  return `[${t.l.map((v) => flowText(v, style)).join(', ')}]`;
}

const tail = (style: Style): string => (style.comment ? '  # note' : '');

// block lines of a collection at `indent`; `styles` is consumed one per node so every node differs
function blockLines(t: Tree, indent: number, styles: () => Style): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  if ('m' in t) {
    for (const [k, v] of t.m) {
      const st = styles();
      if (st.blank) lines.push('');
      if ('s' in v || st.flow || ('m' in v ? v.m.length === 0 : v.l.length === 0)) lines.push(`${pad}${k}: ${flowText(v, st)}${tail(st)}`);
      else {
        lines.push(`${pad}${k}:${tail(st)}`);
        lines.push(...blockLines(v, 'l' in v && st.sameIndentList ? indent : indent + st.step, styles));
      }
    }
  } else if ('l' in t) {
    for (const v of t.l) {
      const st = styles();
      const dash = `${pad}-${' '.repeat(st.dashSpaces)}`;
      if ('m' in v && v.m.length > 0 && !st.flow) {
        const inner = blockLines(v, indent + 1 + st.dashSpaces, styles);
        lines.push(dash + inner[0]!.trimStart(), ...inner.slice(1));
      } else if ('l' in v && v.l.length > 0 && !st.flow) {
        lines.push(`${pad}-${tail(st)}`, ...blockLines(v, indent + st.step, styles));
      } else lines.push(`${dash}${flowText(v, st)}${tail(st)}`);
    }
  } else lines.push(`${pad}${scalarText(t.s, styles())}`);
  return lines;
}

function render(t: Tree, styleList: readonly Style[]): string {
  let i = 0;
  const styles = (): Style => styleList[i++ % styleList.length]!;
  return `${blockLines(t, 0, styles).join('\n')}\n`;
}

const docArb = (keys: readonly string[], scalars: readonly string[]) =>
  fc.tuple(
    fc.array(fc.tuple(fc.constantFrom(...keys), treeArb(keys, scalars)), { minLength: 1, maxLength: 4 }),
    fc.array(styleArb, { minLength: 1, maxLength: 6 }),
    fc.constantFrom('', '', '---\n', '# head\n---\n', '---\n# c\n\n'),
  ).map(([entries, styles, head]) => head + render({ m: entries }, styles));

const EDITS = [' ', '  ', '\t', '#', ' #', ':', ': ', '-', '- ', '\n', '\n  ', '&a ', '*a', '!!str ', '"', "'", '{', '}', '[', ']', ',', '\r', '---\n', '...\n', '%YAML 1.2\n', '|', '>', '? ', '<<: ', '\ufeff', '\\'];
const mutatedArb = fc.tuple(docArb(SAFE_KEYS, SAFE), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...EDITS), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 3 }))
  .map(([text, edits]) => edits.reduce((t, [at, insert, del]) => {
    const i = at % (t.length + 1);
    return t.slice(0, i) + insert + t.slice(i + del);
  }, text));

test('hand-picked: YAML 1.1 scalars, numbers, null/bool spellings, indicators, keys and layouts', () => {
  for (const s of TRICKY) {
    for (const text of [`a: ${s}\n`, `a: "${s}"\n`, `a: '${s}'\n`, `a:\n  - ${s}\n`, `a: [${s}]\n`, `a: { b: ${s} }\n`, `a: ${s} # c\n`, `${s}: 1\n`, `a:\n  ${s}: 1\n`]) agrees(text);
  }
  for (const text of ['---\na: 1\n', '# c\n---\nservices:\n  - a: 1\n', '---\n\nservices:\n- a: 1\n- b: 2\n']) assert.ok(agrees(text), text);
  for (const k of KEYS) for (const text of [`${k}: 1\n`, `a: { ${k}: 1 }\n`, `- ${k}: 1\n`, `a:\n- ${k}: 1\n  ${k}: 2\n`]) agrees(text);
});

test('hand-picked: the in-place paths (digit runs, dotted quads, cached lower-case words) resolve as yaml does', () => {
  // around the 15-digit limit of reading a number in place, and what stops a digit run
  const numbers = ['1', '12', '123456789012345', '1234567890123456', '999999999999999', '0000000000000001', '1.2', '1.2.3', '1.2.3.4', '01.2.3.4',
    '1..2', '1.2.', '1.2e3', '10.0.0.1x', '10.0.0.1.', '255.255.255.255', '1.2.3.4.5.6.7.8', '12:30', '1-2', '1_2', '1 2', '1e5'];
  // null and the bools in lower case, near misses, and words either side of the cached length (12)
  const words = ['null', 'true', 'false', 'nulll', 'tru', 'fals', 'nat', 'dr', 'tun', 'abcdefghijkl', 'abcdefghijklm', 'x', 'a-b', 'ab9'];
  for (const s of [...numbers, ...words]) {
    // (a colon in a flow scalar is refused by design; everything else here is in the subset)
    for (const text of [`a: ${s}\n`, `a: ${s}  # c\n`, `a: [${s}, ${s}]\n`, `a: { b: ${s}, c: ${s} }\n`, `a:\n  - ${s}\n  - { b: ${s} }\n`]) {
      assert.ok(agrees(text) || (s.includes(':') && text !== `a: ${s}\n`), text);
    }
  }
});

test('hand-picked: many distinct keys and words, so cached strings collide and are replaced, read the same as yaml', () => {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const word = (n: number): string => letters[n % 26]! + letters[Math.floor(n / 26) % 26]! + (n % 7 === 0 ? letters[n % 5]! : '');
  const lines = ['version: 1', 'services:'];
  for (let i = 0; i < 3000; i++) {
    const k = word((i * 7919) % 2000);
    lines.push(`  - { ${k}: ${word(i % 600)}, k${k}: ${i % 3 === 0 ? 'null' : word(i % 50)} }`);
  }
  assert.ok(agreesWithJsYamlToo(`${lines.join('\n')}\n`));
});

test('hand-picked: texts outside the subset go to yaml (anchors, aliases, tags, merge keys, directives, documents, duplicates, block and multi-line scalars, tabs, CR)', () => {
  const refused = [
    'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: !x 1\n', 'base: { p: 1 }\nb:\n  <<: { p: 2 }\n', '%YAML 1.2\n---\na: 1\n', '--- a: 1\n', '--- \na: 1\n', '---\n---\na: 1\n', '---\n',
    'a: 1\n---\nb: 2\n', 'a: 1\n...\n', 'a: 1\na: 2\n', 'a: { b: 1, b: 2 }\n', 'a: |\n  x\n', 'a: >-\n  x\n', 'a: x\n  y\n',
    'a: "x\n  y"\n', 'a:\tb\n', 'a: 1\r\nb: 2\r\n', '\ufeffa: 1\n', '"a": 1\n', '? a\n: 1\n', 'a: "\\u0041"\n', '', '# only\n',
    '- a\n', '  a: 1\n', 'a: [1,\n  2]\n', 'a: { b: 1, }\n', 'a: 1\n  # indented comment\n', 'a: b: c\n', '__proto__: 1\n',
  ];
  for (const text of refused) assert.equal(fastParseYaml(text), null, JSON.stringify(text));
});

test('hand-picked: every example, golden and fixture file either agrees with yaml or is refused', () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      // examples/monitoring holds Prometheus and Grafana files, which lvsync never reads
      if (statSync(path).isDirectory()) { if (path !== join('examples', 'monitoring')) walk(path); }
      else if (/\.ya?ml$/.test(name)) files.push(path);
    }
  };
  for (const dir of ['examples', 'test/fixtures', 'test/golden']) walk(dir);
  const accepted = files.filter((f) => agreesWithJsYamlToo(readFileSync(f, 'utf8')));
  // lvsync's own files are what the fast reader is for: all but the deliberately exotic ones
  assert.ok(accepted.length >= files.length - 6, `the fast reader accepted only ${accepted.length} of ${files.length} files`);
});

test(`property: generated documents with tricky keys and scalars in every layout (${RUNS} cases)`, () => {
  fc.assert(fc.property(docArb(KEYS, TRICKY), (text) => { agrees(text); }), { numRuns: RUNS });
});

test(`property: plain documents in every layout are accepted and agree (${RUNS} cases)`, () => {
  let accepted = 0;
  fc.assert(fc.property(docArb(SAFE_KEYS, SAFE), (text) => { if (agreesWithJsYamlToo(text)) accepted++; }), { numRuns: RUNS });
  // duplicate keys and `- -` lists are refused by design; most layouts must be accepted or the property says little
  assert.ok(accepted > RUNS * 0.3, `only ${accepted} of ${RUNS} plain documents were accepted`);
});

test(`property: plain documents with one to three random edits (${RUNS * 2} cases)`, () => {
  fc.assert(fc.property(mutatedArb, (text) => { agrees(text); }), { numRuns: RUNS * 2 });
  assert.ok(counts.accepted > 0 && counts.refused > 0);
  // js-yaml's differences are corners: most accepted texts must read exactly the same, or the comparison says little
  assert.ok(counts.jsYamlSame > counts.accepted * 0.5, `js-yaml read only ${counts.jsYamlSame} of ${counts.accepted} accepted texts exactly as the fast reader`);
});

test(`property: yaml.stringify of generated configs (${RUNS} cases) is accepted and agrees`, () => {
  fc.assert(fc.property(servicesArb, (services) => {
    // (shared objects would be written as anchors and aliases, which are refused by design)
    const text = stringify({ version: 1, services }, { aliasDuplicateObjects: false });
    assert.ok(agreesWithJsYamlToo(text), `refused a yaml.stringify output:\n${text}`);
  }), { numRuns: RUNS });
});

function bothWays(sources: readonly DesiredSource[]): void {
  useFastReader(false);
  const slow = parseDesiredSources(sources);
  useFastReader(true);
  const fast = parseDesiredSources(sources);
  assert.deepStrictEqual(fast, slow, sources.map((s) => `${s.file}:\n${s.text}`).join('\n'));
}

test('pipeline: every fixture, example and golden input gives the same diagnostics and state, fast reader on or off', () => {
  const groups: DesiredSource[][] = [];
  const walk = (dir: string): void => {
    const here: DesiredSource[] = [];
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name)) here.push({ file: path, text: readFileSync(path, 'utf8') });
    }
    for (const s of here) groups.push([s]);
    if (here.length > 1) groups.push(here);
  };
  for (const dir of ['examples', 'test/fixtures', 'test/golden']) walk(dir);
  for (const g of groups) bothWays(g);
});

// a config with problems in it, so diagnostics of every kind are placed through the lazy positions
const brokenArb = fc.tuple(servicesArb, fc.nat(), fc.constantFrom('duplicate', 'unknown-key', 'bad-port', 'bad-address', 'settings', 'scope'))
  .map(([services, pick, kind]) => {
    const list = services.map((s) => ({ ...s }));
    const i = list.length ? pick % list.length : 0;
    const doc: Record<string, unknown> = { version: 1, services: list };
    if (list.length && kind === 'duplicate') list.push({ ...list[i]!, name: 'again' });
    if (list.length && kind === 'unknown-key') list[i] = { ...list[i], weigth: 1 };
    if (list.length && kind === 'bad-port') list[i] = { ...list[i], port: 'http' };
    if (list.length && kind === 'bad-address') list[i] = { ...list[i], address: '10.0.0.256' };
    if (kind === 'settings') doc['timeouts'] = { tcp: 900, udp: 'x' };
    if (kind === 'scope') doc['scope'] = { addresses: ['10.0.0.0/33'] };
    return doc;
  });

test(`pipeline: generated configs with errors, split over two files (${Math.ceil(RUNS / 4)} cases), same result fast reader on or off`, () => {
  fc.assert(fc.property(brokenArb, brokenArb, (a, b) => {
    bothWays([{ file: 'a.yaml', text: stringify(a) }, { file: 'b.yaml', text: stringify(b) }]);
  }), { numRuns: Math.ceil(RUNS / 4) });
});
