import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { createStateFile, preloadStateFile, setServerCounters, setServiceStats, updateState } from '../fake-ipvsadm/state-file.js';
import { tempTree } from '../helpers/cli.js';
import { eventually } from './helpers.js';

/**
 * The status page in a real browser: Debian's chromium driven by playwright-core, against the
 * real binary running `watch` with the executable fake ipvsadm holding counters. Screenshots go to
 * test-output/status-page.png (healthy, with live counters) and status-page-problems.png.
 */

const REPO = new URL('../../../', import.meta.url).pathname;
const CHROMIUM = '/usr/bin/chromium';
const FAKE_BIN = join(REPO, 'test/fixtures/bin/ipvsadm');
const OUT = join(REPO, 'test-output');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const CONFIG = `version: 1
scope: { addresses: ["192.168.10.0/24"] }
services:
  - name: web
    protocol: tcp
    address: 192.168.10.100
    port: 80
    scheduler: wrr
    persistence: { timeout: 300 }
    realServers:
      - { address: 10.0.0.11, port: 8080, method: nat, weight: 3 }
      - { address: 10.0.0.12, port: 8080, method: nat, weight: 3 }
      - { address: 10.0.0.13, port: 8080, method: nat, weight: 1 }
  - name: dns
    protocol: udp
    address: 192.168.10.53
    port: 53
    scheduler: rr
    realServers:
      - { address: 10.0.1.1, method: dr }
      - { address: 10.0.1.2, method: dr }
`;

