import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createExecIpvsadm, procPathFor } from '../../src/ipvsadm/exec.js';
import { systemClock } from '../../src/watch/clock.js';
import { startDaemon, type Daemon } from '../../src/watch/daemon.js';
import { createLogger } from '../../src/watch/logger.js';
import { tempTree } from '../helpers/cli.js';
import { requiredTool } from '../helpers/required-tool.js';
import { REPO, SKIP, addNamespaceHost, ipvsadm, must, resetKernel, sh, sleep, tempStateDir, waitForPort } from './helpers.js';

/**
 * Issue 18's proof on the real kernel: real connections through a NAT service, /metrics scraped
 * before and after. The per-server connection counter grows by exactly the connections sent; a
 * server quiesced by its failing health check shows weight 0 beside its declared weight; and
 * promtool (the host's, the VM chroots into its file system) finds nothing wrong in the scrape.
 */
const VIP = '10.52.0.10';
const fixtures = join(REPO, 'test/kernel/fixtures');
const SENT = 20;
const children: ChildProcess[] = [];
const promtool = requiredTool('/usr/bin/promtool', 'apt-get install -y --no-install-recommends prometheus');

// mrs2's check targets a port nothing listens on: it goes down and is quiesced (weight 0)
const CONFIG = `version: 1
services:
  - name: web
    protocol: tcp
    address: ${VIP}
    port: 80
    scheduler: wrr
    realServers:
      - { address: 10.32.1.2, port: 8080, method: nat, weight: 3 }
      - address: 10.32.2.2
        port: 8080
        method: nat
        weight: 2
        healthCheck: { type: tcp, port: 9999, interval: 500ms, timeout: 300ms, fall: 2, rise: 1 }
`;

const WEB = 'service="web",protocol="tcp",address="10.52.0.10",port="80"';
const server = (n: number) => `${WEB},server_address="10.32.${n}.2",server_port="8080"`;

function sample(body: string, name: string, labels: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('/metrics on the real kernel', { skip: SKIP }, () => {
  const state = tempStateDir();
  const dir = tempTree({ 'conf/web.yaml': CONFIG });
  let daemon: Daemon | null = null;

  before(async () => {
    resetKernel();
    for (const n of [1, 2]) {
      addNamespaceHost(`mrs${n}`, `vm-mrs${n}`, `10.32.${n}`);
      children.push(spawn('ip', ['netns', 'exec', `mrs${n}`, process.execPath, `${fixtures}/http-identity.mjs`, `mrs${n}`, '8080'], { stdio: 'ignore' }));
    }
    addNamespaceHost('mclient', 'vm-mclient', '10.42.0');
    must(`ip addr add ${VIP}/32 dev lo`);
    for (const n of [1, 2]) await waitForPort(`10.32.${n}.2`, 8080);
  });

  after(async () => {
    await daemon?.stop('SIGTERM');
    for (const c of children) c.kill();
    sh(`for n in mrs1 mrs2 mclient; do ip netns del $n; done; ip addr del ${VIP}/32 dev lo`);
    resetKernel();
  });

  test('connections counted per real server, a quiesced server beside its declared weight, promtool check metrics clean', { timeout: 180_000 }, async () => {
    const log = createLogger({ format: 'json', write: () => undefined });
    daemon = await startDaemon({
      paths: [join(dir, 'conf')], intervalMs: 2000, detectOnly: false, listen: { host: '127.0.0.1', port: 0 }, stateDir: state,
      perCommand: false, allowMassDelete: false, hostname: 'kernel-vm', version: 'test', scrapeIntervalMs: 1000,
    }, { ipvsadm: createExecIpvsadm({ binary: 'ipvsadm', procPath: procPathFor('ipvsadm', {}) }), clock: systemClock, log, watch: false });
    const scrape = async () => (await fetch(`${daemon!.url}/metrics`)).text();

    // mrs2 fails its checks: quiesced in the kernel
    const end = Date.now() + 60_000;
    while (!/-r 10\.32\.2\.2:8080 -m -w 0\b/.test(ipvsadm(['-S', '-n']).stdout)) {
      assert.ok(Date.now() < end, `mrs2 never quiesced: ${ipvsadm(['-S', '-n']).stdout}`);
      await sleep(200);
    }
    await sleep(1100); // older than --scrape-interval: the next scrape reads the kernel
    const before = await scrape();
    assert.equal(sample(before, 'lvsync_real_server_weight', server(2)), 0);
    assert.equal(sample(before, 'lvsync_real_server_declared_weight', server(2)), 2);
    assert.equal(sample(before, 'lvsync_real_server_healthy', server(2)), 0);
    assert.equal(sample(before, 'lvsync_real_server_weight', server(1)), 3);
    assert.equal(sample(before, 'lvsync_service_real_servers', `${WEB},status="down"`), 1);

    const counts = JSON.parse(must(`ip netns exec mclient node ${fixtures}/http-client.mjs count http://${VIP}/ ${SENT}`)) as Record<string, number>;
    assert.deepEqual(counts, { mrs1: SENT }, 'the quiesced server gets no new connection');
    // the kernel sums its per-CPU counters into what --stats shows every 2 s (the rate estimator's
    // kthread, which walks the service's and each server's entries at different moments): scraped
    // again, past --scrape-interval each time, until both sums have caught up
    let after = '';
    const grew = (name: string, labels: string) => (sample(after, name, labels) ?? NaN) - (sample(before, name, labels) ?? NaN);
    for (const until = Date.now() + 20_000; Date.now() < until;) {
      await sleep(1100);
      after = await scrape();
      // the service's and the server's sums are separate estimator entries, updated at different moments
      if (grew('lvsync_real_server_connections_total', server(1)) >= SENT && grew('lvsync_service_connections_total', WEB) >= SENT) break;
    }
    console.log(`# metrics: ${SENT} connections sent; lvsync_real_server_connections_total grew by ${grew('lvsync_real_server_connections_total', server(1))} (mrs1), ${grew('lvsync_real_server_connections_total', server(2))} (mrs2)`);
    assert.equal(grew('lvsync_real_server_connections_total', server(1)), SENT);
    assert.equal(grew('lvsync_real_server_connections_total', server(2)), 0);
    assert.equal(grew('lvsync_service_connections_total', WEB), SENT);
    assert.ok(grew('lvsync_real_server_packets_total', `${server(1)},direction="in"`) >= SENT * 3, 'SYN, ACK, request, FIN at least');
    assert.ok(grew('lvsync_real_server_bytes_total', `${server(1)},direction="out"`) > 0, 'NAT replies pass the director');
    assert.equal(sample(after, 'lvsync_real_server_declared_weight', server(2)), 2);
    assert.equal(sample(after, 'lvsync_real_server_weight', server(2)), 0);

    const out = process.env.LVSYNC_VM_OUTPUT_DIR;
    if (out) { mkdirSync(out, { recursive: true }); writeFileSync(join(out, 'metrics-scrape.txt'), after); }
    if (promtool.skip) return;
    assert.equal(promtool.missing, null, promtool.missing ?? '');
    const check = spawnSync(promtool.path, ['check', 'metrics'], { input: after, encoding: 'utf8' });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    assert.equal(`${check.stdout}${check.stderr}`.trim(), '', 'promtool check metrics reports nothing');
  });
});
