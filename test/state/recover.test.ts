import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDrainState } from '../../src/state/drains.js';
import { parseHealthFile } from '../../src/state/health-file.js';
import { parseInventory, readInventory } from '../../src/state/inventory.js';
import { parseLock } from '../../src/state/lock.js';
import { corruptStamp, readStateFile, setAside, stateFileWarning, type Parsed } from '../../src/state/recover.js';
import { tempTree } from '../helpers/cli.js';

/**
 * Issue 13, the pieces: each state file's parser tells a usable file from every kind of bad one,
 * and a bad file is moved aside under a name of its own, or left alone when it was replaced meanwhile.
 */

const T = Date.UTC(2026, 11, 6, 4, 38, 0);

test('the .corrupt- suffix is the UTC time, sortable and shell-safe', () => {
  assert.equal(corruptStamp(T), '20261206T043800Z');
  assert.equal(corruptStamp(T + 999), '20261206T043800Z');
});

const kinds = (valid: string): [string, string, RegExp | null][] => [
  ['valid', valid, null],
  ['empty', '', /^is empty$/],
  ['not JSON', '{garbage', /^is not valid JSON \(/],
  ['truncated', valid.slice(0, valid.length - 3), /^is not valid JSON \(/],
  ['a JSON array', '[1, 2]', /^is not an lvsync \w+/],
  ['no version', '{"services": []}', /no "version"/],
  ['a newer version', '{"version": 2, "services": [], "drains": [], "states": []}', /^has version 2; this lvsync reads .* version 1$/],
];

const check = <T>(name: string, parse: (text: string) => Parsed<T>, valid: string, extra: [string, string, RegExp][]) => {
  for (const [kind, text, invalid] of [...kinds(valid), ...extra]) {
    const r = parse(text);
    if (invalid === null) assert.ok('ok' in r, `${name}: ${kind} is usable`);
    else assert.match('invalid' in r ? r.invalid : '(parsed)', invalid, `${name}: ${kind}`);
  }
};

test('inventory.json: usable only exactly as lvsync writes it (it licenses deletes)', () => {
  check('inventory', parseInventory, '{"version": 1, "services": ["tcp|10.0.0.1|80"], "thresholds": false}', [
    ['services not a list', '{"version": 1, "services": "tcp|10.0.0.1|80"}', /"services" is not a list/],
    ['a service that is not a key', '{"version": 1, "services": ["tcp|10.0.0.1|80", 7]}', /"services" is not a list of service keys/],
    ['thresholds not a boolean', '{"version": 1, "services": [], "thresholds": "yes"}', /"thresholds"/],
    ['a malformed loss record', '{"version": 1, "services": [], "lost": {"at": "yesterday"}}', /"lost"/],
  ]);
  const r = parseInventory('{"version": 1, "services": [], "lost": {"at": "2026-12-06T04:38:00Z", "movedTo": null}}');
  assert.deepEqual(r, { ok: { version: 1, services: [], thresholds: false, lost: { at: T, movedTo: null } } });
});

test('drains.json, health.json and apply.lock: every bad kind is told apart from a usable file', () => {
  check('drains', parseDrainState, '{"version": 1, "drains": [], "timeouts": {}}', [
    ['drains not a list', '{"version": 1, "drains": {}}', /"drains" is not a list/],
    ['timeouts not an object', '{"version": 1, "drains": [], "timeouts": 5}', /"timeouts"/],
  ]);
  check('health', parseHealthFile, '{"version": 1, "states": []}', [['states not a list', '{"version": 1, "states": {}}', /"states" is not a list/]]);
  assert.deepEqual(parseLock('4242\n'), { ok: 4242 });
  for (const [text, why] of [['', /^is empty/], ['{garbage', /^holds no pid/], ['0\n', /^holds no pid/], ['-5', /^holds no pid/], ['12 34', /^holds no pid/], ['[1, 2]', /^holds no pid/]] as const) {
    const r = parseLock(text);
    assert.match('invalid' in r ? r.invalid : '(parsed)', why, JSON.stringify(text));
  }
});

const parseAny = (text: string): Parsed<string> => (text === 'good' ? { ok: text } : { invalid: 'is bad' });

test('a bad file is moved aside; a second one in the same second gets a name of its own', async () => {
  const dir = tempTree({ 'x.json': 'bad one' });
  const options = { repair: true, now: () => T };
  const first = await readStateFile(join(dir, 'x.json'), parseAny, options);
  assert.equal(first.value, null);
  assert.equal(first.problem?.movedTo, join(dir, 'x.json.corrupt-20261206T043800Z'));
  writeFileSync(join(dir, 'x.json'), 'bad two');
  const second = await readStateFile(join(dir, 'x.json'), parseAny, options);
  assert.equal(second.problem?.movedTo, join(dir, 'x.json.corrupt-20261206T043800Z-2'));
  assert.equal(readFileSync(join(dir, 'x.json.corrupt-20261206T043800Z'), 'utf8'), 'bad one', 'the first is not overwritten');
  assert.equal(readFileSync(join(dir, 'x.json.corrupt-20261206T043800Z-2'), 'utf8'), 'bad two');
  assert.equal(existsSync(join(dir, 'x.json')), false);
  // a missing file is no problem (a first run), a good one is read
  assert.deepEqual(await readStateFile(join(dir, 'x.json'), parseAny, options), { value: null, problem: null });
  writeFileSync(join(dir, 'x.json'), 'good');
  assert.deepEqual(await readStateFile(join(dir, 'x.json'), parseAny, options), { value: 'good', problem: null });
});

test('a directory in a file\'s place is moved aside too; a read-only caller leaves it and says so', async () => {
  const dir = tempTree({ 'x.json/inside': 'a file in the directory' });
  const looked = await readStateFile(join(dir, 'x.json'), parseAny, { repair: false });
  assert.equal(looked.problem?.reason, 'is a directory, not a file');
  assert.equal(looked.problem?.movedTo, null);
  assert.match(stateFileWarning(looked.problem!, 'x').message, /left in place \(this command only reads the state directory/);
  assert.ok(existsSync(join(dir, 'x.json/inside')));
  const moved = await readStateFile(join(dir, 'x.json'), parseAny, { repair: true, now: () => T });
  assert.equal(moved.problem?.movedTo, join(dir, 'x.json.corrupt-20261206T043800Z'));
  assert.ok(existsSync(join(dir, 'x.json.corrupt-20261206T043800Z/inside')));
});

test('a file replaced after it was read (another lvsync rewrote it) is not moved aside', async () => {
  const dir = tempTree({ 'x.json': 'fresh and good' });
  const p = await setAside(join(dir, 'x.json'), 'is bad', { dev: 0, ino: 0 }, { repair: true, now: () => T });
  assert.equal(p.movedTo, null);
  assert.match(p.moveError ?? '', /replaced or moved/);
  assert.deepEqual(readdirSync(dir), ['x.json']);
});

test('the STATE_FILE warning names the file, where it went and what lvsync does instead', () => {
  const w = stateFileWarning({ path: '/s/inventory.json', reason: 'is not valid JSON (x)', movedTo: '/s/inventory.json.corrupt-20261206T043800Z' }, 'carrying on');
  assert.deepEqual(w, {
    severity: 'warning', code: 'STATE_FILE', file: '/s/inventory.json',
    message: 'is not valid JSON (x); moved aside to /s/inventory.json.corrupt-20261206T043800Z; carrying on',
  });
});

test('a lost inventory is recorded at once in a fresh inventory (a run that stops early must not make it a first run)', async () => {
  const dir = tempTree({ 'inventory.json': '{garbage' });
  const read = await readInventory(dir, { repair: true, now: () => T });
  assert.deepEqual(read.loss, { at: T, movedTo: join(dir, 'inventory.json.corrupt-20261206T043800Z') });
  assert.equal(read.warning?.code, 'STATE_FILE');
  assert.equal(read.inventory.thresholds, true, 'whether thresholds were declared is lost too: read them');
  const written = JSON.parse(readFileSync(join(dir, 'inventory.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(written, { version: 1, services: [], thresholds: true, lost: { at: '2026-12-06T04:38:00Z', movedTo: join(dir, 'inventory.json.corrupt-20261206T043800Z') } });
  // the next read finds the loss recorded, with no new warning
  const again = await readInventory(dir, { repair: true, now: () => T + 60_000 });
  assert.deepEqual(again.loss, read.loss);
  assert.equal(again.warning, null);
});
