import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { fakeWithTable } from '../helpers/in-memory-ipvsadm.js';

const YAML = 'version: 1\nservices:\n  - { protocol: tcp, address: 10.9.0.1, port: 80, scheduler: rr, realServers: [{ address: 10.9.1.1, weight: 2 }] }\n';
const mutations = (fake: ReturnType<typeof fakeWithTable>) => fake.calls.filter((c) => !['-S', '-L'].includes(c.args[0] ?? '')).length;

test('plan --out then apply plan.json applies exactly the reviewed plan', async () => {
  const dir = tempTree({ 'lb.yaml': YAML });
  const fake = fakeWithTable('-A -t 10.9.0.1:80 -s wlc\n');
  const out = join(dir, 'plan.json');
  const plan = await runCli(['plan', join(dir, 'lb.yaml'), '--out', out, '--state-dir', join(dir, 's')], { ipvsadm: fake });
  assert.equal(plan.code, 0);
  const saved = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(saved.kind, 'lvsync-plan');
  assert.deepEqual(saved.operations.map((o: { argv: string[] }) => o.argv.join(' ')), [
    'ipvsadm -E -t 10.9.0.1:80 -s rr',
    'ipvsadm -a -t 10.9.0.1:80 -r 10.9.1.1:80 -g -w 2',
  ]);
  const apply = await runCli(['apply', out, '--state-dir', join(dir, 's')], { ipvsadm: fake });
  assert.equal(apply.code, 0, apply.stderr);
  assert.match(runIpvsadm(fake.kernel, ['-S', '-n']).stdout, /-a -t 10\.9\.0\.1:80 -r 10\.9\.1\.1:80 -g -w 2/);
});

test('a saved plan is refused as stale when the live table changed since', async () => {
  const dir = tempTree({ 'lb.yaml': YAML });
  const fake = fakeWithTable('-A -t 10.9.0.1:80 -s wlc\n');
  const out = join(dir, 'plan.json');
  assert.equal((await runCli(['plan', join(dir, 'lb.yaml'), '--out', out, '--state-dir', join(dir, 's')], { ipvsadm: fake })).code, 0);
  runIpvsadm(fake.kernel, ['-E', '-t', '10.9.0.1:80', '-s', 'lc']);
  const before = mutations(fake);
  const apply = await runCli(['apply', out, '--state-dir', join(dir, 's')], { ipvsadm: fake });
  assert.equal(apply.code, 1);
  assert.match(apply.stderr, /plan is stale: the live table changed/);
  assert.equal(mutations(fake), before);
});

test('a saved plan is refused as stale when the config changed since', async () => {
  const dir = tempTree({ 'lb.yaml': YAML });
  const fake = fakeWithTable('');
  const out = join(dir, 'plan.json');
  assert.equal((await runCli(['plan', join(dir, 'lb.yaml'), '--out', out, '--state-dir', join(dir, 's')], { ipvsadm: fake })).code, 0);
  writeFileSync(join(dir, 'lb.yaml'), YAML.replace('weight: 2', 'weight: 3'));
  const apply = await runCli(['apply', out, '--state-dir', join(dir, 's')], { ipvsadm: fake });
  assert.equal(apply.code, 1);
  assert.match(apply.stderr, /plan is stale: the desired state changed/);
  assert.equal(mutations(fake), 0);
});

test('a JSON file that is not a saved plan is an error, not a config', async () => {
  const dir = tempTree({ 'x.json': '{"hello": 1}' });
  const r = await runCli(['apply', join(dir, 'x.json'), '--state-dir', join(dir, 's')], { ipvsadm: fakeWithTable('') });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not an lvsync saved plan/);
});

test('plan --format markdown: counts table, changes table, commands folded', async () => {
  const dir = tempTree({ 'lb.yaml': YAML, 'live.save': '-A -t 10.9.0.1:80 -s wlc\n-A -t 172.16.0.1:80 -s rr\n' });
  const r = await runCli(['plan', join(dir, 'lb.yaml'), '--live', join(dir, 'live.save'), '--format', 'markdown', '--state-dir', join(dir, 's')]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^\| director-test \| 1 \| 1 \| 0 \| 1 \| 📝 changes \|$/m);
  assert.match(r.stdout, /^\| ✏️ change service \| `tcp 10\.9\.0\.1:80` \| {2}\| `scheduler`: wlc → rr \|/m);
  assert.match(r.stdout, /<details><summary>2 ipvsadm command\(s\)<\/summary>\n\n```sh\nipvsadm -E -t 10\.9\.0\.1:80 -s rr\n/);
  assert.equal((await runCli(['plan', join(dir, 'lb.yaml'), '--format', 'yaml'])).code, 64);
});
