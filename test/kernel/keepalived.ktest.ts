import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Daemon } from '../../src/watch/daemon.js';
import { tempTree } from '../helpers/cli.js';
import { REPO, SKIP, addNamespaceHost, freshNamespace, importAndApply, lvsync, must, sh, sleep, startWatchIn, tableOf, untilHealthy, untilSame, untilTable, waitForPort } from './helpers.js';

/**
 * `lvsync import keepalived` against keepalived 2.2.7 itself, on the real kernel (issue 14, part 4).
 * Each config of test/kernel/fixtures/keepalived/ is loaded twice, each time into a fresh network
 * namespace (its own IPVS table):
 *  - namespace A runs keepalived, checkers only, in the foreground (`keepalived -C -n -f CONF`);
 *  - namespace B gets `lvsync import keepalived CONF --out x.yaml && lvsync apply x.yaml --yes`.
 * The two tables (`ipvsadm -S -n` and the thresholds listing) must be the same as sets of lines: the
 * only normalisation is the order, which is hash order and differs per namespace. A second plan is empty.
 * Then two real servers stop; keepalived quiesces the one with inhibit_on_failure and removes the
 * one without, and `lvsync watch` (the daemon, in this process, its ipvsadm pointed at B) must do the
 * same to B's table.
 *
 * The real servers are busybox httpd on 10.77.0.11-13:8080, addresses on the VM root namespace's lo:
 * lvsync's probes (from this process, in the root namespace) reach them locally, keepalived's (from A)
 * through a veth pair to the root namespace. B sends nothing, so it only needs a default route on lo
 * (without one the kernel refuses real servers as "address not unicast").
 */
const fixtures = join(REPO, 'test/kernel/fixtures/keepalived');
const SERVERS = ['10.77.0.11', '10.77.0.12', '10.77.0.13'];
const namespaces: string[] = [];
const children: ChildProcess[] = [];
const httpd = new Map<string, ChildProcess>();

