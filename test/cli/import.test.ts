import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { NameResolver } from '../../src/live/names.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { fakeNames, noHostNames } from '../helpers/fake-names.js';

/** `lvsync import KIND PATH [--out FILE]`, and rules files with names read by plan --live and export --live. */

const NOTE = /^\S+:\d+:\d+: (error|warning|info)\[IMPORT_[A-Z]+\]: \S/;
const names = (hosts = '127.0.0.1 localhost\n127.0.0.1 www.example\n10.0.0.5 vip.example\n'): NameResolver => fakeNames(hosts);
const corpus = fileURLToPath(new URL('../../../test/fixtures/import/ipvsadm/', import.meta.url));

/** The YAML without its leading comment lines (the header says import or export). */
const body = (yaml: string): string => yaml.replace(/^(#.*\n)+/, '');

test('import ipvsadm: the YAML on stdout, notes on stderr as file:line:col: severity[CODE], exit 0 with warnings', async () => {
  const dir = tempTree({ 'r.rules': '-A -t vip.example:http -s rr\n-a -t vip.example:http -r 10.1.1.1:80 -m -w 2\n' });
  const r = await runCli(['import', 'ipvsadm', join(dir, 'r.rules')], { names: names() });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  for (const l of lines) assert.match(l, NOTE);
  assert.deepEqual(lines.map((l) => l.replace(/: .*/, '').replace(/^.*r\.rules/, 'r.rules') + ' ' + /\w+\[\w+\]/.exec(l)?.[0]), ['r.rules:1:1 info[IMPORT_RESOLVED]', 'r.rules:1:1 warning[IMPORT_RESOLVED]']);
  assert.match(r.stdout, /^# Imported by lvsync from .*r\.rules/);
  // the notes are comments too, before the service they are about
  assert.match(r.stdout, /\n {2}# .*r\.rules:1: host name vip\.example resolved to 10\.0\.0\.5.*\n {2}- protocol: tcp\n {4}address: 10\.0\.0\.5\n {4}port: 80\n/);
});

test('import --out FILE writes the YAML there and nothing on stdout; the file validates', async () => {
  const dir = tempTree({ 'r.rules': '-A -t 10.0.0.1:80 -s rr\n' });
  const out = join(dir, 'out.yaml');
  const r = await runCli(['import', 'ipvsadm', join(dir, 'r.rules'), '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(readFileSync(out, 'utf8'), /address: 10\.0\.0\.1/);
  assert.equal((await runCli(['validate', out])).code, 0);
});

test('import: invalid input exits 3 and writes nothing, not even with --out', async () => {
  const dir = tempTree({ 'bad.rules': '-A -t 10.0.0.1:80 -s rr\n-A -t 10.0.0.2:80 -s rr --bogus\n' });
  const out = join(dir, 'out.yaml');
  const r = await runCli(['import', 'ipvsadm', join(dir, 'bad.rules'), '--out', out]);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, '');
  assert.equal(existsSync(out), false);
  assert.match(r.stderr.split('\n')[0]!, /bad\.rules:2:1: error\[IMPORT_SYNTAX\]: /);
  assert.match(r.stderr, /cannot be imported \(1 error\); nothing was written/);
});

test('import: two host names for one address are one IMPORT_COLLISION naming both lines, exit 3', async () => {
  const dir = tempTree({ 'c.rules': '-A -t localhost:http -s rr\n-A -t www.example:http -s wlc\n' });
  const r = await runCli(['import', 'ipvsadm', join(dir, 'c.rules')], { names: names() });
  assert.equal(r.code, 3);
  const collision = r.stderr.split('\n').filter((l) => l.includes('[IMPORT_COLLISION]'));
  assert.equal(collision.length, 1);
  assert.match(collision[0]!, /c\.rules:2:1: error\[IMPORT_COLLISION\]: .*line 1.*\(see .*c\.rules:1:1\)$/);
});

test('import: a host name that does not resolve is IMPORT_UNRESOLVED at its line, telling to save with ipvsadm -S -n', async () => {
  const failing: NameResolver = { ...noHostNames, host: async () => [] };
  const dir = tempTree({ 'u.rules': '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r db.internal:80 -m\n' });
  const r = await runCli(['import', 'ipvsadm', join(dir, 'u.rules')], { names: failing });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /u\.rules:2:1: error\[IMPORT_UNRESOLVED\]: .*db\.internal.*ipvsadm -S -n/);
});

test('import: a missing file exits 3', async () => {
  const r = await runCli(['import', 'ipvsadm', join(tempTree({}), 'nope.rules')]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /nope\.rules: error\[IMPORT_SYNTAX\]: no such file/);
});

test('import: a document that does not validate is lvsync\'s bug: exit 1, said so, nothing written', async () => {
  // ipvsadm accepts a multicast real server (the kernel refuses it); lvsync's rules refuse it in the YAML
  const dir = tempTree({ 'm.rules': '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 224.0.0.1:80 -m -w 1\n' });
  const r = await runCli(['import', 'ipvsadm', join(dir, 'm.rules')]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /<stdout>:\d+:\d+: error\[ADDRESS_NOT_UNICAST\]/);
  assert.match(r.stderr, /bug: the document imported from .*m\.rules does not pass lvsync's own validation/);
});

test('import: usage errors exit 64 (kind, path, stray arguments, --keep-vrrp outside keepalived)', async () => {
  assert.equal((await runCli(['import'])).code, 64);
  assert.equal((await runCli(['import', 'ipvsadm'])).code, 64);
  assert.equal((await runCli(['import', 'haproxy', 'x.cfg'])).code, 64);
  assert.equal((await runCli(['import', 'ipvsadm', 'a', 'b'])).code, 64);
  assert.equal((await runCli(['import', 'ipvsadm', 'a', '--keep-vrrp', 'v.conf'])).code, 64);
  assert.equal((await runCli(['import', 'ipvsadm', 'a', '--bogus'])).code, 64);
});

test('import keepalived and ldirectord reach their importers (an unreadable file is invalid input, exit 3)', async () => {
  const dir = tempTree({});
  for (const kind of ['keepalived', 'ldirectord']) {
    const r = await runCli(['import', kind, join(dir, `missing.${kind}`)]);
    assert.equal(r.code, 3, `${kind}: ${r.stderr}`);
    assert.match(r.stderr, /error\[IMPORT_[A-Z]+\]/);
  }
  assert.equal((await runCli(['import', 'keepalived', join(dir, 'missing'), '--keep-vrrp', join(dir, 'vrrp.conf')])).code, 3);
});

test('the differential guarantee: for every -n file of the corpus, import ipvsadm writes the YAML export --live writes', async () => {
  const numeric = readdirSync(corpus).filter((n) => n.endsWith('.rules') && !/[a-z]:[a-z]|localhost|example/.test(readFileSync(join(corpus, n), 'utf8')));
  assert.ok(numeric.length >= 10, numeric.join(' '));
  for (const n of numeric) {
    const path = join(corpus, n);
    const imported = await runCli(['import', 'ipvsadm', path]);
    if (imported.code !== 0) continue;
    const exported = await runCli(['export', '--live', path]);
    assert.equal(exported.code, 0, `${n}: ${exported.stderr}`);
    // no note: nothing was looked up (lvsync's own warnings on the YAML may come, e.g. a flag wrr ignores)
    assert.doesNotMatch(imported.stderr, /IMPORT_/, n);
    assert.equal(body(imported.stdout), body(exported.stdout), n);
  }
});

test('with names too, import ipvsadm is export --live plus the comments, and both print the same notes', async () => {
  const path = join(corpus, 'save-names.rules');
  const imported = await runCli(['import', 'ipvsadm', path], { names: names() });
  const exported = await runCli(['export', '--live', path], { names: names() });
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(exported.code, 0, exported.stderr);
  const noComments = (yaml: string): string => yaml.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
  assert.equal(noComments(imported.stdout), noComments(exported.stdout));
  const codesOf = (stderr: string): string[] => stderr.trimEnd().split('\n').map((l) => /:(\d+):\d+: (\w+)\[/.exec(l)?.slice(1).join(' ') ?? l);
  assert.deepEqual(codesOf(exported.stderr), codesOf(imported.stderr));
  assert.match(exported.stderr, /save-names\.rules:12:1: warning\[LIVE_RESOLVED\]: host name localhost resolved to 127\.0\.0\.1/);
});

test('plan --live reads a file saved without -n: names resolved, warnings on stderr, the same plan as its -n twin', async () => {
  const desired = 'version: 1\nservices:\n  - { protocol: tcp, address: 127.0.0.1, port: 80, scheduler: rr, realServers: [{ address: 10.1.1.1, port: 8080, method: nat, weight: 2 }] }\n';
  const dir = tempTree({
    'a.yaml': desired,
    'named.save': '-A -t localhost:http -s wlc\n-a -t localhost:http -r 10.1.1.1:http-alt -m -w 1\n',
    'numeric.save': '-A -t 127.0.0.1:80 -s wlc\n-a -t 127.0.0.1:80 -r 10.1.1.1:8080 -m -w 1\n',
  });
  const named = await runCli(['plan', join(dir, 'a.yaml'), '--live', join(dir, 'named.save')], { names: names() });
  const numeric = await runCli(['plan', join(dir, 'a.yaml'), '--live', join(dir, 'numeric.save')]);
  assert.equal(named.code, 0, named.stderr);
  assert.equal(named.stdout, numeric.stdout);
  assert.match(named.stderr, /named\.save:1:1: warning\[LIVE_RESOLVED\]: host name localhost/);
  assert.equal(numeric.stderr, '');
});

test('plan --live: a name that does not resolve, or a collision, is exit 1 naming the line', async () => {
  const dir = tempTree({ 'a.yaml': 'version: 1\nservices: []\n', 'u.save': '-A -t nowhere.example:80 -s rr\n', 'c.save': '-A -t localhost:80 -s rr\n-A -t 127.0.0.1:80 -s rr\n' });
  const u = await runCli(['plan', join(dir, 'a.yaml'), '--live', join(dir, 'u.save')], { names: names() });
  assert.equal(u.code, 1);
  assert.match(u.stderr, /u\.save:1:1: error\[LIVE_UNRESOLVED\]/);
  const c = await runCli(['plan', join(dir, 'a.yaml'), '--live', join(dir, 'c.save')], { names: names() });
  assert.equal(c.code, 1);
  assert.match(c.stderr, /c\.save:2:1: error\[LIVE_COLLISION\]/);
});
