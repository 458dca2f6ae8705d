import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DRAIN_FLAG_FILE } from '../../src/anycast/drain-flag.js';
import { formatAnycastState } from '../../src/anycast/state-file.js';
import { runCli, tempTree } from '../helpers/cli.js';
import { fakeWithTable } from '../helpers/in-memory-ipvsadm.js';

/**
 * `lvsync drain-director` against a stand-in for lvsync watch: a loop that writes the state file the
 * way watch does (withdrawn while the mark is there, announced otherwise), and a fake kernel whose
 * counters do not move, so the traffic is "gone" after two quiet seconds.
 */
function fakeWatch(dir: string): () => void {
  const stateFile = join(dir, 'anycast.json');
  const write = () => {
    const drained = existsSync(join(dir, 'state', DRAIN_FLAG_FILE));
    writeFileSync(stateFile, formatAnycastState({ version: 1, pid: process.pid, writtenAt: Date.now(), staleAfterMs: 35_000,
      vips: [{ prefix: '10.70.0.10/32', ready: !drained, reasons: drained ? ['drained'] : [], nextHop: 'self', med: null, communities: [] }] }));
  };
  write();
  const timer = setInterval(write, 100);
  return () => clearInterval(timer);
}

test('drain-director: marks, waits for the withdraw and for the packets to stop (exit 0); --undo removes the mark and waits for the announce', async () => {
  const dir = tempTree({ 'keep': '' });
  const stop = fakeWatch(dir);
  try {
    const ipvsadm = fakeWithTable('-A -t 10.70.0.10:80 -s mh\n-a -t 10.70.0.10:80 -r 10.70.1.11:80 -g -w 1\n');
    const args = ['--state-dir', join(dir, 'state'), '--state-file', join(dir, 'anycast.json'), '--timeout', '20s'];
    const r = await runCli(['drain-director', ...args], { ipvsadm });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /withdrawn: 10\.70\.0\.10\/32/);
    assert.match(r.stdout, /drained: no packets for 2 s/);
    assert.ok(existsSync(join(dir, 'state', DRAIN_FLAG_FILE)), 'the mark stays until --undo');
    assert.ok(!Number.isNaN(Date.parse((JSON.parse(readFileSync(join(dir, 'state', DRAIN_FLAG_FILE), 'utf8')) as { since: string }).since)));
    const u = await runCli(['drain-director', '--undo', ...args], { ipvsadm });
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stdout, /announced: 10\.70\.0\.10\/32/);
    assert.ok(!existsSync(join(dir, 'state', DRAIN_FLAG_FILE)));
  } finally {
    stop();
  }
});

test('drain-director: no lvsync watch writing the state file: exit 1 after the timeout, saying what to check', async () => {
  const dir = tempTree({ 'keep': '' });
  const r = await runCli(['drain-director', '--state-dir', join(dir, 'state'), '--state-file', join(dir, 'anycast.json'), '--timeout', '1s']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not withdrawn after 1s: is lvsync watch running/);
});
