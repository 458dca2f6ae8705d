import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SKIP, sleep } from './helpers.js';
import { PairNet, isFifo, openMode, type ClientLoop, type DirectorName, type FifoReader, type Keepalived } from './pair-net.js';

/**
 * keepalived 2.2.7 (Debian's) electing a director pair on the real kernel, with the track files
 * written by this test: groundwork for issue 16, part 3, where `lvsync watch` will write them. What
 * each step establishes is written down in docs/pair-facts.md. Topology: pair-net.ts (two directors
 * with the same DR table, a client, two real servers, one bridge). VRRP: unicast, advert_int 1, d1
 * priority 150, d2 100, `track_file lvsync_VI_WEB { file ... weight 1 }` + `track_file { lvsync_VI_WEB }`
 * in the instance (d1's first run spells the block `vrrp_track_file`, the deprecated synonym: same
 * behaviour, one warning in the log). One keepalived pair with preemption serves the first five
 * tests, a second pair with nopreempt the last two. Measured numbers are logged on lines starting
 * with `pair:`; keepalived's logs are copied to the output dir.
 */

const ADVERT_MS = 1000;
/** a failover must complete within 3 × advert_int + skew (RFC 3768's master-down interval) plus slack for TCG */
const MOVE_BOUND_MS = 3 * ADVERT_MS + 1000 + 3000;
/** the client's failure window: the move plus a SYN retransmission (1 s) and the next request */
const WINDOW_BOUND_MS = MOVE_BOUND_MS + 2000;

