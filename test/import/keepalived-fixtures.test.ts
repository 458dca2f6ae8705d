import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { importKeepalived } from '../../src/import/keepalived/index.js';
import type { ImportResult, SourcePos } from '../../src/import/types.js';
import { diskSources, memorySources } from './sources.js';

/**
 * The keepalived corpus (test/fixtures/import/keepalived/, sources in its README): each folder is
 * a configuration (`keepalived.conf`, with the files it includes) and `expected.json`: the document
 * (deep equal), the comments as [service index or null, "file:line"], the notes as
 * [severity, code, "file:line:col"] (their number included). `expected-vrrp.conf`, when present, is
 * the --keep-vrrp output. Every imported document must pass the desired-state pipeline.
 */

const CORPUS = fileURLToPath(new URL('../../../test/fixtures/import/keepalived/', import.meta.url));

interface Expected {
  readonly document: unknown;
  readonly comments: readonly (readonly [number | null, string])[];
  readonly notes: readonly (readonly [string, string, string])[];
}

const where = (at: SourcePos) => `${at.file}:${at.line}${at.col !== undefined ? `:${at.col}` : ''}`;

function validate(result: ImportResult): void {
  const out = parseDesiredSources([{ file: 'imported.yaml', text: stringify(result.document) }]);
  const errors = out.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], 'the imported document passes lvsync validate');
  assert.ok(out.state, 'and normalises to a state');
}

const cases = readdirSync(CORPUS).filter((name) => statSync(CORPUS + name).isDirectory()).sort();

test('the corpus has the cases the README lists', () => {
  assert.deepEqual(cases, ['basic', 'checkers', 'defaults', 'group', 'include', 'ipv6', 'missing-brace', 'settings', 'sorry']);
});

for (const name of cases) {
  test(`fixture ${name}: document, comments, notes${existsSync(`${CORPUS}${name}/expected-vrrp.conf`) ? ', --keep-vrrp output' : ''}`, () => {
    const dir = `${CORPUS}${name}/`;
    const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as Expected;
    const vrrpFile = `${dir}expected-vrrp.conf`;
    const keep = existsSync(vrrpFile);
    const result = importKeepalived('keepalived.conf', diskSources(dir), keep ? { keepVrrp: 'keep-vrrp.conf' } : {});
    assert.deepEqual(result.document, expected.document);
    assert.deepEqual(result.comments.map((c) => [c.service, `${c.at.file}:${c.at.line}`]), expected.comments);
    assert.deepEqual(result.notes.map((n) => [n.severity, n.code, where(n.at)]), expected.notes);
    for (const c of result.comments) assert.ok(c.text.length > 0 && !c.text.includes('\n'), 'one line of text per comment');
    validate(result);
    if (keep) assert.equal(result.vrrp, readFileSync(vrrpFile, 'utf8'));
    else assert.equal(result.vrrp, undefined);
  });
}

test('fixture basic: tabs, a UTF-8 comment and comments after values change nothing', () => {
  const dir = `${CORPUS}basic/`;
  const text = readFileSync(`${dir}keepalived.conf`, 'utf8');
  assert.match(text, /\t/);
  assert.match(text, /東京/);
  // the same file with every comment removed and spaces for tabs imports to the same document
  const plain = text.split('\n').map((l) => l.replace(/[#!].*$/, '').replace(/\t/g, '    ')).join('\n');
  const a = importKeepalived('keepalived.conf', diskSources(dir), {});
  const b = importKeepalived('keepalived.conf', memorySources({ 'keepalived.conf': plain }), {});
  assert.deepEqual(b.document, a.document);
});

test('--keep-vrrp output has no IPVS left: importing it gives no service and no setting', () => {
  for (const name of ['basic', 'settings']) {
    const vrrp = readFileSync(`${CORPUS}${name}/expected-vrrp.conf`, 'utf8');
    const statements = vrrp.split('\n').filter((l) => !/^\s*[!#]/.test(l)).join('\n');
    assert.doesNotMatch(statements, /virtual_server|lvs_sync_daemon|lvs_timeouts|lvs_flush/);
    assert.match(vrrp, /vrrp_instance VI_1 \{/);
    const again = importKeepalived('keep.conf', memorySources({ 'keep.conf': vrrp }), {});
    assert.deepEqual(again.document, { version: 1 });
    assert.deepEqual(again.notes.map((n) => n.code), ['IMPORT_KEPT']);
  }
});

test('fixture include: the nested include is relative to the including file, not the main one', () => {
  const result = importKeepalived('keepalived.conf', diskSources(`${CORPUS}include/`), {});
  const web = result.document.services?.find((s) => s.address === '10.0.0.80');
  assert.deepEqual(web?.realServers?.map((s) => s.address), ['10.0.1.1', '10.0.1.2']);
  // conf.d/README does not match *.conf; api.conf comes before web.conf (glob order)
  assert.deepEqual(result.document.services?.map((s) => s.address), ['10.0.0.81', '10.0.0.80']);
});
