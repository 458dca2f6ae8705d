import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { createExecIpvsadm, restoreSessionFor } from '../../src/ipvsadm/exec.js';
import { createRestoreSession } from '../../src/ipvsadm/restore-session.js';

/**
 * A stand-in that streams `-R` the way ipvsadm 1.31 does in the VM (restore-session.ts): one line at
 * a time; an unknown option after the command is reported and skipped; a kernel error is reported
 * and skipped; a validation error ends the process with exit 2. Every line read is logged with the
 * pid that read it. The real ipvsadm is held to the same protocol in test/kernel/restore-session.ktest.ts.
 */
const STREAMING = `#!/bin/sh
[ "$1" = "-R" ] || exit 9
while IFS= read -r line; do
  echo "$$ $line" >> "$LOG"
  case "$line" in
    *--lvsync-batch-end-*) echo "\${line#-L }: unknown option" >&2 ;;
    *exists*) echo "Service already exists" >&2 ;;
    *abort*) echo "invalid scheduler flag \\\`abort'" >&2; exit 2 ;;
    *hang*) sleep 30 ;;
  esac
done
`;

/** Reads all of its input before it does anything (the executable test fake does): no answer to the handshake. */
const BUFFERING = `#!/bin/sh
cat > /dev/null
echo "$$ ran" >> "$LOG"
`;

function fake(script: string): { binary: string; log: () => string[]; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-session-'));
  const binary = join(dir, 'ipvsadm');
  writeFileSync(binary, script);
  chmodSync(binary, 0o755);
  const logFile = join(dir, 'log');
  writeFileSync(logFile, '');
  process.env.LOG = logFile;
  return { binary, env: { ...process.env, LOG: logFile }, log: () => readFileSync(logFile, 'utf8').split('\n').filter(Boolean) };
}

const pidOf = (line: string) => line.split(' ')[0];
const ADD = '-A -t 10.0.0.1:80 -s wlc';

test('batches go to one running ipvsadm -R; each gets the stderr of its own lines, in order', async () => {
  const f = fake(STREAMING);
  const session = createRestoreSession(f.binary, { env: f.env });
  const first = await session.batch(`${ADD}\n-a exists\n`, 5000);
  const second = await session.batch(`${ADD}\n`, 5000);
  assert.deepEqual(first, { exitCode: 1, signal: null, stderr: 'Service already exists\n', timedOut: false });
  assert.deepEqual(second, { exitCode: 0, signal: null, stderr: '', timedOut: false });
  const log = f.log();
  // the handshake's end line, then each batch with its end line, all read by one process
  assert.equal(new Set(log.map(pidOf)).size, 1, log.join('\n'));
  assert.deepEqual(log.map((l) => l.slice(l.indexOf(' ') + 1).replace(/-\d+-\d+$/, '-N')), [
    '-L --lvsync-batch-end-N',
    ADD, '-a exists', '-L --lvsync-batch-end-N',
    ADD, '-L --lvsync-batch-end-N',
  ]);
  assert.equal(String(session.pid), pidOf(log[0]!));
});

test('a line ipvsadm aborts on ends that batch with its exit; the next batch starts a new process', async () => {
  const f = fake(STREAMING);
  const session = createRestoreSession(f.binary, { env: f.env });
  const aborted = await session.batch(`${ADD}\n-A abort\n${ADD} never\n`, 5000);
  assert.equal(aborted?.exitCode, 2);
  assert.match(aborted?.stderr ?? '', /invalid scheduler flag/);
  const next = await session.batch(`${ADD}\n`, 5000);
  assert.equal(next?.exitCode, 0);
  const log = f.log();
  assert.ok(!log.some((l) => l.endsWith(' never')), 'nothing after the abort ran');
  assert.equal(new Set(log.map(pidOf)).size, 2);
});

