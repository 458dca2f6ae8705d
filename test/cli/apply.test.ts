import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempTree } from '../helpers/cli.js';
import { fakeWithTable } from '../helpers/in-memory-ipvsadm.js';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';

const save = (fake: ReturnType<typeof fakeWithTable>): string => runIpvsadm(fake.kernel, ['-S', '-n']).stdout;
const mutating = (fake: ReturnType<typeof fakeWithTable>) => fake.calls.filter((c) => !['-S', '-L'].includes(c.args[0] ?? ''));

const WEB = `version: 1
scope: { addresses: ["192.168.10.0/24"] }
services:
  - name: web
    protocol: tcp
    address: 192.168.10.100
    port: 80
    scheduler: wrr
    persistence: { timeout: 300 }
    realServers:
      - { address: 10.0.0.11, port: 8080, method: nat, weight: 3 }
      - { address: 10.0.0.12, port: 8080, method: nat, weight: 1 }
      - { address: 10.0.0.13, method: dr, upperThreshold: 100, lowerThreshold: 10 }
`;

test('apply converges in one -R batch, verifies, and a second plan is empty', async () => {
  const dir = tempTree({ 'web.yaml': WEB });
  const fake = fakeWithTable('-A -t 192.168.10.100:80 -s wlc\n-a -t 192.168.10.100:80 -r 10.0.0.99:8080 -m -w 1\n-A -t 172.16.0.1:22 -s rr\n');
  const r = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state')], { ipvsadm: fake });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Apply complete/);
  assert.deepEqual(mutating(fake).map((c) => c.args), [['-R']]);
  assert.match(save(fake), /-A -t 192\.168\.10\.100:80 -s wrr -p 300/);
  assert.match(save(fake), /-A -t 172\.16\.0\.1:22 -s rr/); // unowned: untouched
  const again = await runCli(['plan', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state'), '--detailed-exitcode'], { ipvsadm: fake });
  assert.equal(again.code, 0, again.stdout);
  // the thresholds were read back from -L --thresholds, not assumed
  assert.ok(fake.calls.some((c) => c.args.join(' ') === '-L -n --thresholds'));
});

test('apply --per-command runs one ipvsadm process per operation', async () => {
  const dir = tempTree({ 'web.yaml': WEB });
  const fake = fakeWithTable('');
  const r = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state'), '--per-command'], { ipvsadm: fake });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(mutating(fake).length, 4);
});

test('apply with invalid desired state exits 3 and never runs ipvsadm', async () => {
  const dir = tempTree({ 'bad.yaml': WEB.replace('method: dr', 'method: dr, port: 9999') });
  const fake = fakeWithTable('-A -t 192.168.10.100:80 -s wlc\n');
  const r = await runCli(['apply', join(dir, 'bad.yaml'), '--state-dir', join(dir, 'state')], { ipvsadm: fake });
  assert.equal(r.code, 3);
  assert.equal(fake.calls.length, 0);
});

test('a kernel error half-way reports what took effect, what failed and what was not attempted; the next apply repairs it', async () => {
  // the 6.1 kernel has no `twos` scheduler: -A fails in the kernel, -R carries on with the other lines
  const broken = WEB + `  - name: api
    protocol: tcp
    address: 192.168.10.101
    port: 443
    scheduler: twos
    realServers:
      - { address: 10.0.1.1 }
      - { address: 10.0.1.2 }
`;
  const dir = tempTree({ 'lb.yaml': broken });
  const fake = fakeWithTable('');
  const state = join(dir, 'state');
  const r = await runCli(['apply', join(dir, 'lb.yaml'), '--state-dir', state], { ipvsadm: fake });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Apply FAILED: 4 of 7 operation\(s\) took effect, 1 failed, 2 not attempted/);
  assert.match(r.stderr, /✗ ipvsadm -A -t 192\.168\.10\.101:443 -s twos\n\s+exit 255: Scheduler or persistence engine not found/);
  assert.match(r.stderr, /Not attempted:\n {2}- ipvsadm -a -t 192\.168\.10\.101:443 -r 10\.0\.1\.1:443 -g -w 1\n {2}- ipvsadm -a -t 192\.168\.10\.101:443 -r 10\.0\.1\.2:443 -g -w 1/);
  assert.match(r.stderr, /✓ ipvsadm -A -t 192\.168\.10\.100:80 -s wrr -p 300/);
  // the web service did land
  assert.match(save(fake), /-a -t 192\.168\.10\.100:80 -r 10\.0\.0\.11:8080 -m -w 3/);
  writeFileSync(join(dir, 'lb.yaml'), broken.replace('scheduler: twos', 'scheduler: rr'));
  const fixed = await runCli(['apply', join(dir, 'lb.yaml'), '--state-dir', state], { ipvsadm: fake });
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, /Plan: 3 to add, 0 to change, 0 to destroy/);
});

