import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { parseIpvsadmSave } from '../../src/live/parse-save.js';
import { createPlan } from '../../src/plan/plan.js';
import { renderPlanJson } from '../../src/plan/render-json.js';
import { renderPlanText } from '../../src/plan/render-text.js';

const DESIRED = `version: 1
scope: { addresses: ["10.0.0.0/24"] }
services:
  - name: web
    protocol: tcp
    address: 10.0.0.1
    port: 80
    scheduler: rr
    realServers:
      - { address: 10.1.0.1, port: 8080, method: nat, weight: 3 }
      - { address: 10.1.0.2, port: 8080, method: nat }
`;

function plan(liveText: string) {
  const desired = parseDesiredSources([{ file: 'd.yaml', text: DESIRED }]);
  assert.ok(desired.state);
  const live = parseIpvsadmSave(liveText).table;
  return { plan: createPlan(desired.state, live), desired: desired.state, live };
}

test('text rendering: changes with before → after, reasons, commands and the summary line', () => {
  const { plan: p } = plan('-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 1\n-a -t 10.0.0.1:80 -r 10.1.0.9:8080 -m -w 1\n-A -t 10.0.0.7:80 -s wlc\n-A -t 172.16.0.1:80 -s rr\n');
  assert.equal(renderPlanText(p), `  ~ service web (tcp 10.0.0.1:80)
      scheduler: wlc → rr
      ~ real server 10.1.0.1:8080 weight 1 → 3
      + real server 10.1.0.2:8080 nat, weight 1
      - real server 10.1.0.9:8080  # not declared for this service

  - service tcp 10.0.0.7:80  # tcp 10.0.0.7:80 is inside the owned scope and not declared

Commands:
  ipvsadm -E -t 10.0.0.1:80 -s rr
  ipvsadm -e -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3
  ipvsadm -a -t 10.0.0.1:80 -r 10.1.0.2:8080 -m -w 1
  ipvsadm -d -t 10.0.0.1:80 -r 10.1.0.9:8080
  ipvsadm -D -t 10.0.0.7:80

Plan: 1 to add, 2 to change, 2 to destroy. (1 live service(s) not owned by lvsync left untouched)
`);
});

test('text rendering: "No changes." when the live table matches', () => {
  const { plan: p } = plan('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3\n-a -t 10.0.0.1:80 -r 10.1.0.2:8080 -m -w 1\n');
  assert.equal(renderPlanText(p), 'No changes. The live table matches the desired state.\n');
});

test('text rendering: the optional diff is a unified diff of canonical save text', () => {
  const r = plan('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3\n');
  const text = renderPlanText(r.plan, { diff: { live: r.live, desired: r.desired.table } });
  assert.match(text, /^--- live$/m);
  assert.match(text, /^\+\+\+ desired$/m);
  assert.match(text, /^\+-a -t 10\.0\.0\.1:80 -r 10\.1\.0\.2:8080 -m -w 1$/m);
});

test('text rendering: the diff never shows services lvsync does not own as removed', () => {
  const r = plan('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3\n-A -t 172.16.0.1:80 -s rr\n');
  const text = renderPlanText(r.plan, { diff: { live: r.live, desired: r.desired.table } });
  assert.doesNotMatch(text, /^-.*172\.16\.0\.1/m);
});

test('JSON rendering is versioned and carries argv, changes and counts', () => {
  const { plan: p } = plan('-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3\n-a -t 10.0.0.1:80 -r 10.1.0.2:8080 -m -w 1\n');
  const doc = JSON.parse(renderPlanJson(p));
  assert.equal(doc.formatVersion, 1);
  assert.deepEqual(doc.summary, { add: 0, change: 1, destroy: 0 });
  assert.equal(doc.changed, true);
  assert.equal(doc.operations.length, 1);
  assert.deepEqual(doc.operations[0].argv, ['ipvsadm', '-E', '-t', '10.0.0.1:80', '-s', 'rr']);
  assert.deepEqual(doc.operations[0].changes, [{ field: 'scheduler', before: 'wlc', after: 'rr' }]);
  assert.equal(doc.operations[0].service.name, 'web');
  assert.match(doc.desiredDigest, /^sha256:[0-9a-f]{64}$/);
});

test('mass delete: an empty config deleting owned services is refused; the override allows it', () => {
  const empty = parseDesiredSources([{ file: 'e.yaml', text: 'version: 1\nscope: { addresses: ["10.0.0.0/24"] }\n' }]);
  assert.ok(empty.state);
  const live = parseIpvsadmSave('-A -t 10.0.0.1:80 -s wlc\n').table;
  assert.equal(createPlan(empty.state, live).refusal?.code, 'MASS_DELETE');
  assert.equal(createPlan(empty.state, live, { allowMassDelete: true }).refusal, null);
});

test('mass delete: deleting more than maxDeleteShare of owned services is refused', () => {
  const d = parseDesiredSources([{ file: 'd.yaml', text: 'version: 1\nscope: { addresses: ["10.0.0.0/24"], maxDeleteShare: 0.5 }\nservices:\n  - { protocol: tcp, address: 10.0.0.1, port: 80 }\n' }]);
  assert.ok(d.state);
  const twoOfThree = parseIpvsadmSave('-A -t 10.0.0.1:80 -s wlc\n-A -t 10.0.0.2:80 -s wlc\n-A -t 10.0.0.3:80 -s wlc\n').table;
  assert.equal(createPlan(d.state, twoOfThree).refusal?.code, 'MASS_DELETE');
  const oneOfTwo = parseIpvsadmSave('-A -t 10.0.0.1:80 -s wlc\n-A -t 10.0.0.2:80 -s wlc\n').table;
  assert.equal(createPlan(d.state, oneOfTwo).refusal, null);
});

test('the JSON plan validates against schema/plan.v1.schema.json', async () => {
  const { readFileSync } = await import('node:fs');
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const schema = JSON.parse(readFileSync(new URL('../../../schema/plan.v1.schema.json', import.meta.url), 'utf8'));
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  const { plan: p } = plan('-A -t 10.0.0.1:80 -s wlc\n-a -t 10.0.0.1:80 -r 10.1.0.9:8080 -m -w 1\n-A -t 10.0.0.9:80 -s rr\n');
  const doc = JSON.parse(renderPlanJson(p));
  assert.equal(validate(doc), true, JSON.stringify(validate.errors));
  assert.ok(doc.operations.some((o: { server: unknown }) => o.server !== null));
});