test('a batch that outlives its time: its ipvsadm is killed, the batch says so, and the next one gets a new process', async () => {
  const f = fake(STREAMING);
  const session = createRestoreSession(f.binary, { env: f.env });
  const slow = await session.batch('-a hang\n', 300);
  assert.equal(slow?.timedOut, true);
  const next = await session.batch(`${ADD}\n`, 5000);
  assert.deepEqual(next, { exitCode: 0, signal: null, stderr: '', timedOut: false });
  assert.equal(new Set(f.log().map(pidOf)).size, 2);
});

test('concurrent batches run one after the other, never interleaved', async () => {
  const f = fake(STREAMING);
  const session = createRestoreSession(f.binary, { env: f.env });
  const results = await Promise.all([1, 2, 3].map((n) => session.batch(`-a exists ${n}\n`, 5000)));
  assert.deepEqual(results.map((r) => r?.stderr), ['Service already exists\n', 'Service already exists\n', 'Service already exists\n']);
  const lines = f.log().map((l) => l.slice(l.indexOf(' ') + 1)).filter((l) => !l.startsWith('-L'));
  assert.deepEqual(lines, ['-a exists 1', '-a exists 2', '-a exists 3']);
});

test('an ipvsadm that does not answer the handshake turns the session off; exec then runs each batch in a process of its own', async () => {
  const f = fake(BUFFERING);
  const session = createRestoreSession(f.binary, { env: f.env, handshakeMs: 300 });
  assert.equal(await session.batch(`${ADD}\n`, 5000), null);
  assert.equal(await session.batch(`${ADD}\n`, 5000), null, 'and stays off');

  const ipvsadm = createExecIpvsadm({ binary: f.binary, restoreSession: true });
  const r = await ipvsadm.restore!(`${ADD}\n`);
  assert.equal(r.exitCode, 0);
  // the fallback ran the batch: a process that read all input and logged
  assert.ok(f.log().some((l) => l.endsWith(' ran')));
});

test('an ipvsadm that fails for a while (ends before the handshake): those batches run on their own, then the session resumes', async () => {
  const f = fake(`#!/bin/sh
[ -e "$LOG.fail" ] && { echo "$$ failed" >> "$LOG"; echo "Can't initialize ipvs" >&2; exit 1; }
${STREAMING.split('\n').slice(1).join('\n')}`);
  writeFileSync(`${f.env.LOG}.fail`, '');
  const session = createRestoreSession(f.binary, { env: f.env });
  assert.equal(await session.batch(`${ADD}\n`, 5000), null, 'this batch: a process of its own');
  assert.equal(await session.batch(`${ADD}\n`, 5000), null);
  rmSync(`${f.env.LOG}.fail`);
  assert.deepEqual(await session.batch(`${ADD}\n`, 5000), { exitCode: 0, signal: null, stderr: '', timedOut: false }, 'recovered: the session again');
  assert.equal(f.log().filter((l) => l.endsWith(' failed')).length, 2);
});

test('exec: restore goes through the session; a missing binary is "unavailable", as for run', async () => {
  const f = fake(STREAMING);
  const ipvsadm = createExecIpvsadm({ binary: f.binary, restoreSession: true });
  assert.deepEqual(await ipvsadm.restore!(`${ADD}\n-a exists\n`), { exitCode: 1, stdout: '', stderr: 'Service already exists\n' });
  assert.deepEqual(await ipvsadm.restore!(`${ADD}\n`), { exitCode: 0, stdout: '', stderr: '' });
  assert.equal(new Set(f.log().map(pidOf)).size, 1);
  const timedOut = await createExecIpvsadm({ binary: f.binary, restoreSession: true, timeoutMs: 200, perLineMs: 0 }).restore!('-a hang\n');
  assert.equal(timedOut.exitCode, 124);
  assert.match(timedOut.stderr, /did not finish a batch of 1 lines within/);
  await assert.rejects(createExecIpvsadm({ binary: '/nonexistent/ipvsadm', restoreSession: true }).restore!(`${ADD}\n`), { name: 'IpvsadmUnavailableError' });
});

