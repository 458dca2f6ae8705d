import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { applyPlan } from '../../src/apply/apply.js';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { formatSave } from '../../src/live/format-save.js';
import { readLiveTable } from '../../src/live/read.js';
import { createPlan } from '../../src/plan/plan.js';
import { servicesArb } from '../helpers/arbitraries.js';
import { fakeWithTable } from '../helpers/in-memory-ipvsadm.js';

/**
 * For random desired and live tables over a small, colliding universe: applying the plan to the fake
 * ipvsadm converges (the re-read table equals the desired one on everything lvsync owns), the second
 * plan is empty, and services lvsync does not own are untouched.
 */
const RUNS = Number(process.env.LVSYNC_PROPERTY_RUNS ?? 1000);
const UNOWNED = '-A -t 172.16.0.1:80 -s rr\n-a -t 172.16.0.1:80 -r 172.16.1.1:80 -g -w 7\n';
const SCOPE = { addresses: ['10.0.0.0/24', '2001:db8::/64'], fwmarks: ['1-3'] };

function desiredFrom(services: unknown[]) {
  const text = stringify({ version: 1, scope: SCOPE, services });
  const parsed = parseDesiredSources([{ file: 'desired.yaml', text }]);
  assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), [], text);
  assert.ok(parsed.state);
  return parsed.state;
}

test(`property: plan + apply converges the fake to the desired table (${RUNS} cases)`, async () => {
  await fc.assert(
    fc.asyncProperty(servicesArb, servicesArb, async (desiredServices, liveServices) => {
      const desired = desiredFrom(desiredServices);
      const liveSpec = desiredFrom(liveServices);
      const fake = fakeWithTable(formatSave(liveSpec.table) + UNOWNED);
      const readLive = async () => {
        const r = await readLiveTable(fake, { thresholds: true });
        assert.deepEqual(r.diagnostics, []);
        return r.table;
      };
      const planOptions = { allowMassDelete: true };
      const plan = createPlan(desired, await readLive(), planOptions);
      const report = await applyPlan(plan, { ipvsadm: fake, readLive }, { perCommand: false, replan: (live) => createPlan(desired, live, planOptions) });
      assert.equal(report.failed.length, 0, JSON.stringify(report.failed));
      assert.equal(report.converged, true);
      assert.equal(report.retried, 0, `the batch alone must converge: ${report.batchStderr}`);
      const after = await readLive();
      assert.equal(createPlan(desired, after, planOptions).operations.length, 0);
      // owned part equals desired, unowned part untouched
      const owned = { services: new Map([...after.services].filter(([k]) => !k.startsWith('tcp|172.16.'))) };
      assert.equal(formatSave(owned), formatSave(desired.table));
      assert.equal(after.services.get('tcp|172.16.0.1|80')?.servers.get('172.16.1.1|80')?.weight, 7);
    }),
    { numRuns: RUNS },
  );
});

test('property: per-command apply converges too (200 cases)', async () => {
  await fc.assert(
    fc.asyncProperty(servicesArb, servicesArb, async (desiredServices, liveServices) => {
      const desired = desiredFrom(desiredServices);
      const fake = fakeWithTable(formatSave(desiredFrom(liveServices).table));
      const readLive = async () => (await readLiveTable(fake, { thresholds: true })).table;
      const planOptions = { allowMassDelete: true };
      const plan = createPlan(desired, await readLive(), planOptions);
      const before = fake.calls.length;
      const report = await applyPlan(plan, { ipvsadm: fake, readLive }, { perCommand: true, replan: (live) => createPlan(desired, live, planOptions) });
      assert.equal(report.converged, true, JSON.stringify(report.failed));
      // one process per operation, plus two reads (-S and --thresholds) to verify
      assert.equal(fake.calls.length - before, plan.operations.length + 2);
    }),
    { numRuns: 200 },
  );
});
