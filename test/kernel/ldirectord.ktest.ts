import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Daemon } from '../../src/watch/daemon.js';
import { tempTree } from '../helpers/cli.js';
import {
  REPO, SKIP, addNamespaceHost, freshNamespace, lvsync, must, sh, sleep, tableOf,
  importAndApply, startWatchIn, untilHealthy, untilSame, untilTable, waitForPort,
} from './helpers.js';

/**
 * `lvsync import ldirectord` against Debian 12's ldirectord (resource-agents 4.12, "Linux Director
 * v1.186-ha") itself, on the real kernel (issue 14, part 4). test/kernel/fixtures/ldirectord/ldirectord.cf
 * is loaded twice, each time into a fresh network namespace (its own IPVS table):
 *  - namespace A runs ldirectord in the foreground (`ldirectord -d CONF start`: debug mode does not
 *    daemonise and logs to stderr, kept in test-output/ldirectord.ktest.log);
 *  - namespace B gets `lvsync import ldirectord CONF --out x.yaml && lvsync apply x.yaml --yes`.
 * Once ldirectord has settled (its first check round brings the servers it added and took out at
 * start-up back), the two tables (`ipvsadm -S -n` and the thresholds listing) must be the same as
 * sets of lines, and a second plan empty. Then real servers stop, in three steps, and `lvsync watch`
 * (the daemon, in this process, its ipvsadm pointed at B) must do to B what ldirectord does to A:
 *  1. 10.78.0.12 stops: quiesced where quiescent=yes, removed where quiescent=no;
 *  2. 10.78.0.11, fd78::11 and fd78::12 stop: every server of the two services with a fallback is
 *     down, so the fallback comes in (beside the quiesced servers, or alone);
 *  3. 10.78.0.13 stops: every server of two services without a fallback is down. ldirectord empties
 *     the quiescent=no one and leaves the other at weight 0; lvsync fails open and keeps both at
 *     their declared weights. This is the documented difference (docs/migrate.md), asserted as such.
 *
 * The real servers are busybox httpd on 10.78.0.11-13:8080 and [fd78::11-12]:8080, addresses on the
 * VM root namespace's lo: lvsync's probes (from this process, in the root namespace) reach them
 * locally, ldirectord's (from A) through a veth pair to the root namespace, IPv4 and IPv6. B sends
 * nothing. Nothing leaves the VM, which has no network device.
 *
 * Debian's package needs libnet-inet6glue-perl for its HTTP check of an IPv6 server and does not
 * depend on it: without it ldirectord dies at that check ("Can't locate Net/INET6Glue/INET_is_INET6.pm").
 */
const fixtures = join(REPO, 'test/kernel/fixtures/ldirectord');
const SERVERS = ['10.78.0.11', '10.78.0.12', '10.78.0.13', 'fd78::11', 'fd78::12'];
const namespaces: string[] = [];
const children: ChildProcess[] = [];
const httpd = new Map<string, ChildProcess>();
const LOG = join(process.env.LVSYNC_VM_OUTPUT_DIR ?? join(REPO, 'test-output'), 'ldirectord.ktest.log');

const isV6 = (address: string) => address.includes(':');
const hostPort = (address: string) => (isV6(address) ? `[${address}]:8080` : `${address}:8080`);

function startHttpd(address: string, root: string): void {
  httpd.set(address, spawn('busybox', ['httpd', '-f', '-p', hostPort(address), '-h', root], { stdio: 'ignore' }));
}

async function stopHttpd(address: string): Promise<void> {
  const child = httpd.get(address)!;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  httpd.delete(address);
}