test('exec: a batch of SPLIT_MIN_LINES or more is cut by service over the kept-running ipvsadm; a shorter one, or one with a kernel setting, is not', async () => {
  const { SPLIT_MIN_LINES, RESTORE_SESSIONS } = await import('../../src/ipvsadm/exec.js');
  const f = fake(STREAMING);
  const ipvsadm = createExecIpvsadm({ binary: f.binary, restoreSession: true });
  const lines = Array.from({ length: SPLIT_MIN_LINES }, (_, i) => `-a -t 10.0.${i % 50}.1:80 -r 10.1.0.${i}:80 -g -w 1`);
  // a kernel error in one part: reported, and the other part runs to its end
  lines[7] = '-a -t 10.0.7.1:80 -r exists';
  const r = await ipvsadm.restore!(`${lines.join('\n')}\n`);
  assert.deepEqual(r, { exitCode: 1, stdout: '', stderr: 'Service already exists\n' });
  const read = f.log().filter((l) => !l.includes('--lvsync-batch-end-'));
  const byPid = new Map<string, string[]>();
  for (const l of read) byPid.set(pidOf(l)!, [...(byPid.get(pidOf(l)!) ?? []), l.slice(l.indexOf(' ') + 1)]);
  assert.equal(byPid.size, RESTORE_SESSIONS, 'one ipvsadm per part');
  assert.deepEqual([...byPid.values()].flat().sort(), [...lines].sort(), 'every line once');
  for (const part of byPid.values()) {
    assert.ok(Math.abs(part.length - SPLIT_MIN_LINES / RESTORE_SESSIONS) <= 4, `parts of about equal length: ${part.length}`);
    const services = new Set(part.map((l) => l.split(' ')[2]));
    for (const other of byPid.values()) if (other !== part) assert.ok(other.every((l) => !services.has(l.split(' ')[2])), 'a service in one part only');
  }
  // shorter, or with a line that is not a service's: whole, to one ipvsadm
  for (const input of [`${lines.slice(0, SPLIT_MIN_LINES - 1).join('\n')}\n`, `--set 900 120 300\n${lines.join('\n')}\n`]) {
    writeFileSync(f.env.LOG!, '');
    await ipvsadm.restore!(input);
    assert.equal(new Set(f.log().filter((l) => !l.includes('--lvsync-batch-end-')).map(pidOf)).size, 1);
  }
});

test('an ipvsadm that ends at once with status 0 has not answered: the session does not trust it, the batch runs on its own', async () => {
  const f = fake('#!/bin/sh\nexit 0\n');
  const session = createRestoreSession(f.binary, { env: f.env });
  assert.equal(await session.prove(), false);
  assert.equal(await session.batch(`${ADD}\n`, 5000), null, 'a process of its own, not a batch "done" by a process that was gone');
});

test('exec: an ipvsadm that does not keep the protocol never gets a cut batch: it runs whole, in one process', async () => {
  const { SPLIT_MIN_LINES } = await import('../../src/ipvsadm/exec.js');
  // reads one line and ends: the handshake's end line goes unanswered; a batch's process logs its first line
  const f = fake(`#!/bin/sh
IFS= read -r first
echo "$$ $first" >> "$LOG"
`);
  const ipvsadm = createExecIpvsadm({ binary: f.binary, restoreSession: true });
  const lines = Array.from({ length: SPLIT_MIN_LINES }, (_, i) => `-a -t 10.0.${i % 50}.1:80 -r 10.1.0.${i}:80 -g -w 1`);
  assert.equal((await ipvsadm.restore!(`${lines.join('\n')}\n`)).exitCode, 0);
  const batches = f.log().filter((l) => !l.includes('--lvsync-batch-end-'));
  assert.deepEqual(batches.map((l) => l.slice(l.indexOf(' ') + 1)), [lines[0]], 'one process, given the whole batch');
});