const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install -y chromium): the status page was not rendered`
  : !existsSync(join(REPO, 'dist/test/fake-ipvsadm/cli.js')) ? 'the executable fake ipvsadm is not built' : false;

/**
 * Load the page as a fresh navigation. The page refreshes itself every 5 s, and the daemon's page
 * runs the executable fake ipvsadm for its counters, which takes seconds on a busy machine: a
 * refresh of the page already open then aborted the navigation (net::ERR_ABORTED). Leaving for
 * about:blank first stops that timer.
 */
async function open(page: import('playwright-core').Page, url: string) {
  await page.goto('about:blank');
  const response = await page.goto(url, { waitUntil: 'commit' });
  await page.waitForLoadState('load');
  return response;
}

test('status page in headless Chromium: services, real servers, weights, method, connections and rates; config errors and drift', { skip, timeout: 180_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const dir = tempTree({ 'conf/lb.yaml': CONFIG });
  const stateFile = createStateFile(join(dir, 'ipvs.json'));
  // an unmanaged service someone made by hand, and web with a weight that drifted
  preloadStateFile(stateFile, '-A -t 172.16.0.1:22 -s rr\n-a -t 172.16.0.1:22 -r 172.16.0.10:22 -g -w 1\n');
  const child = spawn(process.execPath, [join(REPO, 'dist/src/cli/main.js'), 'watch', join(dir, 'conf'), '--interval', '1m',
    '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--ipvsadm', FAKE_BIN, '--log-format', 'json'],
  { env: { ...process.env, LVSYNC_FAKE_IPVSADM_STATE: stateFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const passes = () => lines().filter((l) => typeof l.pass === 'number').length;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    await eventually(() => passes() >= 1, 'the first pass', 60_000);
    const url = String(lines().find((l) => typeof l.listen === 'string')?.listen);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'loopback only');

    // live traffic counters, then a weight changed by hand: SIGHUP → the pass corrects it
    updateState(stateFile, (k) => {
      const web = '-t 192.168.10.100:80';
      setServerCounters(k, web, '10.0.0.11:8080', { activeConns: 1234, inactConns: 5678, stats: { conns: 912345, inpkts: 8_100_000, outpkts: 7_900_000, inbytes: 1_100_000_000, outbytes: 9_800_000_000, cps: 41, inpps: 1520, outpps: 1490, inbps: 210_000, outbps: 1_850_000 } });
      setServerCounters(k, web, '10.0.0.12:8080', { activeConns: 1198, inactConns: 5530, stats: { conns: 905112, cps: 40, inpps: 1490, outpps: 1460, inbps: 205_000, outbps: 1_790_000 } });
      setServerCounters(k, web, '10.0.0.13:8080', { activeConns: 402, inactConns: 1877, stats: { conns: 301004, cps: 13, inpps: 500, outpps: 488, inbps: 70_000, outbps: 610_000 } });
      setServiceStats(k, web, { conns: 2_118_461, cps: 94, inpps: 3510, outpps: 3438, inbps: 485_000, outbps: 4_250_000 });
      setServerCounters(k, '-u 192.168.10.53:53', '10.0.1.1:53', { activeConns: 0, inactConns: 311, stats: { conns: 55_120, cps: 220, inpps: 230, outpps: 0, inbps: 19_000, outbps: 0 } });
      setServerCounters(k, '-u 192.168.10.53:53', '10.0.1.2:53', { activeConns: 0, inactConns: 298, stats: { conns: 54_877, cps: 219, inpps: 228, outpps: 0, inbps: 18_700, outbps: 0 } });
      setServiceStats(k, '-u 192.168.10.53:53', { conns: 109_997, cps: 439, inpps: 458, inbps: 37_700 });
      runIpvsadm(k, ['-e', '-t', '192.168.10.100:80', '-r', '10.0.0.13:8080', '-m', '-w', '4']);
    });
    child.kill('SIGHUP');
    await eventually(() => passes() >= 2, 'the SIGHUP pass', 60_000);
    assert.ok(lines().some((l) => l.msg === 'real server 10.0.0.13:8080 weight 1 → 4, changed outside lvsync'));

    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const response = await open(page, url);
    assert.equal(response?.status(), 200);
    assert.equal(await page.locator('meta[http-equiv="refresh"]').getAttribute('content'), '5', 'the page refreshes itself');
    const web = page.locator('section.svc', { hasText: 'TCP 192.168.10.100:80' });
    assert.match(await web.locator('h3').innerText(), /web\s+TCP 192\.168\.10\.100:80\s+in sync/);
    assert.match(await web.locator('.meta').innerText(), /scheduler wrr · persistent 300 s/);
    const row = web.locator('tr', { hasText: '10.0.0.11:8080' });
    assert.deepEqual((await row.locator('td').allInnerTexts()).slice(0, 7), ['10.0.0.11:8080', 'Masq (NAT)', '3', '1,234', '5,678', '912,345', '41']);
    assert.match(await web.locator('tr', { hasText: '10.0.0.13:8080' }).innerText(), /10\.0\.0\.13:8080\s+Masq \(NAT\)\s+1\s+402/);
    const dns = page.locator('section.svc', { hasText: 'UDP 192.168.10.53:53' });
    assert.match(await dns.innerText(), /10\.0\.1\.1:53\s+Route \(DR\)\s+1\s+0\s+311/);
    assert.match(await page.locator('section.svc', { hasText: 'TCP 172.16.0.1:22' }).innerText(), /not managed by lvsync/);
    assert.match(await page.locator('.note').first().innerText(), /Last drift found .* corrected: real server 10\.0\.0\.13:8080 weight 1 → 4/);
    assert.match(await page.locator('table.passes').innerText(), /sighup\s+applied/);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'status-page.png'), fullPage: true });

    // problems: an invalid config is shown with file:line:col; the page says "not ready"
    writeFileSync(join(dir, 'conf/lb.yaml'), CONFIG.replace('scheduler: rr', 'scheduler: rr\n    timeout: 30'));
    child.kill('SIGHUP');
    await eventually(() => passes() >= 3, 'the pass with the invalid config', 60_000);
    await open(page, url);
    assert.match(await page.locator('header').innerText(), /not ready/);
    const box = await page.locator('section.box.bad', { hasText: 'Config errors' }).innerText();
    assert.match(box, /lb\.yaml:19:5: error\[SCHEMA\]: unknown key `timeout`/);
    assert.match(box, /The last good config .* stays in force/);
    await page.screenshot({ path: join(OUT, 'status-page-problems.png'), fullPage: true });
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
});
