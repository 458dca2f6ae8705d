import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { fakeWithTable, type InMemoryIpvsadm } from '../helpers/in-memory-ipvsadm.js';

/**
 * After a lost inventory, the live services lvsync may have created (neither declared nor in the
 * scope) are kept, shown in every plan format, and the loss stays recorded until the operator
 * settles it with --lost-inventory delete|keep, or until no such service is left.
 */

const WEB = `version: 1
scope: { addresses: ["192.168.10.0/24"] }
services:
  - name: web
    protocol: tcp
    address: 192.168.10.100
    port: 80
    realServers:
      - { address: 10.0.0.11, port: 8080, method: nat }
`;
const LIVE = '-A -t 192.168.10.100:80 -s wlc\n-a -t 192.168.10.100:80 -r 10.0.0.11:8080 -m -w 1\n-A -t 172.16.0.9:80 -s rr\n-A -u 172.16.0.10:53 -s rr\n';
const OLD = ['tcp|172.16.0.9|80', 'udp|172.16.0.10|53'];

const save = (fake: InMemoryIpvsadm) => runIpvsadm(fake.kernel, ['-S', '-n']).stdout;
const inventoryOf = (state: string) => JSON.parse(readFileSync(join(state, 'inventory.json'), 'utf8')) as { services: string[]; lost?: { at: string; movedTo: string | null } };

/** A director whose inventory was just found corrupt by an apply. */
async function afterLoss() {
  const dir = tempTree({ 'web.yaml': WEB, 'state/inventory.json': '{"version": 1, "services": [7]}' });
  const state = join(dir, 'state');
  const fake = fakeWithTable(LIVE);
  const cli = (...argv: string[]) => runCli([...argv, '--state-dir', state], { ipvsadm: fake });
  const first = await cli('apply', join(dir, 'web.yaml'));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /warning\[STATE_FILE\]/);
  return { dir, state, fake, cli, yaml: join(dir, 'web.yaml') };
}

test('the loss is recorded in the new inventory, and every plan format lists the services kept', async () => {
  const { state, fake, cli, yaml } = await afterLoss();
  const inventory = inventoryOf(state);
  assert.deepEqual(inventory.services, ['tcp|192.168.10.100|80']);
  assert.match(inventory.lost?.movedTo ?? '', /inventory\.json\.corrupt-\d{8}T\d{6}Z$/);
  for (const key of ['172.16.0.9:80', '172.16.0.10:53']) assert.match(save(fake), new RegExp(key.replace(/\./g, '\\.')));

  const text = await cli('plan', yaml, '--detailed-exitcode');
  assert.equal(text.code, 0, 'nothing to change: the services are kept');
  assert.match(text.stdout, /^Inventory lost \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; the unreadable file is now .*\):\n {2}2 live service\(s\) neither declared nor inside the scope are kept: .*\n {4}tcp 172\.16\.0\.9:80\n {4}udp 172\.16\.0\.10:53\n/);
  assert.doesNotMatch(text.stdout + text.stderr, /STATE_FILE/, 'the STATE_FILE warning was given once, by the apply that found it');

  const json = JSON.parse((await cli('plan', yaml, '--json')).stdout) as { lostInventory?: { resolution: unknown; movedTo: string; services: { key: string; target: string }[] } };
  assert.equal(json.lostInventory?.resolution, null);
  assert.equal(json.lostInventory?.movedTo, inventory.lost?.movedTo);
  assert.deepEqual(json.lostInventory?.services.map((s) => s.key), OLD);

  const md = (await cli('plan', yaml, '--format', 'markdown')).stdout;
  assert.match(md, /#### ⚠️ Inventory lost\n\nThe inventory was lost at .*2 live service\(s\) neither declared nor inside the scope are kept.*:\n\n- `tcp 172\.16\.0\.9:80`\n- `udp 172\.16\.0\.10:53`\n\n.*--lost-inventory delete/);

  // the loss survives further applies until it is settled
  assert.equal((await cli('apply', yaml)).code, 0);
  assert.deepEqual(inventoryOf(state).lost, inventory.lost);
});

test('--lost-inventory keep: nothing is deleted and the loss is settled', async () => {
  const { state, fake, cli, yaml } = await afterLoss();
  const before = save(fake);
  const r = await cli('apply', yaml, '--lost-inventory', 'keep');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--lost-inventory keep: 2 live service\(s\) .* stay as they are/);
  assert.equal(save(fake), before);
  assert.equal(inventoryOf(state).lost, undefined);
  const plan = await cli('plan', yaml, '--json');
  assert.equal((JSON.parse(plan.stdout) as { lostInventory?: unknown }).lostInventory, undefined);
});

