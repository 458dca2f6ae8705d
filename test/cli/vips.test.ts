import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { createFakeHost, type FakeHost } from '../helpers/fake-host.js';
import { fakeWithTable, type InMemoryIpvsadm } from '../helpers/in-memory-ipvsadm.js';

/**
 * VIP addresses on the director end to end through the CLI (issue 16 part 1): the fake ipvsadm for
 * the table and the fake host for `ip` (which answers as iproute2 6.1 does). Ownership is the
 * inventory's: lvsync removes only what it added.
 */

const CONFIG = (extra = '', web = '') => `version: 1
vips: { bind: true, device: lo }
services:
  - name: web
    address: 10.0.0.10
    port: 80
    scheduler: rr
    realServers: [{ address: 192.168.1.11 }]${web}
  - name: api
    address: 2001:db8::20
    port: 443
    scheduler: rr
    realServers: [{ address: 2001:db8:1::11 }]
${extra}`;

function setup(yaml: string, host: FakeHost = createFakeHost()) {
  const dir = tempTree({ 'lb.yaml': yaml });
  const fake: InMemoryIpvsadm = fakeWithTable('');
  const state = join(dir, 'state');
  const file = join(dir, 'lb.yaml');
  const cli = (...args: string[]) => runCli([...args, '--state-dir', state], { ipvsadm: fake, runCommand: host });
  const inventory = () => JSON.parse(readFileSync(join(state, 'inventory.json'), 'utf8')) as { addresses?: string[] };
  const mutating = () => host.calls.filter((c) => c.startsWith('ip addr add') || c.startsWith('ip addr del'));
  return { fake, host, file, cli, inventory, mutating, write: (text: string) => writeFileSync(file, text) };
}

test('apply adds each VIP on the device before the table, records it as owned, and the next plan is empty', async () => {
  const t = setup(CONFIG());
  const r = await t.cli('apply', t.file);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ {2}\+ address 10\.0\.0\.10\/32 on lo {2}# not on the device$/m);
  assert.match(r.stdout, /^ {2}\+ address 2001:db8::20\/128 on lo /m);
  // the exact commands, adds first, before the table's
  const commands = r.stdout.split('Commands:\n')[1]!.split('\n\n')[0]!.split('\n').map((l) => l.trim());
  assert.deepEqual(commands.slice(0, 2), [
    'ip addr add 10.0.0.10/32 dev lo noprefixroute',
    'ip addr add 2001:db8::20/128 dev lo noprefixroute nodad',
  ]);
  assert.match(commands[2]!, /^ipvsadm -A /);
  assert.deepEqual(t.host.addresses.get('lo'), ['127.0.0.1/8', '10.0.0.10/32', '2001:db8::20/128']);
  assert.deepEqual(t.inventory().addresses, ['10.0.0.10/32 lo', '2001:db8::20/128 lo']);
  const again = await t.cli('plan', t.file, '--detailed-exitcode');
  assert.equal(again.code, 0, again.stdout);
  // only the declared device was read
  assert.deepEqual([...new Set(t.host.calls.filter((c) => c.startsWith('ip -o')))], ['ip -o addr show dev lo']);
});

test('an address already on the device that lvsync did not add is never claimed, and never removed', async () => {
  const t = setup(CONFIG(), createFakeHost({ addresses: { lo: ['10.0.0.10/32'] } }));
  assert.equal((await t.cli('apply', t.file)).code, 0);
  assert.deepEqual(t.mutating(), ['ip addr add 2001:db8::20/128 dev lo noprefixroute nodad']);
  assert.deepEqual(t.inventory().addresses, ['2001:db8::20/128 lo']);
  // the service goes: its VIP stays, because the operator put it there
  t.write(CONFIG().replace(/  - name: web[\s\S]*?(?=  - name: api)/, ''));
  const r = await t.cli('apply', t.file);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.ok(t.host.addresses.get('lo')!.includes('10.0.0.10/32'));
  assert.equal(t.mutating().filter((c) => c.startsWith('ip addr del')).length, 0);
});

