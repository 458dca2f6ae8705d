// Replays every recording made on a real 6.1 kernel (test/conformance/recorded, produced by
// test/conformance/record.mjs inside test/kernel/vm.sh) against a fresh fake kernel and demands
// byte-identical exit status, stdout and stderr for every step.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { FakeKernel } from '../fake-ipvsadm/kernel.js';

interface Step {
  args: string[];
  stdin?: string;
}
interface RecordedStep extends Step {
  result: { exitCode: number; stdout: string; stderr: string };
}
interface Recording {
  description: string;
  steps: RecordedStep[];
}

/** dist/test/fake -> repo root (the JSON data is not copied into dist) */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CASES = join(ROOT, 'test/conformance/cases');
const RECORDED = join(ROOT, 'test/conformance/recorded');

const jsonNames = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5))
        .sort()
    : [];

describe('fake ipvsadm matches recordings from a real kernel', () => {
  const recorded = jsonNames(RECORDED);

  test('every conformance case has an up-to-date recording', () => {
    for (const name of jsonNames(CASES)) {
      assert.ok(recorded.includes(name), `case ${name} has no recording; run test/conformance/record-in-vm.sh`);
      const c = JSON.parse(readFileSync(join(CASES, `${name}.json`), 'utf8')) as { steps: Step[] };
      const r = JSON.parse(readFileSync(join(RECORDED, `${name}.json`), 'utf8')) as Recording;
      const inputs = (steps: Step[]): string => JSON.stringify(steps.map(({ args, stdin }) => ({ args, stdin })));
      assert.equal(inputs(r.steps), inputs(c.steps), `case ${name} changed after it was recorded`);
    }
  });

  for (const name of recorded) {
    const rec = JSON.parse(readFileSync(join(RECORDED, `${name}.json`), 'utf8')) as Recording;
    test(`${name}: ${rec.description}`, () => {
      const kernel = new FakeKernel();
      rec.steps.forEach((step, i) => {
        const got = runIpvsadm(kernel, step.args, step.stdin ?? '');
        const where = `${name} step ${i + 1}: ipvsadm ${step.args.join(' ')}${step.stdin === undefined ? '' : ` <<< ${JSON.stringify(step.stdin)}`}`;
        assert.deepEqual(got, step.result, where);
      });
    });
  }
});
