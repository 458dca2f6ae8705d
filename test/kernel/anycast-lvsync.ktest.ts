import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO, SKIP, sleep } from './helpers.js';
import { AnycastNet, DIRECTORS, type ConnPool, type DirectorName } from './anycast-net.js';

/**
 * Issue 17, the whole design on the real kernel, driven by lvsync: three director namespaces, each
 * with its own IPVS table built by `lvsync watch` (the CLI, inside the namespace: its health checks
 * leave from the director) and Debian's ExaBGP running `lvsync exabgp` as its process, behind a bird2
 * router doing ECMP. The real servers were set up by `lvsync realserver --apply`. A pool of long-lived
 * TCP connections (one line every 200 ms, echoed) runs through the VIP while directors leave:
 * SIGTERM (graceful withdraw), every real server unreachable from one director (it withdraws by
 * itself), and a crash (lvsync and ExaBGP killed, the link cut: the router's 3 s hold timer).
 * The scripted-announcer twin of this file (anycast.ktest.ts) has the wlc and sloppy_tcp=0 controls.
 * Figures go to `anycast-lvsync:` lines.
 */

const N = 30;
const HOLD_S = 3;
const results: string[] = [];
const log = (line: string) => { console.log(`anycast-lvsync: ${line}`); results.push(line); };
const CLI = join(REPO, 'dist/src/cli/main.js');

function config(net: AnycastNet, d: DirectorName): string {
  const services = [net.port, net.echoPort].map((port) => `  - name: ${port === net.port ? 'web' : 'echo'}
    protocol: tcp
    address: ${net.vip}
    port: ${port}
    scheduler: mh
    healthCheck: { type: tcp, port: ${net.port}, interval: 1s, timeout: 500ms, fall: 2, rise: 1 }
    realServers:
${net.realServers.map((rs) => `      - { address: ${rs.address}, method: dr }`).join('\n')}`).join('\n');
  return `version: 1
fleet:
  anycast: [d1, d2, d3]
sysctls:
  net.ipv4.vs.sloppy_tcp: 1
services:
${services}
anycast:
  grace: 20s
  stateFile: ${join(net.director(d).dir, 'anycast.json')}
  med: 100
  communities: ["65000:1"]
  vips:
    - address: ${net.vip}
`;
}

interface Watch { readonly child: ChildProcess; readonly exited: Promise<number>; readonly startedAt: number }

function startWatch(net: AnycastNet, d: DirectorName): Watch {
  const dir = net.director(d).dir;
  const out = openSync(join(dir, 'lvsync.log'), 'a');
  const child = spawn('ip', ['netns', 'exec', net.director(d).ns, process.execPath, CLI, 'watch', join(dir, 'lvsync.yaml'), '--director', d,
    '--state-dir', join(dir, 'state'), '--interval', '2s', '--listen', 'off', '--log-format', 'json'], { stdio: ['ignore', out, out] });
  return { child, startedAt: Date.now(), exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1)))) };
}

const announced = (net: AnycastNet, d: DirectorName): boolean | null => {
  const file = join(net.director(d).dir, 'anycast.json');
  if (!existsSync(file)) return null;
  try { return (JSON.parse(readFileSync(file, 'utf8')) as { vips: { ready: boolean }[] }).vips.every((v) => v.ready); } catch { return null; }
};

async function until(what: string, ms: number, probe: () => boolean | Promise<boolean>): Promise<number> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await sleep(100);
  }
  return Date.now();
}