test('an owned address deleted by hand is added again; one no longer wanted is deleted after the table', async () => {
  const t = setup(CONFIG());
  assert.equal((await t.cli('apply', t.file)).code, 0);
  t.host.addresses.set('lo', t.host.addresses.get('lo')!.filter((a) => a !== '10.0.0.10/32'));
  const drift = await t.cli('apply', t.file);
  assert.match(drift.stdout, /\+ address 10\.0\.0\.10\/32 on lo {2}# added by lvsync earlier, removed outside it/);
  assert.ok(t.host.addresses.get('lo')!.includes('10.0.0.10/32'));

  t.write(CONFIG().replace(/  - name: web[\s\S]*?(?=  - name: api)/, ''));
  const r = await t.cli('apply', t.file);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const commands = r.stdout.split('Commands:\n')[1]!.split('\n\n')[0]!.split('\n').map((l) => l.trim());
  assert.deepEqual(commands, ['ipvsadm -D -t 10.0.0.10:80', 'ip addr del 10.0.0.10/32 dev lo']);
  assert.deepEqual(t.host.addresses.get('lo'), ['127.0.0.1/8', '2001:db8::20/128']);
  assert.deepEqual(t.inventory().addresses, ['2001:db8::20/128 lo']);
});

test('bindVip: false, vips.bind: false and a device change each delete what lvsync owns, and nothing else', async () => {
  const t = setup(CONFIG(), createFakeHost({ addresses: { dummy0: [] } }));
  assert.equal((await t.cli('apply', t.file)).code, 0);
  t.write(CONFIG('', '\n    bindVip: false'));
  assert.equal((await t.cli('apply', t.file)).code, 0);
  assert.deepEqual(t.inventory().addresses, ['2001:db8::20/128 lo']);
  t.write(CONFIG().replace('device: lo', 'device: dummy0'));
  const moved = await t.cli('apply', t.file);
  assert.equal(moved.code, 0, moved.stdout + moved.stderr);
  assert.match(moved.stdout, /- address 2001:db8::20\/128 on lo {2}# added by lvsync; now bound on dummy0/);
  assert.deepEqual(t.host.addresses.get('lo'), ['127.0.0.1/8']);
  assert.deepEqual(t.host.addresses.get('dummy0'), ['10.0.0.10/32', '2001:db8::20/128']);
  t.write(CONFIG().replace('bind: true, device: lo', 'bind: false'));
  assert.equal((await t.cli('apply', t.file)).code, 0);
  assert.deepEqual(t.host.addresses.get('dummy0'), []);
  assert.equal(t.inventory().addresses, undefined);
});

test('a failed ip addr add is reported with its command, exit status and stderr; the table is still applied', async () => {
  const t = setup(CONFIG().replace('device: lo', 'device: eth9'));
  const r = await t.cli('apply', t.file);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /\+ address 10\.0\.0\.10\/32 on eth9 {2}# device eth9 does not exist \(yet\)/);
  const out = r.stdout + r.stderr;
  assert.match(out, /✗ ip addr add 10\.0\.0\.10\/32 dev eth9 noprefixroute\n {6}exit 1: Cannot find device "eth9"/);
  assert.match(out, /Still to do[^\n]*\n {2}ip addr add 10\.0\.0\.10\/32 dev eth9 noprefixroute\n/);
  // the table went in regardless, and nothing is recorded as owned
  assert.equal(t.fake.calls.filter((c) => c.args[0] === '-R').length, 1);
  assert.equal(t.inventory().addresses, undefined);
});

test('a plan against a saved snapshot warns that addresses were not observed, and starts no ip', async () => {
  const t = setup(CONFIG());
  const r = await t.cli('plan', t.file, '--live', '/dev/null');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /warning\[ADDRESSES_NOT_OBSERVED\]/);
  assert.deepEqual(t.host.calls, []);
});

const validatePlanJson = new Ajv2020({ strict: false, allErrors: true })
  .compile(JSON.parse(readFileSync(new URL('../../../schema/plan.v1.schema.json', import.meta.url), 'utf8')) as object);

test('the plan as JSON (valid against schema/plan.v1) and markdown carries the address changes with their commands', async () => {
  const t = setup(CONFIG());
  const json = JSON.parse((await t.cli('plan', t.file, '--json')).stdout) as { settings: { kind: string; target: string; commands: string[][] }[] };
  assert.ok(validatePlanJson(json), JSON.stringify(validatePlanJson.errors));
  assert.deepEqual(json.settings.map((s) => [s.kind, s.target, s.commands]), [
    ['add-address', 'address 10.0.0.10/32 on lo', [['ip', 'addr', 'add', '10.0.0.10/32', 'dev', 'lo', 'noprefixroute']]],
    ['add-address', 'address 2001:db8::20/128 on lo', [['ip', 'addr', 'add', '2001:db8::20/128', 'dev', 'lo', 'noprefixroute', 'nodad']]],
  ]);
  const md = (await t.cli('plan', t.file, '--format', 'markdown')).stdout;
  assert.match(md, /\| ⚙️ add-address \| address 10\.0\.0\.10\/32 on lo \|/);
  assert.match(md, /^ip addr add 10\.0\.0\.10\/32 dev lo noprefixroute$/m);
});

test('a saved plan goes stale when an address changes on the director', async () => {
  const t = setup(CONFIG());
  assert.equal((await t.cli('apply', t.file)).code, 0);
  const saved = join(t.file, '..', 'plan.json');
  assert.equal((await t.cli('plan', t.file, '--out', saved)).code, 0);
  t.host.addresses.set('lo', ['127.0.0.1/8', '10.0.0.10/32']);
  const r = await t.cli('apply', saved);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /stale/i);
  assert.equal(t.mutating().length, 2, 'nothing ran after the first apply');
});

test('export writes the vips declaration for the addresses lvsync owns: bindVip: false where it binds none, extra for the rest', async () => {
  const t = setup(CONFIG('', '\n    bindVip: false'));
  assert.equal((await t.cli('apply', t.file)).code, 0);
  const r = await t.cli('export');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^vips:\n {2}bind: true\n {2}device: lo\n/m);
  assert.match(r.stdout, /address: 10\.0\.0\.10\n[\s\S]*?bindVip: false/);
  // applying the export binds exactly what is bound now
  t.write(r.stdout);
  const plan = await t.cli('plan', t.file, '--detailed-exitcode');
  assert.equal(plan.code, 0, plan.stdout);
});