describe('a keepalived VRRP pair moves the VIP when a track file says the director is not ready', { skip: SKIP }, () => {
  let net: PairNet;
  let client: ClientLoop;
  const k = {} as Record<DirectorName, Keepalived>;
  const fifo = {} as Record<DirectorName, FifoReader>;
  const track = (d: DirectorName) => join(net.director(d).dir, 'VI_WEB.track');
  const fifoPath = (d: DirectorName) => join(net.director(d).dir, 'notify.fifo');

  before(async () => {
    net = await PairNet.create({ tag: 'pr', realServers: 2 });
    net.loadTables();
  });

  after(async () => {
    // keepalived's console logs (-l -D) go to the output dir: too long for the suite output
    const out = process.env.LVSYNC_VM_OUTPUT_DIR;
    for (const d of ['d1', 'd2'] as const) {
      const log = join(net.director(d).dir, 'keepalived.log');
      if (out && existsSync(log)) {
        copyFileSync(log, join(out, `pair-${d}-keepalived.log`));
        console.log(`pair: ${d}'s keepalived log: ${join(out, `pair-${d}-keepalived.log`)}`);
      }
    }
    for (const d of ['d1', 'd2'] as const) if (fifo[d]) console.log(`pair: ${d} fifo lines: ${JSON.stringify(fifo[d].lines.map((l) => l.line))}`);
    await net?.cleanup();
  });

  /** write `value` to d's track file at t0, wait for the VIP on `to`, then for traffic; log and bound the numbers */
  async function failover(what: string, d: DirectorName, value: number, how: 'in-place' | 'rename', to: DirectorName): Promise<{ moveMs: number; windowMs: number }> {
    const from = net.other(to).name;
    const t0 = net.writeTrack(track(d), value, how);
    const arrived = await net.untilVip(to, 20_000, t0);
    const left = net.vipEvent(t0, from, false)?.t;
    await client.untilSuccesses(10);
    const w = client.window(t0 - 1000);
    const moveMs = arrived - t0;
    console.log(`pair: ${what}: ${how} write of ${value} into ${d}'s track file -> VIP gone from ${from} after ${left === undefined ? '?' : left - t0} ms, on ${to} after ${moveMs} ms; client: ${w.failed}/${w.requests} requests failed, failure window ${w.windowMs} ms, served by ${JSON.stringify(w.servedBy)}`);
    assert.ok(moveMs < MOVE_BOUND_MS, `${what}: the VIP moved in ${moveMs} ms`);
    assert.ok(w.windowMs < WINDOW_BOUND_MS, `${what}: client failure window ${w.windowMs} ms`);
    return { moveMs, windowMs: w.windowMs };
  }

  test('start: the master (150) holds the VIP, traffic flows through it; the FIFO is created and nobody reading it does not block keepalived', async () => {
    net.writeTrack(track('d1'), 0);
    // d2's track file does not exist: init_file (no value) must create it with 0
    const t0 = Date.now();
    k.d1 = net.startKeepalived(net.director('d1'), net.keepalivedConf(net.director('d1'), {
      state: 'MASTER', priority: 150, notifyPriorityChanges: true,
      trackFile: { path: track('d1'), keyword: 'vrrp_track_file' },
      notifyFifo: { path: fifoPath('d1'), keyword: 'vrrp_notify_fifo' },
    }));
    const on = await net.untilVip('d1', 20_000);
    console.log(`pair: d1 (state MASTER, priority 150) holds the VIP ${on - t0} ms after keepalived started`);
    k.d2 = net.startKeepalived(net.director('d2'), net.keepalivedConf(net.director('d2'), {
      state: 'BACKUP', priority: 100, notifyPriorityChanges: true,
      trackFile: { path: track('d2'), initFile: '' },
      notifyFifo: { path: fifoPath('d2'), keyword: 'notify_fifo' },
    }));
    await sleep(3 * ADVERT_MS + 500);
    assert.deepEqual(await net.whereIsVip(), ['d1']);
    assert.equal(k.d1.child.exitCode, null, k.d1.log());
    assert.equal(k.d2.child.exitCode, null, k.d2.log());
    // keepalived created both FIFOs and went on without a reader
    for (const d of ['d1', 'd2'] as const) {
      assert.ok(isFifo(fifoPath(d)), `${d}: ${fifoPath(d)} is a FIFO`);
      const pid = k[d].vrrpPid();
      const vrrp = openMode(pid!, fifoPath(d));
      const parent = openMode(k[d].child.pid!, fifoPath(d));
      console.log(`pair: ${d}: keepalived's VRRP process holds the FIFO open as ${JSON.stringify(vrrp)}, its parent as ${JSON.stringify(parent)}`);
      // read-write and non-blocking: it is its own reader, so the open never waits for one and lines wait in the pipe
      assert.equal(vrrp?.mode, 'rw');
      assert.equal(vrrp?.nonblock, true);
      assert.equal(parent, null);
    }
    // init_file created d2's missing track file
    const initialised = existsSync(track('d2')) ? JSON.stringify(readFileSync(track('d2'), 'utf8')) : 'missing';
    console.log(`pair: d2's track file after start with init_file (no value): ${initialised}`);
    assert.equal(initialised, JSON.stringify('0\n'));

    // what keepalived wrote while nobody read is still in the pipe (it holds the FIFO open itself)
    fifo.d1 = await net.readFifo(fifoPath('d1'));
    fifo.d2 = await net.readFifo(fifoPath('d2'));
    await fifo.d1.until(/^INSTANCE "VI_WEB" MASTER 150$/);
    await fifo.d2.until(/^INSTANCE "VI_WEB" BACKUP 100$/);
    console.log(`pair: buffered before any reader: d1 ${JSON.stringify(fifo.d1.lines.map((l) => l.line))}, d2 ${JSON.stringify(fifo.d2.lines.map((l) => l.line))}`);

    client = await net.startClient();
    await client.untilSuccesses(20);
    const w = client.window(0);
    console.log(`pair: steady state through d1: ${w.failed}/${w.requests} failed, served by ${JSON.stringify(w.servedBy)}`);
    assert.deepEqual(Object.keys(w.servedBy).sort(), ['rs1', 'rs2']);
    const conns = (d: DirectorName) => net.exec(net.director(d).ns, 'ipvsadm -L -n -c').split('\n').filter((l) => l.includes(`${net.vip}:80`)).length;
    assert.ok(conns('d1') > 0, 'd1 forwarded the connections');
    assert.equal(conns('d2'), 0, 'd2 saw none');
  });

  test('preempt: -100 (in place) moves the VIP to the backup; 0 brings it back; the same through rename', async () => {
    await failover('preempt, fail', 'd1', -100, 'in-place', 'd2');
    const lower = await fifo.d1.until(/PRIORITY/, 0);
    console.log(`pair: priority line on d1: ${lower.line}`);
    await fifo.d2.until(/^INSTANCE "VI_WEB" MASTER 100$/);
    await fifo.d1.until(/^INSTANCE "VI_WEB" BACKUP /);
    await failover('preempt, recover', 'd1', 0, 'in-place', 'd1');
    await failover('preempt, fail by rename', 'd1', -100, 'rename', 'd2');
    await failover('preempt, recover by rename', 'd1', 0, 'rename', 'd1');
  });

  test('-254 × weight 1 puts the instance in FAULT; 0 recovers it', async () => {
    const t0 = Date.now();
    const fast = await failover('preempt, fault', 'd1', -254, 'in-place', 'd2');
    assert.ok(fast.moveMs < 3000, 'FAULT sends priority 0: the backup takes over after its skew time, not the master-down interval');
    const fault = await fifo.d1.until(/FAULT/, t0);
    console.log(`pair: d1 fifo at -254: ${fault.line}`);
    await failover('preempt, recover from fault', 'd1', 0, 'in-place', 'd1');
  });

  test('a FIFO whose reader went away; a track file deleted while keepalived runs', async () => {
    // the reader goes away; keepalived must keep running and keep writing (into the pipe buffer)
    await fifo.d1.close();
    const t0 = Date.now();
    await failover('preempt, fail with no FIFO reader', 'd1', -100, 'in-place', 'd2');
    assert.equal(k.d1.child.exitCode, null, 'keepalived runs on without a FIFO reader');
    fifo.d1 = await net.readFifo(fifoPath('d1'));
    const backlog = await fifo.d1.until(/^INSTANCE "VI_WEB" BACKUP 50$/, t0);
    console.log(`pair: after reopening d1's FIFO: ${JSON.stringify(fifo.d1.lines.map((l) => l.line))} (arrived ${backlog.t - t0} ms after the write)`);

    // the file that says -100 goes away: keepalived reads that as 0, and the VIP comes back (preempt)
    const t1 = Date.now();
    rmSync(track('d1'));
    const back = await net.untilVip('d1', 20_000, t1);
    await fifo.d1.until(/^INSTANCE "VI_WEB" BACKUP_PRIORITY 150$/, t1);
    console.log(`pair: deleting d1's track file (it said -100): VIP back on d1 after ${back - t1} ms; d1 fifo ${JSON.stringify(fifo.d1.lines.filter((l) => l.t >= t1).map((l) => l.line))}`);
    await client.untilSuccesses(10);
  });

  test('SIGTERM of the master\'s keepalived (systemctl stop) hands the VIP over at once', async () => {
    const t0 = Date.now();
    const stopped = k.d1.stop();
    const arrived = await net.untilVip('d2', 20_000, t0);
    const exit = await stopped;
    await client.untilSuccesses(10);
    const w = client.window(t0 - 1000);
    console.log(`pair: SIGTERM to d1's keepalived -> exit ${JSON.stringify(exit)}, VIP on d2 after ${arrived - t0} ms; client: ${w.failed}/${w.requests} failed, window ${w.windowMs} ms; d1 fifo: ${JSON.stringify(fifo.d1.lines.filter((l) => l.t >= t0).map((l) => l.line))}`);
    assert.equal(exit.code, 0);
    assert.ok(arrived - t0 < MOVE_BOUND_MS);
    await k.d2.stop();
    await net.untilVip(null);
    await fifo.d1.close();
    await fifo.d2.close();
  });

  test('nopreempt (both state BACKUP): -100 and -253 do not move the VIP, -254 (FAULT) does, and 0 does not bring it back; a missing track file at start', async () => {
    rmSync(track('d1'), { force: true });
    rmSync(fifoPath('d1'), { force: true });
    const conf = (d: DirectorName, priority: number) => net.keepalivedConf(net.director(d), {
      state: 'BACKUP', priority, nopreempt: true, notifyPriorityChanges: true,
      trackFile: { path: track(d) },
      notifyFifo: { path: fifoPath(d) },
    });
    const t0 = Date.now();
    k.d1 = net.startKeepalived(net.director('d1'), conf('d1', 150));
    fifo.d1 = await net.readFifo(fifoPath('d1'));
    const on = await net.untilVip('d1', 20_000, t0);
    await fifo.d1.until(/^INSTANCE "VI_WEB" MASTER 150$/, t0);
    console.log(`pair: nopreempt: d1 (state BACKUP, priority 150, track file missing) holds the VIP ${on - t0} ms after keepalived started; fifo ${JSON.stringify(fifo.d1.lines.map((l) => l.line))}; track file ${existsSync(track('d1')) ? 'exists' : 'still missing'}`);
    net.writeTrack(track('d2'), 0);
    k.d2 = net.startKeepalived(net.director('d2'), conf('d2', 100));
    await sleep(3 * ADVERT_MS + 500);
    assert.deepEqual(await net.whereIsVip(), ['d1']);

    for (const [value, wait] of [[-100, 3 * ADVERT_MS + 1500], [-253, 2 * ADVERT_MS + 500]] as const) {
      const t1 = net.writeTrack(track('d1'), value);
      const stays = await net.vipStays('d1', wait);
      const lines = fifo.d1.lines.filter((l) => l.t >= t1).map((l) => l.line);
      console.log(`pair: nopreempt, ${value} on the master: VIP ${stays ? 'stays on d1' : 'moved'} for ${wait} ms; d1 fifo ${JSON.stringify(lines)}`);
      assert.ok(stays, `under nopreempt a lower priority (${value}) does not move the VIP`);
    }

    const fast = await failover('nopreempt, fault', 'd1', -254, 'in-place', 'd2');
    assert.ok(fast.moveMs < 3000);
    const t2 = net.writeTrack(track('d1'), 0);
    const back = await net.vipStays('d2', 3 * ADVERT_MS + 1500);
    console.log(`pair: nopreempt, 0 again on d1: VIP ${back ? 'stays on d2' : 'moved'}; d1 fifo ${JSON.stringify(fifo.d1.lines.filter((l) => l.t >= t2).map((l) => l.line))}`);
    assert.ok(back, 'under nopreempt the recovered director does not take the VIP back');
  });

  test('a deleted notify FIFO: does a reload (SIGHUP) create it again?', async () => {
    await fifo.d1.close();
    rmSync(fifoPath('d1'));
    const t0 = Date.now();
    k.d1.child.kill('SIGHUP');
    let recreated = false;
    while (!recreated && Date.now() - t0 < 8000) {
      await sleep(200);
      recreated = isFifo(fifoPath('d1'));
    }
    console.log(`pair: d1's FIFO deleted, SIGHUP: ${recreated ? `created again after ${Date.now() - t0} ms` : 'not created again within 8 s'}; keepalived ${k.d1.child.exitCode === null ? 'still runs' : `exited ${k.d1.child.exitCode}`}`);
    if (recreated) {
      fifo.d1 = await net.readFifo(fifoPath('d1'));
      const t1 = net.writeTrack(track('d1'), -50);
      await sleep(1500);
      console.log(`pair: after the reload, a priority change on d1 writes ${JSON.stringify(fifo.d1.lines.filter((l) => l.t >= t1).map((l) => l.line))} to the new FIFO`);
    }
    assert.equal(k.d1.child.exitCode, null);
  });
});