test('services lvsync created are deleted when removed from the config (inventory), others are not', async () => {
  const dir = tempTree({
    'a.yaml': 'version: 1\nservices:\n  - { protocol: tcp, address: 10.9.0.1, port: 80 }\n  - { protocol: tcp, address: 10.9.0.2, port: 80 }\n  - { protocol: tcp, address: 10.9.0.3, port: 80 }\n',
  });
  const state = join(dir, 'state');
  const fake = fakeWithTable('-A -t 10.9.0.9:80 -s rr\n');
  assert.equal((await runCli(['apply', join(dir, 'a.yaml'), '--state-dir', state], { ipvsadm: fake })).code, 0);
  assert.deepEqual(JSON.parse(readFileSync(join(state, 'inventory.json'), 'utf8')).services, ['tcp|10.9.0.1|80', 'tcp|10.9.0.2|80', 'tcp|10.9.0.3|80']);
  writeFileSync(join(dir, 'a.yaml'), 'version: 1\nservices:\n  - { protocol: tcp, address: 10.9.0.1, port: 80 }\n  - { protocol: tcp, address: 10.9.0.2, port: 80 }\n');
  const r = await runCli(['apply', join(dir, 'a.yaml'), '--state-dir', state], { ipvsadm: fake });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ipvsadm -D -t 10\.9\.0\.3:80/);
  assert.doesNotMatch(save(fake), /10\.9\.0\.3/);
  assert.match(save(fake), /-A -t 10\.9\.0\.9:80 -s rr/);
});

test('a mass delete is refused without --allow-mass-delete and nothing is changed', async () => {
  const dir = tempTree({ 'empty.yaml': 'version: 1\nscope: { addresses: ["10.9.0.0/24"] }\n' });
  const fake = fakeWithTable('-A -t 10.9.0.1:80 -s rr\n-A -t 10.9.0.2:80 -s rr\n');
  const r = await runCli(['apply', join(dir, 'empty.yaml'), '--state-dir', join(dir, 'state')], { ipvsadm: fake });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /error\[MASS_DELETE\]/);
  assert.equal(mutating(fake).length, 0);
  const ok = await runCli(['apply', join(dir, 'empty.yaml'), '--state-dir', join(dir, 'state'), '--allow-mass-delete'], { ipvsadm: fake });
  assert.equal(ok.code, 0);
  assert.equal(save(fake), '');
});

test('on a terminal apply asks; anything but "yes" cancels without changes; --yes does not ask', async () => {
  const dir = tempTree({ 'web.yaml': WEB });
  const fake = fakeWithTable('');
  const no = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state')], { ipvsadm: fake, interactive: true, answer: 'y' });
  assert.equal(no.code, 1);
  assert.equal(no.prompts.length, 1);
  assert.equal(mutating(fake).length, 0);
  const yes = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state'), '--yes'], { ipvsadm: fake, interactive: true });
  assert.equal(yes.code, 0);
  assert.equal(yes.prompts.length, 0);
});

test('two applies cannot interleave: a held lock fails fast', async () => {
  const dir = tempTree({ 'web.yaml': WEB, 'state/apply.lock': `${process.pid}\n` });
  const fake = fakeWithTable('');
  const r = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state')], { ipvsadm: fake });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /another lvsync \(pid \d+\) is applying/);
  assert.equal(fake.calls.length, 0);
  // a stale lock (dead pid) is taken over
  writeFileSync(join(dir, 'state/apply.lock'), '999999999\n');
  assert.equal((await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state')], { ipvsadm: fake })).code, 0);
});

test('export writes a valid document that plans with no changes against the same table', async () => {
  const fake = fakeWithTable([
    '-A -t 192.168.10.100:80 -s wrr -p 300 -M 255.255.255.0',
    '-a -t 192.168.10.100:80 -r 10.0.0.11:8080 -m -w 3 -x 100 -y 10',
    '-a -t 192.168.10.100:80 -r 10.0.0.12:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum',
    '-A -t [2001:db8::1]:80 -s mh -p 120 -M 64 -b mh-fallback,mh-port',
    '-a -t [2001:db8::1]:80 -r 192.168.3.1:80 -i -w 1',
    '-A -f 3 -6 -s sh -b sh-port',
    '-a -f 3 -6 -r [2001:db8::10]:0 -g -w 0',
    '-A -f 4000000000 -s wlc',
    '-A -u 10.0.0.4:5060 -s rr -p 60 --pe sip -o',
  ].join('\n') + '\n');
  const exported = await runCli(['export'], { ipvsadm: fake });
  assert.equal(exported.code, 0, exported.stderr);
  const dir = tempTree({ 'exported.yaml': exported.stdout });
  assert.equal((await runCli(['validate', join(dir, 'exported.yaml')])).code, 0);
  const r = await runCli(['plan', join(dir, 'exported.yaml'), '--state-dir', join(dir, 'state'), '--detailed-exitcode'], { ipvsadm: fake });
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('ipvsadm failing to read the table is exit 1 with its message', async () => {
  const dir = tempTree({ 'web.yaml': WEB });
  const broken = { describe: '/nonexistent/ipvsadm', run: async () => ({ exitCode: 2, stdout: '', stderr: "Can't initialize ipvs: Protocol not available\n" }) };
  const r = await runCli(['plan', join(dir, 'web.yaml'), '--state-dir', join(dir, 'state')], { ipvsadm: broken });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Protocol not available/);
});