test('exec: a part that cannot start while the other ran is a failed batch (the caller re-reads), not a missing binary', async () => {
  const { SPLIT_MIN_LINES } = await import('../../src/ipvsadm/exec.js');
  const f = fake(STREAMING);
  const ipvsadm = createExecIpvsadm({ binary: f.binary, restoreSession: true });
  const lines = Array.from({ length: SPLIT_MIN_LINES }, (_, i) => `-a -t 10.0.${i % 50}.1:80 -r 10.1.0.${i}:80 -g -w 1`);
  // the first service's part prints an error and goes on; the second service's part aborts: that ipvsadm ends
  const first = await ipvsadm.restore!(`${[...lines, '-a -t 10.0.0.1:80 -r exists', '-a -t 10.0.1.1:80 -r abort'].join('\n')}\n`);
  assert.equal(first.exitCode, 2, 'the abort outranks the error ipvsadm went on from');
  assert.match(first.stderr, /Service already exists/);
  // the binary gone: the first session's ipvsadm still runs, the second cannot start again
  rmSync(f.binary);
  const second = await ipvsadm.restore!(`${lines.join('\n')}\n`);
  assert.equal(second.exitCode, 127);
  assert.match(second.stderr, /cannot run/);
  // and with no ipvsadm at all, it is unavailable, as for a batch in one piece
  await assert.rejects(createExecIpvsadm({ binary: f.binary, restoreSession: true }).restore!(`${lines.join('\n')}\n`), { name: 'IpvsadmUnavailableError' });
});

test('exec: a large batch for an ipvsadm that ends at once starts two processes, the handshake and the batch, not three', async () => {
  const { SPLIT_MIN_LINES } = await import('../../src/ipvsadm/exec.js');
  const f = fake('#!/bin/sh\necho "$$ started" >> "$LOG"\n');
  const ipvsadm = createExecIpvsadm({ binary: f.binary, restoreSession: true });
  const lines = Array.from({ length: SPLIT_MIN_LINES }, (_, i) => `-a -t 10.0.${i % 50}.1:80 -r 10.1.0.${i}:80 -g -w 1`);
  await ipvsadm.restore!(`${lines.join('\n')}\n`);
  assert.equal(f.log().length, 2);
});

test('an idle session does not keep the process alive: a finished apply exits, and its ipvsadm reads EOF and ends', () => {
  const f = fake(STREAMING);
  const script = join(mkdtempSync(join(tmpdir(), 'lvsync-session-exit-')), 'run.mjs');
  const module = join(fileURLToPath(new URL('.', import.meta.url)), '../../src/ipvsadm/restore-session.js');
  writeFileSync(script, `import { createRestoreSession } from ${JSON.stringify(module)};
const s = createRestoreSession(${JSON.stringify(f.binary)});
const r = await s.batch(${JSON.stringify(`${ADD}\n`)}, 5000);
console.log(JSON.stringify({ exitCode: r.exitCode, pid: s.pid }));
`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [script], { env: f.env, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - started < 10_000);
  const { exitCode, pid } = JSON.parse(r.stdout) as { exitCode: number; pid: number };
  assert.equal(exitCode, 0);
  // the shell stand-in ends at EOF (as ipvsadm does): give it a moment, then it must be gone
  const deadline = Date.now() + 5000;
  let alive = true;
  while (alive && Date.now() < deadline) {
    try { process.kill(pid, 0); spawnSync('sleep', ['0.05']); } catch { alive = false; }
  }
  assert.equal(alive, false, 'the ipvsadm of a finished process ended');
});

test('restoreSessionFor: the ipvsadm on PATH only, unless LVSYNC_IPVSADM_SESSION says otherwise', () => {
  assert.equal(restoreSessionFor('ipvsadm', {}), true);
  assert.equal(restoreSessionFor('/usr/local/bin/wrapper', {}), false);
  assert.equal(restoreSessionFor('ipvsadm', { LVSYNC_IPVSADM_SESSION: 'off' }), false);
  assert.equal(restoreSessionFor('/usr/local/bin/wrapper', { LVSYNC_IPVSADM_SESSION: 'on' }), true);
});
