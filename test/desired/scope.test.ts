import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { parseFwmarkRange, parseScopeAddress } from '../../src/desired/scope.js';

/**
 * The scope guards deletion, so its parsing is strict and its merge across files is explicit.
 */

test('scope addresses become canonical network/prefix text', () => {
  assert.deepEqual(parseScopeAddress('192.168.10.0/24'), { ok: '192.168.10.0/24' });
  assert.deepEqual(parseScopeAddress('10.0.0.7'), { ok: '10.0.0.7/32' });
  assert.deepEqual(parseScopeAddress('2001:DB8:0:0::/64'), { ok: '2001:db8::/64' });
  assert.deepEqual(parseScopeAddress('2001:db8::a1'), { ok: '2001:db8::a1/128' });
  assert.deepEqual(parseScopeAddress('0.0.0.0/0'), { ok: '0.0.0.0/0' });
  assert.deepEqual(parseScopeAddress('::/0'), { ok: '::/0' });
});

test('scope addresses with host bits, bad prefixes or bad text are refused', () => {
  for (const text of ['10.0.0.1/24', '2001:db8::1/64', '10.0.0.0/33', '10.0.0.0/', 'ten', '10.0.0.0/8/8', '010.0.0.0/8']) {
    assert.ok('error' in parseScopeAddress(text), text);
  }
});

test('fwmark ranges: numbers, "a-b" and "n" text; empty or reversed ranges are refused', () => {
  assert.deepEqual(parseFwmarkRange(7), { ok: { from: 7, to: 7 } });
  assert.deepEqual(parseFwmarkRange('1-99'), { ok: { from: 1, to: 99 } });
  assert.deepEqual(parseFwmarkRange(' 5 - 6 '), { ok: { from: 5, to: 6 } });
  assert.deepEqual(parseFwmarkRange('4294967295'), { ok: { from: 4294967295, to: 4294967295 } });
  for (const bad of ['9-1', '0', '0-3', '1-4294967296', 'x', '1-', '-1', '1..9']) assert.ok('error' in parseFwmarkRange(bad), bad);
});

test('scopes from several files merge: lists concatenated, equal settings agree, defaults when unset', () => {
  const result = parseDesiredSources([
    { file: 'a.yaml', text: 'version: 1\nscope:\n  addresses: ["10.0.0.0/8"]\n  fwmarks: [1]\n  prune: false\n' },
    { file: 'b.yaml', text: 'version: 1\nscope:\n  addresses: ["2001:db8::/32"]\n  prune: false\n' },
    { file: 'c.yaml', text: 'version: 1\n' },
  ]);
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.state?.scope, {
    prune: false, addresses: ['10.0.0.0/8', '2001:db8::/32'], fwmarks: [{ from: 1, to: 1 }], maxDeleteShare: 0.5,
  });
});

test('a conflicting prune names both places', () => {
  const result = parseDesiredSources([
    { file: 'a.yaml', text: 'version: 1\nscope:\n  prune: true\n' },
    { file: 'b.yaml', text: 'version: 1\nscope: { prune: false }\n' },
  ]);
  assert.equal(result.state, null);
  const [conflict] = result.diagnostics;
  assert.deepEqual([conflict?.code, conflict?.file, conflict?.line, conflict?.col], ['SCOPE_CONFLICT', 'b.yaml', 2, 17]);
  assert.deepEqual(conflict?.related, { file: 'a.yaml', line: 3, col: 10 });
  assert.match(conflict?.message ?? '', /a\.yaml:3:10/);
});