test('--lost-inventory delete: plan shows the deletes; apply adopts and deletes them and settles the loss', async () => {
  const { state, fake, cli, yaml } = await afterLoss();
  const preview = await cli('plan', yaml, '--lost-inventory', 'delete', '--json');
  const doc = JSON.parse(preview.stdout) as { lostInventory: { resolution: string }; operations: { kind: string; service: { key: string }; reason: string }[] };
  assert.equal(doc.lostInventory.resolution, 'delete');
  assert.deepEqual(doc.operations.map((o) => [o.kind, o.service.key]), OLD.map((k) => ['delete-service', k]));
  assert.match(doc.operations[0]!.reason, /adopted by --lost-inventory delete/);
  assert.match(save(fake), /172\.16\.0\.9:80/, 'plan changed nothing');
  // three owned live services, two deletes: over the default maxDeleteShare of 0.5, so the guard applies as to any delete
  const refused = await cli('apply', yaml, '--lost-inventory', 'delete');
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /MASS_DELETE/);
  assert.ok(inventoryOf(state).lost, 'a refused plan settles nothing');
  const r = await cli('apply', yaml, '--lost-inventory', 'delete', '--allow-mass-delete');
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(save(fake), /172\.16\.0\./);
  assert.deepEqual(inventoryOf(state), { version: 1, services: ['tcp|192.168.10.100|80'], thresholds: false });
  // nothing left to settle: said so, and nothing happens
  const again = await cli('apply', yaml, '--lost-inventory', 'delete');
  assert.equal(again.code, 0);
  assert.match(again.stderr, /--lost-inventory: nothing to settle/);
});

test('a saved plan carries its --lost-inventory: apply PLAN.json makes the same plan (not stale); a different flag is a usage error', async () => {
  const { dir, fake, cli, yaml } = await afterLoss();
  runIpvsadm(fake.kernel, ['-D', '-u', '172.16.0.10:53']); // one service in question: under the delete guard
  const out = join(dir, 'plan.json');
  assert.equal((await cli('plan', yaml, '--lost-inventory', 'delete', '--out', out)).code, 0);
  const conflicting = await cli('apply', out, '--lost-inventory', 'keep');
  assert.equal(conflicting.code, 64);
  assert.match(conflicting.stderr, /the saved plan was made with --lost-inventory delete/);
  const r = await cli('apply', out);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(save(fake), /172\.16\.0\.9/);
});

test('a run that stops before it records anything (here: a refused mass delete) still leaves the loss recorded', async () => {
  // found corrupt by a run whose plan is refused: two undeclared services inside the scope would go
  const dir = tempTree({ 'web.yaml': WEB.replace('192.168.10.0/24', '192.168.10.0/24", "192.168.20.0/24'), 'state/inventory.json': '{garbage' });
  const state = join(dir, 'state');
  const fake = fakeWithTable(`${LIVE}-A -t 192.168.20.1:80 -s rr\n-A -t 192.168.20.2:80 -s rr\n`);
  const refused = await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', state], { ipvsadm: fake });
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /MASS_DELETE/);
  assert.match(refused.stderr, /warning\[STATE_FILE\]/);
  assert.ok(inventoryOf(state).lost, 'recorded although the run recorded nothing else');
  const plan = await runCli(['plan', join(dir, 'web.yaml'), '--state-dir', state], { ipvsadm: fake });
  assert.match(plan.stdout, /Inventory lost/);
  assert.doesNotMatch(plan.stderr + plan.stdout, /STATE_FILE/, 'not a first run, and not reported again');
});

test('the loss settles by itself once no service is in question', async () => {
  const { state, fake, cli, yaml } = await afterLoss();
  assert.ok(inventoryOf(state).lost);
  // someone removes the services by hand: nothing is in question any more
  runIpvsadm(fake.kernel, ['-D', '-t', '172.16.0.9:80']);
  runIpvsadm(fake.kernel, ['-D', '-u', '172.16.0.10:53']);
  const r = await cli('apply', yaml);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /Inventory lost/);
  assert.equal(inventoryOf(state).lost, undefined);
});

test('--lost-inventory takes delete or keep; watch has no such flag (the daemon never settles it)', async () => {
  const dir = tempTree({ 'web.yaml': WEB });
  const bad = await runCli(['apply', join(dir, 'web.yaml'), '--lost-inventory', 'yes', '--state-dir', join(dir, 'state')]);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /--lost-inventory must be delete or keep \(got yes\)/);
  const watch = await runCli(['watch', join(dir, 'web.yaml'), '--lost-inventory', 'keep']);
  assert.equal(watch.code, 64);
  const fleet = await runCli(['plan', join(dir, 'web.yaml'), '--all-directors', '--live-dir', dir, '--lost-inventory', 'keep']);
  assert.equal(fleet.code, 64);
  assert.match(fleet.stderr, /snapshots, which carry no inventory/);
});

test('a long list is cut in the text plan, complete in the JSON plan', async () => {
  const many = Array.from({ length: 25 }, (_, i) => `-A -t 172.16.1.${i + 1}:80 -s rr\n`).join('');
  const dir = tempTree({ 'web.yaml': WEB, 'state/inventory.json': '[]' });
  const fake = fakeWithTable(many);
  const state = join(dir, 'state');
  assert.equal((await runCli(['apply', join(dir, 'web.yaml'), '--state-dir', state], { ipvsadm: fake })).code, 0);
  const text = await runCli(['plan', join(dir, 'web.yaml'), '--state-dir', state], { ipvsadm: fake });
  assert.match(text.stdout, / {2}25 live service\(s\) neither declared/);
  assert.equal(text.stdout.split('\n').filter((l) => /^ {4}tcp 172\.16\.1\.\d+:80$/.test(l)).length, 20);
  assert.match(text.stdout, / {4}… and 5 more \(lvsync plan --json lists them all\)/);
  const json = JSON.parse((await runCli(['plan', join(dir, 'web.yaml'), '--state-dir', state, '--json'], { ipvsadm: fake })).stdout) as { lostInventory: { services: unknown[] } };
  assert.equal(json.lostInventory.services.length, 25);
});
