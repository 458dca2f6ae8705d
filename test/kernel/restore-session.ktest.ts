import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createRestoreSession } from '../../src/ipvsadm/restore-session.js';
import { tempTree } from '../helpers/cli.js';
import { REPO, SKIP, ipvsadm, resetKernel, sleep, tempStateDir } from './helpers.js';

/**
 * The real ipvsadm 1.31 keeps the protocol restore-session.ts relies on (issue 13): an `ipvsadm -R`
 * kept running reads each batch, answers its end line on stderr, and goes on after kernel errors;
 * a validation error ends it. `lvsync watch` with the ipvsadm on PATH sends every pass's batch to
 * one such process.
 * Runs inside the VM only: test/kernel/vm.sh -- node --test dist/test/kernel/restore-session.ktest.js
 */

const save = () => ipvsadm(['-S', '-n']).stdout.split('\n').filter(Boolean);

/** ipvsadm processes whose parent is `pid`, with their command lines. */
function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      found.push({ pid: Number(name), cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') });
    } catch { /* gone meanwhile */ }
  }
  return found;
}

describe('one ipvsadm -R kept running (restore-session.ts) on the real kernel', { skip: SKIP }, () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    resetKernel();
  });

  test('batches in one process: kernel errors are reported with their batch and the rest goes on; a validation error ends the process, the next batch starts another', async () => {
    resetKernel();
    const session = createRestoreSession('ipvsadm');
    const first = await session.batch([
      '-A -t 10.77.0.1:80 -s wrr',
      '-a -t 10.77.0.1:80 -r 10.78.0.1:8080 -m -w 1',
      '-A -t 10.77.0.1:80 -s rr',
      '-a -t 10.77.0.1:80 -r 10.78.0.2:8080 -m -w 2',
    ].join('\n'), 30_000);
    assert.deepEqual(first, { exitCode: 1, signal: null, stderr: 'Service already exists\n', timedOut: false });
    const pid = session.pid;
    assert.ok(pid !== null);
    assert.deepEqual(save(), [
      '-A -t 10.77.0.1:80 -s wrr',
      '-a -t 10.77.0.1:80 -r 10.78.0.1:8080 -m -w 1',
      '-a -t 10.77.0.1:80 -r 10.78.0.2:8080 -m -w 2',
    ]);

    const second = await session.batch('-e -t 10.77.0.1:80 -r 10.78.0.1:8080 -m -w 5\n', 30_000);
    assert.deepEqual(second, { exitCode: 0, signal: null, stderr: '', timedOut: false });
    assert.equal(session.pid, pid, 'the same process');
    assert.ok(save().includes('-a -t 10.77.0.1:80 -r 10.78.0.1:8080 -m -w 5'));

    // ipvsadm's own validation aborts -R (exit 2, facts §6.2): the lines after it never run
    const aborted = await session.batch('-E -t 10.77.0.1:80 -s wrr -b bogus\n-d -t 10.77.0.1:80 -r 10.78.0.2:8080\n', 30_000);
    assert.equal(aborted?.exitCode, 2);
    assert.match(aborted?.stderr ?? '', /bogus/);
    assert.ok(save().includes('-a -t 10.77.0.1:80 -r 10.78.0.2:8080 -m -w 2'), 'the delete after the abort did not run');

    const third = await session.batch('-d -t 10.77.0.1:80 -r 10.78.0.2:8080\n', 30_000);
    assert.deepEqual(third, { exitCode: 0, signal: null, stderr: '', timedOut: false });
    assert.notEqual(session.pid, pid, 'a new process');
    assert.deepEqual(save(), ['-A -t 10.77.0.1:80 -s wrr', '-a -t 10.77.0.1:80 -r 10.78.0.1:8080 -m -w 5']);
  });

  test('a batch of SPLIT_MIN_LINES lines or more runs in two ipvsadm -R at once, cut by service: the kernel ends with exactly the table one ipvsadm gives', async () => {
    resetKernel();
    const { createExecIpvsadm, RESTORE_SESSIONS, SPLIT_MIN_LINES } = await import('../../src/ipvsadm/exec.js');
    const seam = createExecIpvsadm({ binary: 'ipvsadm', restoreSession: true });
    const sessions = () => childrenOf(process.pid).filter((c) => c.cmdline === 'ipvsadm -R').map((c) => c.pid);
    // the earlier test's session may still be running
    const before = new Set(sessions());
    const services = Math.ceil(SPLIT_MIN_LINES / 2);
    const vip = (i: number) => `10.77.${i >> 6}.${(i & 63) + 1}:80`;
    const cold: string[] = [];
    for (let i = 0; i < services; i++) {
      cold.push(`-A -t ${vip(i)} -s wrr`);
      for (let r = 1; r <= 3; r++) cold.push(`-a -t ${vip(i)} -r 10.78.${i >> 6}.${((i & 63) << 2) + r}:8080 -m -w ${r}`);
    }
    // a kernel error in the middle is reported; every other line still runs
    cold.splice(41, 0, `-A -t ${vip(3)} -s rr`);
    const first = await seam.restore!(`${cold.join('\n')}\n`);
    assert.equal(first.exitCode, 1);
    assert.equal(first.stderr, 'Service already exists\n');
    const expected = cold.filter((_, i) => i !== 41);
    const sorted = (lines: string[]) => [...lines].sort();
    assert.deepEqual(sorted(save()), sorted(expected));
    assert.equal(sessions().filter((pid) => !before.has(pid)).length, RESTORE_SESSIONS, 'both kept running');

    // a churn: one server of every service replaced, in the order a plan gives (deletes, then adds)
    const churn = [
      ...Array.from({ length: services }, (_, i) => `-d -t ${vip(i)} -r 10.78.${i >> 6}.${((i & 63) << 2) + 1}:8080`),
      ...Array.from({ length: services }, (_, i) => `-a -t ${vip(i)} -r 10.79.${i >> 6}.${(i & 63) + 1}:8080 -m -w 7`),
    ];
    assert.ok(churn.length >= SPLIT_MIN_LINES);
    assert.deepEqual(await seam.restore!(`${churn.join('\n')}\n`), { exitCode: 0, stdout: '', stderr: '' });
    const after = [
      ...expected.filter((l) => !/ -r 10\.78\.\d+\.(\d+):8080 -m -w 1$/.test(l)),
      ...Array.from({ length: services }, (_, i) => `-a -t ${vip(i)} -r 10.79.${i >> 6}.${(i & 63) + 1}:8080 -m -w 7`),
    ];
    assert.deepEqual(sorted(save()), sorted(after));
  });

  test('lvsync watch with the ipvsadm on PATH applies every change through one ipvsadm -R, and converges', async () => {
    resetKernel();
    const dir = tempTree({});
    const conf = join(dir, 'web.yaml');
    const yaml = (w: number) => `version: 1\nservices:\n  - name: web\n    protocol: tcp\n    address: 10.77.1.1\n    port: 80\n    scheduler: wrr\n    realServers:\n      - { address: 10.78.1.1, port: 8080, method: nat, weight: ${w} }\n      - { address: 10.78.1.2, port: 8080, method: nat, weight: 1 }\n`;
    writeFileSync(conf, yaml(1));
    const err: string[] = [];
    const child = spawn(process.execPath, [join(REPO, 'dist/src/cli/main.js'), 'watch', conf, '--interval', '1h', '--listen', 'off', '--state-dir', tempStateDir(), '--log-format', 'json'], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LVSYNC_TRACE: '1' },
    });
    children.push(child);
    child.stderr.setEncoding('utf8').on('data', (t: string) => err.push(t));
    const until = async (what: string, ok: () => boolean, ms = 120_000) => {
      const end = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${err.join('').slice(-2000)}`);
        await sleep(200);
      }
    };
    const passesApplied = () => (err.join('').match(/pass \d+ applied/g) ?? []).length;
    await until('the first pass', () => passesApplied() >= 1);
    const sessions = () => childrenOf(child.pid!).filter((c) => c.cmdline === 'ipvsadm -R');
    assert.equal(sessions().length, 1, JSON.stringify(childrenOf(child.pid!)));
    const pid = sessions()[0]!.pid;

    for (const w of [2, 3]) {
      writeFileSync(`${conf}.tmp`, yaml(w));
      renameSync(`${conf}.tmp`, conf);
      await until(`weight ${w}`, () => save().includes(`-a -t 10.77.1.1:80 -r 10.78.1.1:8080 -m -w ${w}`) && passesApplied() >= w);
    }
    assert.deepEqual(sessions().map((s) => s.pid), [pid], 'the same ipvsadm -R for every pass');
    assert.deepEqual(save(), ['-A -t 10.77.1.1:80 -s wrr', '-a -t 10.77.1.1:80 -r 10.78.1.1:8080 -m -w 3', '-a -t 10.77.1.1:80 -r 10.78.1.2:8080 -m -w 1']);

    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    // the daemon gone, its ipvsadm read EOF and ended
    const end = Date.now() + 10_000;
    let alive = true;
    while (alive && Date.now() < end) {
        // gone, or a zombie waiting for init: either way it ended
      try { alive = !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { alive = false; }
      if (alive) await sleep(100);
    }
    assert.equal(alive, false, 'the ipvsadm -R ended with the daemon');
  });
});
