import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseDesiredSources } from '../../src/desired/parse.js';
import type { Ipvsadm } from '../../src/ipvsadm/port.js';
import { tableDigest } from '../../src/live/format-save.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { readLiveSettings, settingsQuery } from '../../src/live/read-settings.js';
import type { DesiredState, Table } from '../../src/model/types.js';
import { createPlan } from '../../src/plan/plan.js';
import { renderPlanJson } from '../../src/plan/render-json.js';
import { renderPlanMarkdown } from '../../src/plan/render-markdown.js';
import { renderPlanText } from '../../src/plan/render-text.js';
import { isEmptyPlan } from '../../src/plan/types.js';
import { createFakeSysctl } from '../helpers/fake-sysctl.js';

/**
 * Golden cases for kernel-wide settings: desired.yaml + live.json (the -S table, the `-L --timeout`
 * and `-L --daemon` listings, /proc/sys values) → plan.txt, the exact text plan. The live side goes
 * through the real readers, so the listings' parsers are pinned too. LVSYNC_UPDATE_GOLDEN=1 rewrites
 * plan.txt (review the diff!).
 */
const root = new URL('../../../test/golden/settings/', import.meta.url);

interface LiveJson { save?: string; timeout?: string; daemon?: string; sysctls?: Record<string, string> }

function listingIpvsadm(live: LiveJson): Ipvsadm {
  return {
    describe: 'golden-ipvsadm',
    async run(args) {
      const joined = args.join(' ');
      if (joined === '-L --timeout') return { exitCode: 0, stdout: live.timeout ?? 'Timeout (tcp tcpfin udp): 900 120 300\n', stderr: '' };
      if (joined === '-L --daemon') return { exitCode: 0, stdout: live.daemon ?? '', stderr: '' };
      throw new Error(`unexpected ipvsadm ${joined}`);
    },
  };
}

async function load(name: string): Promise<{ desired: DesiredState; live: Table }> {
  const read = (f: string): string => readFileSync(new URL(`${name}/${f}`, root), 'utf8');
  const parsed = parseDesiredSources([{ file: `${name}/desired.yaml`, text: read('desired.yaml') }]);
  assert.deepEqual(parsed.diagnostics, []);
  assert.ok(parsed.state?.settings);
  const json = JSON.parse(read('live.json')) as LiveJson;
  const table = parseIpvsadmSave(json.save ?? '').table;
  const sysctl = createFakeSysctl();
  for (const [k, v] of Object.entries(json.sysctls ?? {})) sysctl.values.set(k, v);
  const settings = await readLiveSettings(listingIpvsadm(json), sysctl, settingsQuery(parsed.state.settings));
  return { desired: parsed.state, live: { ...table, settings } };
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
const validatePlanJson = ajv.compile(JSON.parse(readFileSync(new URL('../../../schema/plan.v1.schema.json', import.meta.url), 'utf8')) as object);

for (const name of readdirSync(root).sort()) {
  test(`golden settings plan: ${name}`, async () => {
    const { desired, live } = await load(name);
    const plan = createPlan(desired, live);
    const text = renderPlanText(plan);
    const file = new URL(`${name}/plan.txt`, root);
    if (process.env.LVSYNC_UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
    assert.equal(text, readFileSync(file, 'utf8'));
    const doc = JSON.parse(renderPlanJson(plan)) as { changed: boolean };
    assert.ok(validatePlanJson(doc), JSON.stringify(validatePlanJson.errors));
    assert.equal(doc.changed, !isEmptyPlan(plan));
  });
}

test('JSON: each setting change with its commands as argv, counted in the summary', async () => {
  const { desired, live } = await load('02-daemon-start-and-restart');
  const doc = JSON.parse(renderPlanJson(createPlan(desired, live)));
  assert.deepEqual(doc.summary, { add: 1, change: 1, destroy: 0 });
  assert.deepEqual(doc.operations, []);
  assert.deepEqual(doc.settings.map((s: { kind: string; target: string }) => [s.kind, s.target]), [
    ['start-daemon', 'sync daemon master'], ['restart-daemon', 'sync daemon backup'],
  ]);
  assert.deepEqual(doc.settings[1].commands, [
    ['ipvsadm', '--stop-daemon', 'backup'],
    ['ipvsadm', '--start-daemon', 'backup', '--mcast-interface', 'eth1', '--syncid', '7', '--sync-maxlen', '1400', '--mcast-group', '224.0.0.81', '--mcast-port', '8848', '--mcast-ttl', '1'],
  ]);
  assert.deepEqual(doc.settings[1].changes, [{ field: 'syncId', before: '5', after: '7' }]);
  const sysctls = JSON.parse(renderPlanJson(createPlan((await load('04-sysctls')).desired, (await load('04-sysctls')).live)));
  assert.deepEqual(sysctls.settings[0].commands, [['sysctl', '-w', 'net.ipv4.vs.expire_nodest_conn=1']]);
  assert.deepEqual(sysctls.summary, { add: 0, change: 2, destroy: 0 });
});

test('settings declared but not observed (a saved -S snapshot): not compared, and the plan says so', async () => {
  const { desired } = await load('06-settings-before-table');
  const plan = createPlan(desired, parseIpvsadmSave('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -g -w 1\n').table);
  assert.deepEqual(plan.settings, []);
  assert.deepEqual(plan.warnings.map((w) => w.code), ['SETTINGS_NOT_OBSERVED']);
  assert.match(renderPlanText(plan), /^warning\[SETTINGS_NOT_OBSERVED\]: kernel settings .* are declared but the live snapshot does not show them/);
  assert.ok(isEmptyPlan(plan));
});

test('digests: unchanged for configs without settings; with settings, a setting change changes them', async () => {
  const table = parseIpvsadmSave('-A -t 10.0.0.1:80 -s rr\n').table;
  const plain = parseDesiredSources([{ file: 'a.yaml', text: 'version: 1\nservices: [{ address: 10.0.0.1, port: 80, scheduler: rr }]\n' }]).state!;
  const p = createPlan(plain, table);
  assert.equal(p.desiredDigest, tableDigest(plain.table));
  assert.equal(p.liveDigest, tableDigest(table));
  const { desired, live } = await load('01-timeouts-only-what-differs');
  const before = createPlan(desired, live);
  const changed = createPlan(desired, { ...live, settings: { ...live.settings!, timeouts: { tcp: 3600, tcpfin: 120, udp: 300 } } });
  assert.notEqual(before.liveDigest, changed.liveDigest);
  assert.equal(before.desiredDigest, changed.desiredDigest);
  assert.notEqual(before.desiredDigest, tableDigest(desired.table));
});

test('Markdown: a settings-only plan is a change, with a row per setting and its commands', async () => {
  const { desired, live } = await load('06-settings-before-table');
  const md = renderPlanMarkdown([{ director: 'lb1', plan: createPlan(desired, live) }]);
  assert.match(md, /^\| lb1 \| 0 \| 2 \| 1 \| 0 \| 📝 changes \|$/m);
  assert.match(md, /^\| ⚙️ set-sysctl \| sysctl net\.ipv4\.vs\.expire_nodest_conn \| {2}\| 0 → 1 \| differs from the declaration \|$/m);
  assert.match(md, /^\| ⚙️ set-timeouts \| timeouts \| {2}\| `udp`: 300 → 60 \|/m);
  assert.match(md, /<summary>3 command\(s\)<\/summary>\n\n```sh\nsysctl -w net\.ipv4\.vs\.expire_nodest_conn=1\nipvsadm --set 0 0 60\nipvsadm -d /);
});
