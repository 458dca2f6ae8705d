import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, tempTree } from '../helpers/cli.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/anycast/lvsync.yaml', import.meta.url));
const text = readFileSync(EXAMPLE, 'utf8');

test('fleet-check, fleet.anycast: the example (mh everywhere, identical tables) passes', async () => {
  const r = await runCli(['fleet-check', EXAMPLE]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /active-active lb1, lb2, lb3: every service uses mh or sh/);
});

test('fleet-check, fleet.anycast: wlc is FLEET_ANYCAST at the service, exit 1; as a warning, exit 0', async () => {
  const dir = tempTree({ 'a.yaml': text.replace('scheduler: mh ', 'scheduler: wlc') });
  const r = await runCli(['fleet-check', join(dir, 'a.yaml'), '--json']);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout) as { anycast: { code: string; severity: string; line: number; col: number }[] };
  assert.deepEqual(doc.anycast.map((d) => [d.code, d.severity, d.line, d.col]), [['FLEET_ANYCAST', 'error', 16, 5]]);
  const warn = tempTree({ 'a.yaml': text.replace('scheduler: mh ', 'scheduler: wlc').replace('anycast: [lb1, lb2, lb3]', 'anycast: [lb1, lb2, lb3]\n  anycastSeverity: warning') });
  const w = await runCli(['fleet-check', join(warn, 'a.yaml')]);
  assert.equal(w.code, 0);
  assert.match(w.stderr, /warning\[FLEET_ANYCAST\]/);
});

test('fleet-check, fleet.anycast: a director whose table differs fails like a pair', async () => {
  const dir = tempTree({ 'a.yaml': `${text}overrides:\n  lb3:\n    services:\n      web:\n        realServers:\n          - { address: 10.70.1.13, weight: 0 }\n` });
  const r = await runCli(['fleet-check', join(dir, 'a.yaml')]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /lb1 and lb3 differ/);
});
