import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempTree } from '../helpers/cli.js';

const GOOD = `version: 1
services:
  - name: web
    protocol: tcp
    address: 192.168.10.100
    port: 80
    scheduler: wrr
    realServers:
      - { address: 10.0.0.11, port: 8080, method: nat, weight: 3 }
`;

test('validate: a valid file exits 0 and says what it holds', async () => {
  const dir = tempTree({ 'a.yaml': GOOD });
  const r = await runCli(['validate', join(dir, 'a.yaml')]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /1 service\(s\), 1 real server\(s\)/);
});

test('validate: YAML, schema and rule errors exit 3 with file:line:col and codes', async () => {
  const dir = tempTree({
    'syntax.yaml': 'version: 1\nservices: [\n',
    'schema.yaml': 'version: 1\nservices:\n  - protocol: tcp\n    address: 10.0.0.1\n    port: 80\n    schedular: rr\n',
    'rule.yaml': 'version: 1\nservices:\n  - protocol: tcp\n    address: 10.0.0.1\n    port: 80\n    realServers:\n      - { address: 10.0.0.11, port: 8080, method: dr }\n',
  });
  const r = await runCli(['validate', dir]);
  assert.equal(r.code, 3);
  const lines = r.stderr.split('\n');
  const at = (file: string, code: string) => lines.find((l) => l.startsWith(join(dir, file)) && l.includes(`[${code}]`));
  assert.match(at('syntax.yaml', 'YAML_SYNTAX') ?? '', /syntax\.yaml:\d+:\d+: error/);
  assert.match(at('schema.yaml', 'SCHEMA') ?? '', /schema\.yaml:6:5: error/);
  assert.match(at('rule.yaml', 'DR_PORT_MISMATCH') ?? '', /rule\.yaml:7:\d+: error/);
  assert.match(r.stderr, /nothing was changed/);
});

test('plan --live: exact commands, --detailed-exitcode 2 with changes, 0 without', async () => {
  const dir = tempTree({ 'a.yaml': GOOD, 'live.save': '-A -t 192.168.10.100:80 -s wlc\n-a -t 192.168.10.100:80 -r 10.0.0.11:8080 -m -w 1\n', 'same.save': '-A -t 192.168.10.100:80 -s wrr\n-a -t 192.168.10.100:80 -r 10.0.0.11:8080 -m -w 3\n' });
  const r = await runCli(['plan', join(dir, 'a.yaml'), '--live', join(dir, 'live.save'), '--detailed-exitcode']);
  assert.equal(r.code, 2);
  assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('  ipvsadm ')), [
    '  ipvsadm -E -t 192.168.10.100:80 -s wrr',
    '  ipvsadm -e -t 192.168.10.100:80 -r 10.0.0.11:8080 -m -w 3',
  ]);
  const none = await runCli(['plan', join(dir, 'a.yaml'), '--live', join(dir, 'same.save'), '--detailed-exitcode']);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /^No changes\./m);
  const plain = await runCli(['plan', join(dir, 'a.yaml'), '--live', join(dir, 'live.save')]);
  assert.equal(plain.code, 0);
});

test('plan --live - reads the snapshot from stdin; --json is machine-readable', async () => {
  const dir = tempTree({ 'a.yaml': GOOD });
  const r = await runCli(['plan', join(dir, 'a.yaml'), '--live', '-', '--json'], { stdin: '' });
  assert.equal(r.code, 0);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.summary, { add: 2, change: 0, destroy: 0 });
});

test('plan: an unparseable live snapshot is an error naming the line, not a partial plan', async () => {
  // (not "-A -t nonsense": ipvsadm reads that as a host name, and so does lvsync; see plan --live with names below)
  const dir = tempTree({ 'a.yaml': GOOD, 'bad.save': '-A -t 192.168.10.100:80 -s wlc\n-A -t 192.168.10.101:80 -s\n' });
  const r = await runCli(['plan', join(dir, 'a.yaml'), '--live', join(dir, 'bad.save')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.save:2:1: error\[LIVE_PARSE\]/);
  assert.equal(r.stdout, '');
});

test('plan: invalid desired state exits 3 before reading the live table', async () => {
  const dir = tempTree({ 'a.yaml': 'version: 2\n' });
  const r = await runCli(['plan', join(dir, 'a.yaml')]);
  assert.equal(r.code, 3);
});

test('usage errors exit 64', async () => {
  assert.equal((await runCli(['frobnicate'])).code, 64);
  assert.equal((await runCli(['plan'])).code, 64);
  assert.equal((await runCli(['plan', 'x.yaml', '--bogus'])).code, 64);
  assert.equal((await runCli([])).code, 64);
  assert.equal((await runCli(['export', 'stray'])).code, 64);
});

test('--help and --version exit 0 and document the exit codes', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  for (const code of ['0', '1', '2', '3', '64']) assert.match(help.stdout, new RegExp(`^  ${code} `, 'm'));
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^lvsync \d+\.\d+\.\d+/);
});
