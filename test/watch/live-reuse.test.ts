import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { afterEach, test } from 'node:test';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { REHEARSALS } from '../../src/watch/pass.js';
import { startTestDaemon, stopAllTestDaemons, WEB, type TestDaemon } from './daemon-helpers.js';
import { eventually } from './helpers.js';

/**
 * Issue 13: a pass for a config change plans from the table the previous pass read, so a change
 * reaches the kernel one full `-S -n` sooner; the interval's passes still read the table (drift),
 * and a table changed by hand since the last read is repaired in the same pass.
 */

afterEach(stopAllTestDaemons);

/** the ipvsadm runs since `from`, as argv strings */
const runsSince = (t: TestDaemon, from: number) => t.fake.calls.slice(from).map((c) => c.args.join(' '));

async function configChange(t: TestDaemon, yaml: string): Promise<void> {
  writeFileSync(t.file, yaml);
  t.watcher.fire();
  t.clock.advance(100);
  await t.settle();
}

test('a config change after a converged pass: no -S before the -R, one verification -S after it', async () => {
  const t = await startTestDaemon();
  const from = t.fake.calls.length;
  await configChange(t, WEB.replace('weight: 5', 'weight: 7'));
  assert.deepEqual(runsSince(t, from), ['-R', '-S -n']);
  assert.equal(t.passes().at(-1)?.outcome, 'applied');
  assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 7/);

  // the next change plans from that verification read: again no read before the -R
  const next = t.fake.calls.length;
  await configChange(t, WEB.replace('weight: 5', 'weight: 9'));
  assert.deepEqual(runsSince(t, next), ['-R', '-S -n']);
  assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 9/);
  await t.stop();
});

test('the interval pass always reads the table: drift made by hand is found and undone', async () => {
  const t = await startTestDaemon();
  runIpvsadm(t.fake.kernel, ['-e', '-t', '192.168.10.100:80', '-r', '10.0.0.12:8080', '-m', '-w', '1']);
  const from = t.fake.calls.length;
  t.clock.advance(10_000);
  await t.settle();
  assert.deepEqual(runsSince(t, from).slice(0, 1), ['-S -n'], 'the interval pass starts with a read');
  assert.ok(t.logs.messages().includes('real server 10.0.0.12:8080 weight 5 → 1, changed outside lvsync'));
  assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 5/);
  await t.stop();
});

test('the table changed by hand since the last read: the batch fails, and the same pass reads the table again, plans and converges', async () => {
  const t = await startTestDaemon();
  // by hand, after the last read: the server the next change edits is gone
  runIpvsadm(t.fake.kernel, ['-d', '-t', '192.168.10.100:80', '-r', '10.0.0.12:8080']);
  const from = t.fake.calls.length;
  await configChange(t, WEB.replace('weight: 5', 'weight: 7'));
  // planned from the stale read: the batch's -e of a missing server fails; its verification read
  // shows what is left; the pass reads afresh and plans again (-a), then verifies
  assert.deepEqual(runsSince(t, from), ['-R', '-S -n', '-S -n', '-R', '-S -n']);
  assert.match(String(t.fake.calls[from + 3]!.input), /^-a -t 192\.168\.10\.100:80 -r 10\.0\.0\.12:8080 -m -w 7$/m);
  assert.notEqual(t.fake.calls[from]!.result.exitCode, 0);
  assert.match(String(t.fake.calls[from]!.input), /^-e -t 192\.168\.10\.100:80 -r 10\.0\.0\.12:8080/m);
  assert.equal(t.passes().at(-1)?.outcome, 'applied');
  assert.equal(t.passes().length, 2, 'one pass, no retry');
  assert.ok(t.logs.lines().some((l) => l.level === 40 && String(l.msg).startsWith('the table had changed since it was last read')), t.logs.messages().join('\n'));
  assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 7/);
  await t.stop();
});