/** Poll until keepalived's table (namespace `a`) equals lvsync's (`b`); the load of the file, then a stable table after it. */
async function loadedSame(keepalived: ChildProcess, a: string, b: string, file: string, binary: string, state: string, counts: { services: number; servers: number }): Promise<number> {
  const polled = await untilSame(a, b, 'after start-up', { tool: 'keepalived' });
  assert.equal(keepalived.exitCode, null, 'keepalived is still running');
  const expected = (await tableOf(b)).save;
  assert.equal(expected.filter((l) => l.startsWith('-A ')).length, counts.services, expected.join('\n'));
  assert.equal(expected.filter((l) => l.startsWith('-a ')).length, counts.servers, expected.join('\n'));
  const again = await lvsync(['plan', file, '--ipvsadm', binary, '--state-dir', state, '--detailed-exitcode']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  return polled;
}

function startHttpd(address: string, root: string): void {
  httpd.set(address, spawn('busybox', ['httpd', '-f', '-p', `${address}:8080`, '-h', root], { stdio: 'ignore' }));
}

async function stopHttpd(address: string): Promise<void> {
  const child = httpd.get(address)!;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  httpd.delete(address);
}

function startKeepalived(ns: string, conf: string, dir: string): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, 'keepalived', '-C', '-n', '-f', conf,
    '-p', join(dir, 'keepalived.pid'), '-c', join(dir, 'checkers.pid'), '-r', join(dir, 'vrrp.pid')], { stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('import keepalived on the real kernel: the table lvsync applies is the table keepalived builds', { skip: SKIP }, () => {
  before(async () => {
    const root = tempTree({ 'index.html': 'ok\n' });
    for (const address of SERVERS) {
      must(`ip addr add ${address}/32 dev lo`);
      startHttpd(address, root);
    }
    for (const address of SERVERS) await waitForPort(address, 8080);
  });

  after(async () => {
    // SIGTERM: keepalived's parent stops its checker child too (SIGKILL would leave it running)
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      return Promise.race([exited, sleep(5000)]);
    }));
    for (const c of [...children, ...httpd.values()]) if (c.exitCode === null) c.kill('SIGKILL');
    for (const ns of namespaces) sh(`ip netns del ${ns}`);
    for (const address of SERVERS) sh(`ip addr del ${address}/32 dev lo`);
  });

  test('static.conf: servers without checkers (UDP mh flags ops thresholds, weight 0, TUN lc persistence, IPv6, group with a fwmark): same table', async () => {
    const conf = join(fixtures, 'static.conf');
    const dir = tempTree({});
    const byKeepalived = freshNamespace('kal-sa', namespaces);
    const started = Date.now();
    const keepalived = startKeepalived(byKeepalived, conf, dir);
    const byLvsync = freshNamespace('kal-sb', namespaces);
    const { file, binary, state } = await importAndApply('keepalived', conf, dir, byLvsync);
    await loadedSame(keepalived, byKeepalived, byLvsync, file, binary, state, { services: 6, servers: 8 });
    console.log(`# keepalived: static.conf loaded and equal to lvsync's table ${Date.now() - started} ms after keepalived started`);
  });

  test('checked.conf: same table; a failed server is quiesced (inhibit_on_failure) or removed by both', async () => {
    const conf = join(fixtures, 'checked.conf');
    const dir = tempTree({});

    // A: keepalived. Its namespace reaches the real servers through a veth pair to the root namespace.
    addNamespaceHost('kal-a', 'vk-a', '10.77.9');
    namespaces.push('kal-a');
    const started = Date.now();
    const keepalived = startKeepalived('kal-a', conf, dir);

    // B: lvsync
    const byLvsync = freshNamespace('kal-b', namespaces);
    const { file, binary, state } = await importAndApply('keepalived', conf, dir, byLvsync);

    const loadedIn = await loadedSame(keepalived, 'kal-a', byLvsync, file, binary, state, { services: 5, servers: 13 });
    console.log(`# keepalived: checked.conf loaded and equal to lvsync's table ${Date.now() - started} ms after keepalived started (${loadedIn} ms of polling)`);

    // Failure: .11 (HTTP_GET, inhibit_on_failure) and .12 (TCP_CHECK, no inhibit) of the group stop.
    let daemon: Daemon | null = null;
    try {
      const watch = await startWatchIn(join(dir, 'conf'), state, binary);
      daemon = watch.daemon;
      const lines = watch.lines;
      // 8 checks: .11 and .12 in each of the group's 3 services, .13 in the sh and the fwmark service
      await untilHealthy(daemon, 8);
      await untilSame('kal-a', byLvsync, 'with every server up, under watch', { tool: 'keepalived' });

      await stopHttpd('10.77.0.11');
      await stopHttpd('10.77.0.12');
      // keepalived first: its table must reach the failed shape, then lvsync's must equal it
      const groupLines = (save: string[]) => save.filter((l) => /-t 10\.60\.0\.1[0-2]:80 -r /.test(l));
      const keepalivedIn = await untilTable('kal-a', (save) => {
        const g = groupLines(save);
        return g.every((l) => !l.includes('10.77.0.12:8080')) && g.filter((l) => l.includes('10.77.0.11:8080 -m -w 0')).length === 3;
      }, 'keepalived takes the servers out');
      const lvsyncIn = await untilSame('kal-a', byLvsync, 'after two real servers stopped', { tool: 'keepalived', ms: 90_000 }) + keepalivedIn;
      console.log(`# keepalived: took .11 (quiesced) and .12 (removed) out within ${keepalivedIn} ms; lvsync watch's table equal within ${lvsyncIn} ms`);
      const falseDowns = lines.filter((l) => /is down after/.test(String(l.msg)) && !/ 10\.77\.0\.1[12]:8080 /.test(String(l.msg)));
      console.log(`# keepalived: lvsync marked ${falseDowns.length} server(s) down that kept running${falseDowns.map((l) => `\n#   ${String(l.msg)}`).join('')}`);
      const failed = (await tableOf(byLvsync)).save;
      assert.equal(failed.filter((l) => l.includes('-r 10.77.0.12:8080')).length, 0, failed.join('\n'));
      assert.equal(failed.filter((l) => l.includes('-r 10.77.0.11:8080 -m -w 0')).length, 3, failed.join('\n'));
      assert.equal(failed.filter((l) => l.includes('-r 10.77.0.14:8080 -m -w 1')).length, 3, failed.join('\n'));
    } finally {
      await daemon?.stop('SIGTERM');
    }
  });
});
