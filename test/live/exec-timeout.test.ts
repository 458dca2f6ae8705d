import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExecIpvsadm, procPathFor, runTimeoutMs } from '../../src/ipvsadm/exec.js';
import { IpvsadmUnavailableError } from '../../src/ipvsadm/port.js';

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

test('the ipvsadm seam passes stdin through, returns stdout, stderr and the exit status, with LC_ALL=C', async () => {
  const text = '-A -t 10.0.0.1:80 -s rr\n'.repeat(100_000); // 2.4 MB: more than a pipe buffer each way
  const cat = await createExecIpvsadm({ binary: 'cat' }).run(['-'], text);
  assert.deepEqual(cat, { exitCode: 0, stdout: text, stderr: '' });
  const sh = await createExecIpvsadm({ binary: '/bin/sh' }).run(['-c', 'echo out; echo err >&2; exit 3']);
  assert.deepEqual(sh, { exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  // the environment is the caller's (PATH, the fake's state file), with LC_ALL=C over any locale
  const locale = process.env.LC_ALL;
  process.env.LVSYNC_EXEC_TEST = 'kept';
  process.env.LC_ALL = 'de_DE.UTF-8';
  try {
    const env = (await createExecIpvsadm({ binary: '/usr/bin/env' }).run([])).stdout.split('\n');
    assert.ok(env.includes('LC_ALL=C'), env.join(' '));
    assert.ok(env.includes('LVSYNC_EXEC_TEST=kept'));
  } finally {
    delete process.env.LVSYNC_EXEC_TEST;
    if (locale === undefined) delete process.env.LC_ALL;
    else process.env.LC_ALL = locale;
  }
});

test('a program that exits without reading its input is its exit status, not a broken pipe', async () => {
  const r = await createExecIpvsadm({ binary: '/bin/sh' }).run(['-c', 'exit 2'], 'x\n'.repeat(500_000));
  assert.equal(r.exitCode, 2);
});

test('an ipvsadm that cannot be started rejects with IpvsadmUnavailableError', async () => {
  await assert.rejects(createExecIpvsadm({ binary: '/nonexistent/ipvsadm' }).run(['-S', '-n']), (err: unknown) => {
    assert.ok(err instanceof IpvsadmUnavailableError);
    assert.match(String(err.message), /nonexistent\/ipvsadm/);
    return true;
  });
});

test('/proc/net/ip_vs is read only with the ipvsadm on PATH, unless LVSYNC_PROC_IP_VS says otherwise', () => {
  assert.equal(procPathFor('ipvsadm', {}), '/proc/net/ip_vs');
  // a binary of its own may be a wrapper into another namespace, whose table this /proc does not show
  assert.equal(procPathFor('/usr/local/bin/ipvsadm-in-ns', {}), null);
  assert.equal(procPathFor('ipvsadm', { LVSYNC_PROC_IP_VS: 'off' }), null);
  assert.equal(procPathFor('/opt/ipvsadm', { LVSYNC_PROC_IP_VS: '/proc/net/ip_vs' }), '/proc/net/ip_vs');
});

test('readProcTable: the file\'s text, null when it is missing or turned off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-proc-'));
  writeFileSync(join(dir, 'ip_vs'), 'IP Virtual Server version 1.2.1 (size=4096)\n');
  assert.equal(await createExecIpvsadm({ binary: 'ipvsadm', procPath: join(dir, 'ip_vs') }).readProcTable!(), 'IP Virtual Server version 1.2.1 (size=4096)\n');
  assert.equal(await createExecIpvsadm({ binary: 'ipvsadm', procPath: join(dir, 'missing') }).readProcTable!(), null);
  assert.equal(await createExecIpvsadm({ binary: 'ipvsadm' }).readProcTable!(), null);
  // larger than the first buffers (64 KiB, doubling), with a character across a read
  const big = `${'x'.repeat((1 << 20) - 1)}é${'y'.repeat(2_500_000)}\n`;
  writeFileSync(join(dir, 'big'), big);
  assert.equal(await createExecIpvsadm({ binary: 'ipvsadm', procPath: join(dir, 'big') }).readProcTable!(), big);
});