/** ldirectord in the foreground inside `ns`; its output is appended to LOG, after a header line. */
function startLdirectord(ns: string, conf: string, dir: string): ChildProcess {
  mkdirSync(join(LOG, '..'), { recursive: true });
  appendFileSync(LOG, `=== ldirectord -d ${conf} start (namespace ${ns}) ===\n`);
  const fd = openSync(LOG, 'a');
  // cwd: in debug mode ldirectord runs ./ipvsadm if there is one
  const child = spawn('ip', ['netns', 'exec', ns, 'ldirectord', '-d', conf, 'start'], { cwd: dir, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.push(child);
  return child;
}

/** The tail of ldirectord's output, for a failure message. */
function logTail(lines = 40): string {
  if (!existsSync(LOG)) return '(no ldirectord log)';
  return readFileSync(LOG, 'utf8').split('\n').filter((l) => !l.startsWith('DEBUG') && !l.startsWith('Use of uninitialized')).slice(-lines).join('\n');
}

describe('import ldirectord on the real kernel: the table lvsync applies is the table ldirectord builds', { skip: SKIP }, () => {
  before(async () => {
    const root = tempTree({ 'index.html': 'ok\n' });
    for (const address of SERVERS) {
      must(isV6(address) ? `ip -6 addr add ${address}/128 dev lo` : `ip addr add ${address}/32 dev lo`);
      startHttpd(address, root);
    }
    for (const address of SERVERS) await waitForPort(address, 8080);
  });

  after(async () => {
    // SIGTERM: ldirectord takes its services out of the table and exits
    await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      return Promise.race([exited, sleep(10_000)]);
    }));
    for (const c of [...children, ...httpd.values()]) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of namespaces) sh(`ip netns del ${ns}`);
    for (const address of SERVERS) sh(isV6(address) ? `ip -6 addr del ${address}/128 dev lo` : `ip addr del ${address}/32 dev lo`);
  });

  test('ldirectord.cf: same table once ldirectord has settled; failed servers are quiesced, removed or replaced by the fallback by both; all down without a fallback is the documented difference', async () => {
    const conf = join(fixtures, 'ldirectord.cf');
    const dir = tempTree({});

    // A: ldirectord. Its namespace reaches the real servers through a veth pair to the root namespace.
    addNamespaceHost('ldd-a', 'vl-a', '10.78.9', 'fd79:');
    namespaces.push('ldd-a');
    const started = Date.now();
    const ldirectord = startLdirectord('ldd-a', conf, dir);

    // B: lvsync
    const byLvsync = freshNamespace('ldd-b', namespaces);
    const { file, binary, state } = await importAndApply('ldirectord', conf, dir, byLvsync);

    // ldirectord adds each server, takes it out (quiesced or deleted) and brings it back at its first check
    const loadedIn = await untilSame('ldd-a', byLvsync, 'once ldirectord has settled', { tool: 'ldirectord', ms: 180_000 })
      .catch((e: unknown) => { throw new Error(`${String(e)}\nldirectord's log:\n${logTail()}`); });
    console.log(`# ldirectord: ldirectord.cf loaded and equal to lvsync's table ${Date.now() - started} ms after ldirectord started (${loadedIn} ms of polling)`);
    // settled: still equal after two more check intervals (checkinterval=3)
    await sleep(6_000);
    await untilSame('ldd-a', byLvsync, 'ldirectord settled', { tool: 'ldirectord', ms: 0 });
    assert.equal(ldirectord.exitCode, null, `ldirectord is still running:\n${logTail()}`);
    const expected = (await tableOf(byLvsync)).save;
    assert.equal(expected.filter((l) => l.startsWith('-A ')).length, 6, expected.join('\n'));
    assert.equal(expected.filter((l) => l.startsWith('-a ')).length, 13, expected.join('\n'));
    // checktype=off: ldirectord never activates the servers; quiescent=yes keeps them at weight 0, as imported
    assert.ok(expected.includes('-a -u 10.60.1.6:53 -r 10.78.0.11:53 -g -w 0'), expected.join('\n'));
    const again = await lvsync(['plan', file, '--ipvsadm', binary, '--state-dir', state, '--detailed-exitcode']);
    assert.equal(again.code, 0, again.stdout + again.stderr);

    let daemon: Daemon | null = null;
    try {
      const watch = await startWatchIn(join(dir, 'conf'), state, binary);
      daemon = watch.daemon;
      const lines = watch.lines;
      // 9 checks: 2 (HTTP) + 3 (connect, the range) + 2 (IPv6 HTTP) + 2 (fwmark connect); on and off check nothing
      await untilHealthy(daemon, 9);
      await untilSame('ldd-a', byLvsync, 'with every server up, under watch', { tool: 'ldirectord' });

      // 1. one server stops
      await stopHttpd('10.78.0.12');
      const step1 = await untilTable('ldd-a', (save) =>
        save.includes('-a -t 10.60.1.1:8080 -r 10.78.0.12:8080 -g -w 0') &&
        !save.some((l) => l.startsWith('-a -t 10.60.1.2:80 -r 10.78.0.12:8080')) &&
        save.includes('-a -f 7 -r 10.78.0.12:0 -g -w 0'), 'ldirectord quiesces or removes 10.78.0.12', 60_000);
      const step1Lvsync = await untilSame('ldd-a', byLvsync, 'after 10.78.0.12 stopped', { tool: 'ldirectord', ms: 90_000 }) + step1;
      console.log(`# ldirectord: 10.78.0.12 quiesced (2 services) and removed (1) by ldirectord within ${step1} ms; lvsync watch's table equal within ${step1Lvsync} ms`);

      // 2. every server of the two services with a fallback stops: the fallback comes in
      await Promise.all(['10.78.0.11', 'fd78::11', 'fd78::12'].map(stopHttpd));
      const step2 = await untilTable('ldd-a', (save) => {
        const v6 = save.filter((l) => l.startsWith('-a -t [fd60::1]:80 '));
        return save.includes('-a -t 10.60.1.1:8080 -r 10.78.0.11:8080 -g -w 0') &&
          save.includes('-a -t 10.60.1.1:8080 -r 10.78.0.19:8080 -g -w 1') &&
          save.filter((l) => l.startsWith('-a -t 10.60.1.2:80 ')).length === 1 &&
          v6.length === 1 && v6[0] === '-a -t [fd60::1]:80 -r [fd78::19]:8080 -m -w 1';
      }, 'ldirectord brings the fallbacks in', 60_000);
      const step2Lvsync = await untilSame('ldd-a', byLvsync, 'after every server of the services with a fallback stopped', { tool: 'ldirectord', ms: 90_000 }) + step2;
      console.log(`# ldirectord: the fallbacks in (IPv4 beside two quiesced servers, IPv6 alone) within ${step2} ms; lvsync watch's table equal within ${step2Lvsync} ms`);

      // 3. the last server of two services without a fallback stops: ldirectord empties or zeroes them, lvsync fails open
      await stopHttpd('10.78.0.13');
      const failOpenLines = (l: string) => l.startsWith('-a -t 10.60.1.2:80 ') || l.startsWith('-a -f 7 ');
      const step3 = await untilTable('ldd-a', (save) =>
        !save.some((l) => l.startsWith('-a -t 10.60.1.2:80 ')) && save.includes('-a -f 7 -r 10.78.0.13:0 -g -w 0'),
      'ldirectord takes the last servers out', 60_000);
      const byLdirectord = (await tableOf('ldd-a')).save;
      assert.deepEqual(byLdirectord.filter(failOpenLines), ['-a -f 7 -r 10.78.0.12:0 -g -w 0', '-a -f 7 -r 10.78.0.13:0 -g -w 0']);
      const declared = [
        '-a -f 7 -r 10.78.0.12:0 -g -w 1',
        '-a -f 7 -r 10.78.0.13:0 -g -w 2',
        '-a -t 10.60.1.2:80 -r 10.78.0.11:8080 -m -w 2',
        '-a -t 10.60.1.2:80 -r 10.78.0.12:8080 -m -w 2',
        '-a -t 10.60.1.2:80 -r 10.78.0.13:8080 -m -w 2',
      ];
      const step3Lvsync = await untilTable(byLvsync, (save) =>
        JSON.stringify(save.filter(failOpenLines)) === JSON.stringify(declared) &&
        JSON.stringify(save.filter((l) => !failOpenLines(l))) === JSON.stringify(byLdirectord.filter((l) => !failOpenLines(l))),
      'lvsync fails open for the two services and has ldirectord\'s table for the rest', 90_000) + step3;
      // the daemon says so once its pass is over (the table changes during it)
      const d = daemon;
      const said = Date.now();
      while (d.status.failOpen.length < 2) {
        assert.ok(Date.now() - said < 10_000, `lvsync watch never reported failing open: ${JSON.stringify(d.status.failOpen)}`);
        await sleep(100);
      }
      assert.deepEqual(d.status.failOpen.map((m) => /of (.*) failed their health checks/.exec(m)?.[1]).sort(), ['fwmark 7', 'tcp 10.60.1.2:80'], JSON.stringify(d.status.failOpen));
      console.log(`# ldirectord: with every server of 10.60.1.2:80 (quiescent=no) and fwmark 7 (quiescent=yes) down, ldirectord emptied the first and zeroed the second within ${step3} ms; lvsync failed open (declared weights) within ${step3Lvsync} ms, the rest of the tables equal`);
      const falseDowns = lines.filter((l) => /is down after/.test(String(l.msg)) && !/10\.78\.0\.1[123]|fd78::1[12]/.test(String(l.msg)));
      console.log(`# ldirectord: lvsync marked ${falseDowns.length} server(s) down that kept running${falseDowns.map((l) => `\n#   ${String(l.msg)}`).join('')}`);
      assert.equal(ldirectord.exitCode, null, `ldirectord is still running:\n${logTail()}`);
    } finally {
      await daemon?.stop('SIGTERM');
    }
  });

  test('differences.cf: a gate server written with another port stays at weight 0 under ldirectord (its re-add is refused), checktype=off with quiescent=no has only the fallback; lvsync has the servers at their imported weights', async () => {
    const conf = join(fixtures, 'differences.cf');
    const dir = tempTree({});
    const byLdirectord = freshNamespace('ldd-da', namespaces);
    const from = existsSync(LOG) ? readFileSync(LOG, 'utf8').length : 0;
    const ldirectord = startLdirectord(byLdirectord, conf, dir);
    const byLvsync = freshNamespace('ldd-db', namespaces);
    await importAndApply('ldirectord', conf, dir, byLvsync);

    // ldirectord's first check (checktype=on) restores the server by adding 10.78.0.14:8080, which the
    // kernel already holds as 10.78.0.14:80: "Destination already exists", and the weight stays 0
    const end = Date.now() + 120_000;
    while (!readFileSync(LOG, 'utf8').slice(from).includes('Destination already exists')) {
      assert.ok(Date.now() < end, `ldirectord never tried to re-add the server:\n${logTail()}`);
      await sleep(500);
    }
    await sleep(6_000); // two more check intervals: nothing changes it
    assert.equal(ldirectord.exitCode, null, `ldirectord is still running:\n${logTail()}`);
    assert.deepEqual((await tableOf(byLdirectord)).save, [
      '-A -t 10.60.2.1:80 -s wrr', '-A -t 10.60.2.2:80 -s wrr',
      '-a -t 10.60.2.1:80 -r 10.78.0.14:80 -g -w 0', '-a -t 10.60.2.2:80 -r 10.78.0.19:80 -g -w 1',
    ]);
    assert.deepEqual((await tableOf(byLvsync)).save, [
      '-A -t 10.60.2.1:80 -s wrr', '-A -t 10.60.2.2:80 -s wrr',
      '-a -t 10.60.2.1:80 -r 10.78.0.14:80 -g -w 2', '-a -t 10.60.2.2:80 -r 10.78.0.14:80 -g -w 0',
    ]);
    console.log('# ldirectord: gate with another port under quiescent=yes: ldirectord keeps the server at weight 0, lvsync at its weight 2; checktype=off, quiescent=no: ldirectord has the fallback alone, lvsync the server at weight 0');
  });
});
