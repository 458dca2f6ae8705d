import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempTree } from '../helpers/cli.js';
import { REPO, SKIP, freshNamespace, ipIn, ipvsadmIn, lvsync, must, sh, sleep, startWatchIn, tempStateDir } from './helpers.js';

/**
 * vips.bind on the real kernel (issue 16 part 1), without keepalived: a director namespace with a
 * dummy0 device, a NAT real server and a client, each joined to the director by a veth pair.
 * lvsync puts the VIP on dummy0 and traffic flows; an address added by hand is never removed;
 * removing the service removes lvsync's address; `lvsync watch` adds back an owned address deleted by hand.
 */
const VIP = '10.61.0.10';
const HAND = '10.61.0.99';
const DIR = 'vipdir';
const fixtures = join(REPO, 'test/kernel/fixtures');

// a namespace joined to the director namespace: DIR has `${net}.1/24` on `dev`, the namespace `${net}.2/24`, routed back through DIR
function joinToDirector(ns: string, dev: string, net: string, created: string[]): void {
  must(`ip netns add ${ns}`);
  created.push(ns);
  must(`ip link add ${dev} netns ${DIR} type veth peer name eth0 netns ${ns}`);
  must(`ip -n ${DIR} addr add ${net}.1/24 dev ${dev} && ip -n ${DIR} link set ${dev} up`);
  must(`ip netns exec ${ns} sh -c 'ip link set lo up && ip addr add ${net}.2/24 dev eth0 && ip link set eth0 up && ip route add default via ${net}.1'`);
}

const config = (services: boolean) => `version: 1
vips: { bind: true, device: dummy0 }
services:
${services ? `  - { name: web, address: ${VIP}, port: 80, scheduler: rr, realServers: [{ address: 10.61.1.2, port: 8080, method: nat }] }
  - { name: hand, address: ${HAND}, port: 80, scheduler: rr, realServers: [{ address: 10.61.1.2, port: 8080, method: nat }] }
` : '  []\n'}`;

const addresses = () => must(`ip -n ${DIR} -o addr show dev dummy0`);
const get = (address: string) => must(`ip netns exec vipcl ${process.execPath} ${fixtures}/http-client.mjs count http://${address}/ 2`);

describe('vips.bind: lvsync binds the VIP it owns, and only that', { skip: SKIP }, () => {
  const created: string[] = [];
  const children: ChildProcess[] = [];
  const dir = tempTree({});
  const file = join(dir, 'lb.yaml');
  const state = tempStateDir();
  let binary = '';

  before(async () => {
    freshNamespace(DIR, created);
    must(`ip netns exec ${DIR} sh -c 'sysctl -qw net.ipv4.ip_forward=1 && ip link add dummy0 type dummy && ip link set dummy0 up'`);
    joinToDirector('viprs', 'vd-rs', '10.61.1', created);
    joinToDirector('vipcl', 'vd-cl', '10.61.2', created);
    children.push(spawn('ip', ['netns', 'exec', 'viprs', process.execPath, `${fixtures}/http-identity.mjs`, 'viprs', '8080'], { stdio: 'ignore' }));
    binary = ipvsadmIn(DIR, dir);
    // an address the operator manages: lvsync must never claim or remove it
    must(`ip -n ${DIR} addr add ${HAND}/32 dev dummy0`);
    await waitForPortIn();
  });

  // the real server listens inside its namespace: probe it from the director namespace
  async function waitForPortIn(): Promise<void> {
    for (let i = 0; i < 240; i++) {
      if (sh(`ip netns exec ${DIR} ${process.execPath} -e "require('net').connect(8080,'10.61.1.2').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"`).code === 0) return;
      await sleep(250);
    }
    throw new Error('the real server never listened');
  }

  after(() => {
    for (const c of children) c.kill();
    for (const ns of created.reverse()) sh(`ip netns del ${ns}`);
  });

  test('apply puts the VIP on dummy0 (noprefixroute), traffic flows through it, the hand-added address is left unclaimed', async () => {
    assert.doesNotMatch(addresses(), new RegExp(`inet ${VIP}/`));
    writeFileSync(file, config(true));
    const r = await lvsync(['apply', file, '--yes', '--ipvsadm', binary, '--state-dir', state], { runCommand: ipIn(DIR) });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`\\+ address ${VIP.replace(/\./g, '\\.')}/32 on dummy0`));
    assert.doesNotMatch(r.stdout, new RegExp(`address ${HAND.replace(/\./g, '\\.')}`));
    assert.match(addresses(), new RegExp(`inet ${VIP.replace(/\./g, '\\.')}/32 scope global noprefixroute dummy0`));
    assert.deepEqual(JSON.parse(get(VIP)), { viprs: 2 });
    assert.deepEqual(JSON.parse(get(HAND)), { viprs: 2 });
    const again = await lvsync(['plan', file, '--ipvsadm', binary, '--state-dir', state, '--detailed-exitcode'], { runCommand: ipIn(DIR) });
    assert.equal(again.code, 0, again.stdout);
  });

  test('lvsync watch adds back an owned address deleted by hand', async () => {
    const { daemon, lines } = await startWatchIn(file, state, binary, ipIn(DIR));
    const until = async (what: string, ok: () => boolean) => {
      const start = Date.now();
      while (!ok()) {
        assert.ok(Date.now() - start < 60_000, `${what}; last log lines: ${JSON.stringify(lines.slice(-5))}`);
        await sleep(250);
      }
      return Date.now() - start;
    };
    try {
      // the first pass finds everything in place: from then on a difference is drift
      await until('the first pass never ended in sync', () => lines.some((l) => l.outcome === 'in-sync'));
      must(`ip -n ${DIR} addr del ${VIP}/32 dev dummy0`);
      daemon.loop.request('interval');
      const ms = await until('the VIP was not added back', () => new RegExp(`inet ${VIP.replace(/\./g, '\\.')}/32`).test(addresses()));
      console.log(`vips: watch re-added the deleted VIP ${ms} ms after the pass was requested`);
      await until('no drift of object address was logged', () => lines.some((l) => (l.drift as { object?: string } | undefined)?.object === 'address'));
      await until('the pass did not end applied', () => lines.some((l) => l.outcome === 'applied'));
      assert.deepEqual(JSON.parse(get(VIP)), { viprs: 2 });
    } finally {
      await daemon.stop();
    }
  });

  test('removing the services removes lvsync\'s address and keeps the hand-added one', async () => {
    writeFileSync(file, config(false));
    const r = await lvsync(['apply', file, '--yes', '--allow-mass-delete', '--ipvsadm', binary, '--state-dir', state], { runCommand: ipIn(DIR) });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`- address ${VIP.replace(/\./g, '\\.')}/32 on dummy0`));
    assert.doesNotMatch(addresses(), new RegExp(`inet ${VIP.replace(/\./g, '\\.')}/`));
    assert.match(addresses(), new RegExp(`inet ${HAND.replace(/\./g, '\\.')}/32`));
  });
});