test('a server added by hand since the last read, with a connection: drained after the fresh read, never deleted from a re-plan without counts', async () => {
  const t = await startTestDaemon();
  runIpvsadm(t.fake.kernel, ['-a', '-t', '192.168.10.100:80', '-r', '10.0.0.99:8080', '-m', '-w', '1']);
  for (const svc of t.fake.kernel.state.services) for (const d of svc.dests) if (d.addr === '10.0.0.99') d.activeConns = 1;
  await configChange(t, WEB.replace('weight: 5', 'weight: 7'));
  assert.match(t.save(), /10\.0\.0\.12:8080 -m -w 7/);
  assert.match(t.save(), /-a -t 192\.168\.10\.100:80 -r 10\.0\.0\.99:8080 -m -w 0/, 'quiesced while its connection lasts');
  assert.equal(t.daemon.status.drains.length, 1);
  await t.stop();
});

test('a setting declared by the change is read afresh, though the table is not', async () => {
  const t = await startTestDaemon();
  const from = t.fake.calls.length;
  await configChange(t, `${WEB}timeouts: { tcp: 600 }\n`);
  // the settings read, then the batch (the timeouts lead it), then the verification read of both
  assert.deepEqual(runsSince(t, from), ['-L --timeout', '-R', '-S -n', '-L --timeout']);
  assert.match(String(t.fake.calls[from + 1]!.input), /^--set 600 /);
  assert.equal(t.passes().at(-1)?.outcome, 'applied');
  assert.equal(t.passes().length, 2);
  await t.stop();
});

test('rehearsals stop once they have taken their budget of time (REHEARSAL_BUDGET_MS): a tiny one allows exactly one', async () => {
  const events: string[] = [];
  const t = await startTestDaemon({ trace: (e) => events.push(e), config: { rehearsalBudgetMs: 1e-6 } });
  await eventually(() => events.some((e) => e.startsWith('config change rehearsed')), 'the rehearsal');
  await configChange(t, WEB.replace('weight: 5', 'weight: 7'));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(events.filter((e) => e.startsWith('config change rehearsed')).map((e) => /rehearsed (\d+) times/.exec(e)![1]), ['1']);
  await t.stop();
});

test('--detect-only never plans from an earlier read', async () => {
  const t = await startTestDaemon({ detectOnly: true });
  const from = t.fake.calls.length;
  await configChange(t, WEB.replace('weight: 5', 'weight: 7'));
  assert.deepEqual(runsSince(t, from), ['-S -n']);
  await t.stop();
});

test('after the first pass the daemon rehearses a config change REHEARSALS times while idle (load and plan, nothing applied), never during a pass, and never again', async () => {
  const events: string[] = [];
  const t = await startTestDaemon({ trace: (e) => events.push(e) });
  const rehearsed = () => events.filter((e) => e.startsWith('config change rehearsed')).reduce((n, e) => n + Number(/rehearsed (\d+) times/.exec(e)![1]), 0);
  const calls = t.fake.calls.length;
  const save = t.save();
  // a change at once: the rehearsals give way to its pass and finish after it
  await configChange(t, WEB.replace('weight: 5', 'weight: 7'));
  await eventually(() => rehearsed() === REHEARSALS, 'all rehearsals');
  t.clock.advance(10_000);
  await t.settle();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(rehearsed(), REHEARSALS, 'never again');
  const firstPassEnd = events.findIndex((e) => /^pass 1 /.test(e) && !e.includes('started'));
  assert.ok(firstPassEnd >= 0 && events.findIndex((e) => e.startsWith('config change rehearsed')) > firstPassEnd, 'after the first pass ended');
  // none is traced between a pass's start and its end
  let inPass = false;
  for (const e of events) {
    if (/^pass \d+ started/.test(e)) inPass = true;
    else if (/^pass \d+ /.test(e)) inPass = false;
    else if (e.startsWith('config change rehearsed')) assert.ok(!inPass, `rehearsal during a pass: ${events.join(' | ')}`);
  }
  assert.deepEqual(runsSince(t, calls).slice(0, 2), ['-R', '-S -n'], 'the change is planned from the last read, as before; rehearsals run nothing');
  // each rehearsal planned the drains of a removed server with the counts of /proc/net/ip_vs (rehearse.ts); no pass here deletes
  assert.equal(t.fake.procReads.count, REHEARSALS);
  assert.notEqual(t.save(), save);
  await t.stop();
});
