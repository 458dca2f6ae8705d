import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createExecIpvsadm, runTimeoutMs } from '../../src/ipvsadm/exec.js';

test('the ipvsadm timeout grows with the lines sent: a 50,000-line -R gets 120 s + 500 s', () => {
  assert.equal(runTimeoutMs(undefined, 120_000, 10), 120_000);
  assert.equal(runTimeoutMs('', 120_000, 10), 120_000);
  assert.equal(runTimeoutMs('-A -t 10.0.0.1:80 -s rr\n'.repeat(50_000), 120_000, 10), 620_000);
});

test('a run that outlives its timeout is a failed command (exit 124, said on stderr), not a missing ipvsadm', async () => {
  const slow = createExecIpvsadm({ binary: '/bin/sleep', timeoutMs: 200, perLineMs: 0 });
  const r = await slow.run(['5']);
  assert.equal(r.exitCode, 124);
  assert.match(r.stderr, /did not finish within 200ms and was killed/);
});