describe('active-active directors run by lvsync: lvsync watch + lvsync exabgp (ExaBGP) behind a bird2 ECMP router', { skip: SKIP }, () => {
  let net: AnycastNet;
  let pool: ConnPool | undefined;
  const watch = {} as Record<DirectorName, Watch>;
  const others = (d: DirectorName) => DIRECTORS.filter((x) => x !== d);
  const startExabgp = (d: DirectorName) => net.startExabgp(d, { run: [process.execPath, CLI, 'exabgp', '--state-file', join(net.director(d).dir, 'anycast.json'), '--poll', '200ms'] });

  before(async () => {
    const t0 = Date.now();
    net = await AnycastNet.create({ tag: 'al', holdTime: HOLD_S, realServerVip: 'none' });
    for (const d of DIRECTORS) writeFileSync(join(net.director(d).dir, 'lvsync.yaml'), config(net, d));
    // the real servers: VIP on lo and ARP suppression, by lvsync realserver (all three at once: Node starts slowly here)
    const conf = join(net.director('d1').dir, 'lvsync.yaml');
    await Promise.all(net.realServers.map((rs) => net.execAsync(rs.ns, `${process.execPath} ${CLI} realserver ${conf} --director d1 --address ${rs.address} --apply`)));
    for (const d of DIRECTORS) watch[d] = startWatch(net, d);
    await until('every lvsync watch ready', 180_000, () => DIRECTORS.every((d) => announced(net, d) === true));
    const ready = Date.now();
    for (const d of DIRECTORS) startExabgp(d);
    await net.untilNexthops(DIRECTORS, 180_000);
    log(`up: topology and real servers ${ready - t0} ms (three lvsync watch ready), three ExaBGP running lvsync exabgp announced ${Date.now() - ready} ms later`);
    pool = net.startPool(N, 200);
    await pool.untilUp(60_000);
    await pool.untilEchoes(N * 3, 30_000);
  });

  after(async () => {
    await pool?.stop();
    for (const d of DIRECTORS) watch[d]?.child.kill('SIGKILL');
    const out = process.env.LVSYNC_VM_OUTPUT_DIR;
    if (out && net) net.saveLogs(out);
    console.log(`anycast-lvsync: summary\n${results.map((r) => `  ${r}`).join('\n')}`);
    await net?.cleanup();
  });

  test('lvsync built the same mh table on every director; new connections spread over all three', async () => {
    const tables = DIRECTORS.map((d) => net.exec(net.director(d).ns, 'ipvsadm -S -n'));
    assert.match(tables[0]!, /-s mh/);
    assert.deepEqual(new Set(tables).size, 1, 'identical tables');
    assert.equal(net.exec(net.director('d1').ns, 'sysctl -n net.ipv4.vs.sloppy_tcp').trim(), '1');
    await sleep(2500); // the kernel's --stats totals move in 2 s steps
    const conns = await Promise.all(DIRECTORS.map(async (d) => Object.values(await net.stats(d)).reduce((n, s) => n + s.conns, 0)));
    log(`${N} connections by director (IPVS conns): ${DIRECTORS.map((d, i) => `${d} ${conns[i]}`).join(', ')}`);
    for (const [i, n] of conns.entries()) assert.ok(n > 0, `${DIRECTORS[i]} got none`);
  });

  test('SIGTERM to d1\'s lvsync: withdrawn at once, every connection survives, lvsync exits once no packets arrive; back when restarted', async () => {
    const t0 = Date.now();
    watch.d1.child.kill('SIGTERM');
    const moved = await net.untilNexthops(others('d1'), 30_000, t0);
    const code = await watch.d1.exited;
    const exited = Date.now();
    await pool!.untilFlowing(moved, 30_000);
    log(`SIGTERM d1: route gone after ${moved - t0} ms, lvsync exited (code ${code}) after ${exited - t0} ms; ${pool!.alive().length}/${N} connections alive, longest stall ${pool!.maxGap(t0)} ms`);
    assert.equal(code, 0);
    assert.equal(pool!.dead().length, 0, JSON.stringify(pool!.dead().map((c) => c.reason)));
    assert.ok(moved < exited, 'the route went before lvsync exited');
    const t1 = Date.now();
    watch.d1 = startWatch(net, 'd1');
    const back = await net.untilNexthops(DIRECTORS, 120_000, t1);
    log(`d1's lvsync restarted: announced again after ${back - t1} ms (Node start-up in the VM, first pass, first checks); ${pool!.alive().length}/${N} alive`);
    assert.equal(pool!.dead().length, 0);
  });

  test('every real server unreachable from d2: d2 withdraws by itself within fall × interval + one pass; announces again when they are back', async () => {
    const blackholes = net.realServers.map((rs) => `ip route add blackhole ${rs.address}/32`).join(' && ');
    const t0 = Date.now();
    net.exec(net.director('d2').ns, blackholes);
    try {
      const moved = await net.untilNexthops(others('d2'), 30_000, t0);
      await pool!.untilFlowing(moved, 30_000);
      log(`real servers unreachable from d2: route gone after ${moved - t0} ms (fall 2 × interval 1 s + a pass); ${pool!.alive().length}/${N} alive, longest stall ${pool!.maxGap(t0)} ms`);
      assert.ok(moved - t0 < 2 * 1000 + 8000, 'within fall × interval + one pass (+ TCG slack)');
    } finally {
      const t1 = Date.now();
      net.exec(net.director('d2').ns, blackholes.replace(/route add/g, 'route del'));
      const back = await net.untilNexthops(DIRECTORS, 60_000, t1);
      log(`real servers reachable from d2 again: announced after ${back - t1} ms`);
    }
    assert.equal(pool!.dead().length, 0, 'the flows d2 carried moved to d1 and d3 (mh + sloppy_tcp) and were not reset');
  });

  test('crash of d3 (lvsync and ExaBGP killed, link cut): the router\'s hold timer removes it, the connections move', async () => {
    const t0 = Date.now();
    net.cut('d3');
    watch.d3.child.kill('SIGKILL');
    net.exabgp('d3')?.kill('SIGKILL');
    const moved = await net.untilNexthops(others('d3'), 30_000, t0);
    await pool!.untilFlowing(moved, 30_000);
    const alive = pool!.alive().length;
    log(`crash of d3: route gone after ${moved - t0} ms (hold time ${HOLD_S} s); ${alive}/${N} alive, longest stall ${pool!.maxGap(t0)} ms`);
    assert.equal(pool!.dead().length, 0, JSON.stringify(pool!.dead().map((c) => c.reason)));
  });
});
