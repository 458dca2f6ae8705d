import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { createProbe } from '../../src/health/probe.js';
import type { HealthCheckSpec, ProbeResult, ProbeTarget } from '../../src/health/types.js';
import { eventually } from '../watch/helpers.js';
import { probeTarget, spec } from './helpers.js';

/*
 * The real probes against real servers, all on loopback with ephemeral ports: no traffic leaves
 * the machine. Each case asserts what the probe reported and, where it matters, what the server saw.
 */

const probe = createProbe({ killGraceMs: 300 });
const never = new AbortController().signal;

function check(target: Partial<ProbeTarget>, c: Partial<HealthCheckSpec>): Promise<ProbeResult> {
  return probe(spec({ timeoutMs: 2000, ...c }), probeTarget(target), never);
}

function listen<S extends Server | TcpServer>(server: S, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server | TcpServer): Promise<void> {
  (server as Server).closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on: bound, read, released. */
async function freePort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  await close(s);
  return port;
}

const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Live (non-zombie) processes whose command line contains marker. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue;
      pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The process exists and is not a zombie waiting for a reaper. */
function isAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('tcp', () => {
  test('a listening port is up', async () => {
    const server = createTcpServer((s) => s.destroy());
    const port = await listen(server);
    const r = await check({ port }, { type: 'tcp' });
    assert.equal(r.ok, true);
    assert.equal(r.detail, 'connected');
    assert.ok(r.durationMs >= 0 && r.durationMs < 2000);
    await close(server);
  });

  test('a closed port is refused', async () => {
    const r = await check({ port: await freePort() }, { type: 'tcp' });
    assert.deepEqual([r.ok, r.detail], [false, 'connect ECONNREFUSED']);
  });

  test('IPv6 on ::1', async (t) => {
    const server = createTcpServer((s) => s.destroy());
    let port: number;
    try {
      port = await listen(server, '::1');
    } catch (err) {
      t.skip(`no ::1 here (${(err as Error).message})`);
      return;
    }
    const r = await check({ address: '::1', family: 'ipv6', port }, { type: 'tcp' });
    assert.deepEqual([r.ok, r.detail], [true, 'connected']);
    await close(server);
  });

  test('a connect that never completes times out', async (t) => {
    // a loopback listener with a full accept queue drops SYNs, so the connect hangs; node cannot
    // listen without accepting, python can
    if (!has('python3')) return t.skip('needs python3 for a listener that never accepts');
    const py: ChildProcess = spawn('python3', ['-c', 'import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const port = Number(await new Promise<string>((resolve) => py.stdout!.once('data', (d) => resolve(String(d).trim()))));
      // fill the queue (backlog 0 holds one) with connections of our own
      const fillers = await Promise.all([0, 1].map(() => check({ port }, { type: 'tcp', timeoutMs: 300 })));
      assert.ok(fillers.some((f) => f.ok), 'the first connection fits in the queue');
      const r = await check({ port }, { type: 'tcp', timeoutMs: 300 });
      assert.deepEqual([r.ok, r.detail], [false, 'timed out after 300 ms']);
      assert.ok(r.durationMs >= 290 && r.durationMs < 1000, `${r.durationMs}`);
    } finally {
      py.kill('SIGKILL');
    }
  });

  test('an invalid port is a failure, not a throw', async () => {
    const r = await check({ port: 70_000 }, { type: 'tcp' });
    assert.equal(r.ok, false);
    assert.match(r.detail, /ERR_SOCKET_BAD_PORT/);
  });

  test('an already aborted signal settles at once without connecting', async () => {
    let connections = 0;
    const server = createTcpServer((s) => { connections++; s.destroy(); });
    const port = await listen(server);
    const r = await probe(spec({ type: 'tcp' }), probeTarget({ port }), AbortSignal.abort());
    assert.deepEqual([r.ok, r.detail], [false, 'aborted']);
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(connections, 0);
    await close(server);
  });
});

describe('http', () => {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  let redirectHits = 0;
  const other = createHttpServer((_req, res) => { redirectHits++; res.end('elsewhere ok'); });
  const server = createHttpServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    const url = req.url ?? '';
    const status = /^\/status\/(\d{3})$/.exec(url);
    if (url === '/ok') res.end('all is ok');
    else if (status) { res.statusCode = Number(status[1]); res.end(); }
    else if (url === '/redirect') { res.writeHead(302, { Location: `http://127.0.0.1:${otherPort}/` }); res.end(); }
    else if (url === '/hang') { /* never answers */ }
    else if (url === '/big') res.end(`${'x'.repeat(70 * 1024)}needle`);
    else if (url === '/split') { res.write('…ne'); setTimeout(() => res.end('edle…'), 20); }
    else if (url === '/utf8-split') { const b = Buffer.from('é-ok'); res.write(b.subarray(0, 1)); setTimeout(() => res.end(b.subarray(1)), 20); }
    else if (url === '/cut') { res.writeHead(200, { 'Content-Length': '100' }); res.write('partial'); setTimeout(() => res.socket?.destroy(), 20); }
    else { res.statusCode = 404; res.end(); }
  });
  let port = 0;
  let otherPort = 0;
  before(async () => {
    port = await listen(server);
    otherPort = await listen(other);
  });
  after(async () => {
    await close(server);
    await close(other);
  });
  const http = (c: Partial<HealthCheckSpec>, target: Partial<ProbeTarget> = {}) => check({ port, ...target }, { type: 'http', ...c });
  const last = () => seen[seen.length - 1];

  test('200 is up; the request is a GET of the path with Host, User-Agent and Connection: close', async () => {
    const r = await http({ path: '/ok' });
    assert.deepEqual([r.ok, r.detail], [true, 'HTTP 200']);
    assert.equal(last()?.url, '/ok');
    assert.equal(last()?.headers.host, `127.0.0.1:${port}`);
    assert.equal(last()?.headers['user-agent'], 'lvsync-health');
    assert.equal(last()?.headers.connection, 'close');
  });

  test('check.host is the Host header', async () => {
    await http({ path: '/ok', host: 'www.example.test' });
    assert.equal(last()?.headers.host, `www.example.test:${port}`);
  });

  test('without expectStatus any 2xx or 3xx is up, anything else is down', async () => {
    const results = await Promise.all([204, 301, 399, 404, 503].map((s) => http({ path: `/status/${s}` })));
    assert.deepEqual(results.map((r) => [r.ok, r.detail]), [
      [true, 'HTTP 204'],
      [true, 'HTTP 301'],
      [true, 'HTTP 399'],
      [false, 'HTTP 404 (expected 2xx or 3xx)'],
      [false, 'HTTP 503 (expected 2xx or 3xx)'],
    ]);
  });

  test('expectStatus is the list of accepted codes', async () => {
    const results = await Promise.all(['/status/204', '/status/200', '/status/503', '/status/201'].map((path) => http({ path, expectStatus: [200, 204, 503] })));
    assert.deepEqual(results.map((r) => r.ok), [true, true, true, false]);
    assert.equal(results[3]?.detail, 'HTTP 201 (expected 200, 204, 503)');
    const strict = await http({ path: '/status/503', expectStatus: [200] });
    assert.deepEqual([strict.ok, strict.detail], [false, 'HTTP 503 (expected 200)']);
  });

  test('redirects are never followed', async () => {
    redirectHits = 0;
    const r = await http({ path: '/redirect' });
    assert.deepEqual([r.ok, r.detail], [true, 'HTTP 302']);
    const strict = await http({ path: '/redirect', expectStatus: [200] });
    assert.deepEqual([strict.ok, strict.detail], [false, 'HTTP 302 (expected 200)']);
    assert.equal(redirectHits, 0);
  });

  test('expectBody: present is up, absent is down with the substring in the detail', async () => {
    const yes = await http({ path: '/ok', expectBody: 'is ok' });
    assert.deepEqual([yes.ok, yes.detail], [true, 'HTTP 200']);
    const no = await http({ path: '/ok', expectBody: 'ready' });
    assert.deepEqual([no.ok, no.detail], [false, 'body does not contain "ready"']);
    const status = await http({ path: '/status/503', expectBody: 'ok' });
    assert.equal(status.detail, 'HTTP 503 (expected 2xx or 3xx)', 'the status is judged first');
  });

  test('expectBody is found across chunks, even inside a UTF-8 character, and only in the first 64 KiB', async () => {
    assert.equal((await http({ path: '/split', expectBody: 'needle' })).ok, true);
    assert.equal((await http({ path: '/utf8-split', expectBody: 'é-ok' })).ok, true);
    const big = await http({ path: '/big', expectBody: 'needle' });
    assert.deepEqual([big.ok, big.detail], [false, 'body does not contain "needle" (in the first 64 KiB)']);
  });

  test('a body cut short is down', async () => {
    const r = await http({ path: '/cut', expectBody: 'never' });
    assert.equal(r.ok, false);
    assert.notEqual(r.detail, '');
  });

  test('a server that accepts but never answers times out at timeoutMs', async () => {
    const r = await http({ path: '/hang', timeoutMs: 300 });
    assert.deepEqual([r.ok, r.detail], [false, 'timed out after 300 ms']);
    assert.ok(r.durationMs >= 290 && r.durationMs < 1000, `${r.durationMs}`);
  });

  test('aborting the signal settles at once', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    const r = await probe(spec({ type: 'http', path: '/hang', timeoutMs: 5000 }), probeTarget({ port }), abort.signal);
    assert.deepEqual([r.ok, r.detail], [false, 'aborted']);
    assert.ok(r.durationMs < 1000, `${r.durationMs}`);
  });

  test('a closed port is refused', async () => {
    const r = await check({ port: await freePort() }, { type: 'http' });
    assert.deepEqual([r.ok, r.detail], [false, 'connect ECONNREFUSED']);
  });

  test('a raw tcp server that never speaks HTTP times out', async () => {
    // it reads (so it sees the probe hang up and close() can finish) but never writes
    const silent = createTcpServer((s) => s.resume());
    const silentPort = await listen(silent);
    const r = await check({ port: silentPort }, { type: 'http', timeoutMs: 300 });
    assert.deepEqual([r.ok, r.detail], [false, 'timed out after 300 ms']);
    await close(silent);
  });

  test('IPv6: the Host header has the address in brackets', async (t) => {
    const v6 = createHttpServer((req, res) => res.end(req.headers.host));
    let v6port: number;
    try {
      v6port = await listen(v6, '::1');
    } catch (err) {
      t.skip(`no ::1 here (${(err as Error).message})`);
      return;
    }
    const r = await check({ address: '::1', family: 'ipv6', port: v6port }, { type: 'http', expectBody: `[::1]:${v6port}` });
    assert.deepEqual([r.ok, r.detail], [true, 'HTTP 200']);
    await close(v6);
  });
});

describe('http without expectBody: the status line on a bare socket', () => {
  /** A raw server per behaviour: what it writes after reading the request head (null: never answers). */
  const answers: Record<string, (string | number)[] | null> = {
    '/split': ['HTT', 20, 'P/1.1 20', 20, '4 No Content\r\n\r\n'],
    '/hints': ['HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n', 20, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
    '/hints-then-503': ['HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 503 Busy\r\n\r\n'],
    '/garbage': ['SSH-2.0-OpenSSH_9.2\r\n'],
    '/http10': ['HTTP/1.0 302\r\n\r\n'],
    '/close': [],
    '/hang': null,
  };
  const requests: string[] = [];
  const closedByProbe: number[] = [];
  const open = new Set<Socket>();
  const server = createTcpServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    let head = '';
    socket.on('error', () => undefined);
    socket.on('close', () => closedByProbe.push(Date.now()));
    socket.on('data', async (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      requests.push(head);
      const path = head.split(' ')[1] ?? '';
      const answer = answers[path];
      if (answer === null) return;
      for (const part of answer ?? []) {
        if (typeof part === 'number') await new Promise((r) => setTimeout(r, part));
        else socket.write(part);
      }
      socket.end();
    });
  });
  let port = 0;
  before(async () => { port = await listen(server); });
  after(() => {
    // a connection a broken probe left open must not keep the server (and the test) alive
    for (const socket of open) socket.destroy();
    return close(server);
  });
  const http = (c: Partial<HealthCheckSpec>) => check({ port }, { type: 'http', ...c });

  test('the request is the GET node:http sends, byte for byte', async () => {
    requests.length = 0;
    await http({ path: '/http10', host: 'www.example.test' });
    assert.equal(requests[0], `GET /http10 HTTP/1.1\r\nHost: www.example.test:${port}\r\nUser-Agent: lvsync-health\r\nConnection: close\r\n\r\n`);
  });

  test('a status line split across packets, HTTP/1.0 and informational answers are read as node:http reads them', async () => {
    const results = await Promise.all(['/split', '/http10', '/hints', '/hints-then-503'].map((path) => http({ path })));
    assert.deepEqual(results.map((r) => [r.ok, r.detail]), [[true, 'HTTP 204'], [true, 'HTTP 302'], [true, 'HTTP 200'], [false, 'HTTP 503 (expected 2xx or 3xx)']]);
  });

  test('a server that does not speak HTTP, or closes without answering, is down with what node:http would say', async () => {
    const garbage = await http({ path: '/garbage' });
    assert.deepEqual([garbage.ok, garbage.detail], [false, 'not an HTTP response: "SSH-2.0-OpenSSH_9.2"']);
    const closed = await http({ path: '/close' });
    const closedWithBody = await http({ path: '/close', expectBody: 'x' });
    assert.deepEqual([closed.ok, closed.detail], [false, closedWithBody.detail]);
  });

  test('a path or Host node:http would refuse is a failed check, and nothing is sent', async () => {
    requests.length = 0;
    const space = await http({ path: '/a b' });
    const spaceWithBody = await http({ path: '/a b', expectBody: 'x' });
    assert.deepEqual([space.ok, space.detail], [false, spaceWithBody.detail]);
    const injected = await http({ path: '/http10', host: 'x\r\nX-Injected: 1' });
    assert.equal(injected.ok, false);
    assert.match(injected.detail, /ERR_INVALID_CHAR/);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(requests, []);
  });

  test('a server that never answers: at the timeout the probe closes its connection', async () => {
    closedByProbe.length = 0;
    const r = await http({ path: '/hang', timeoutMs: 300 });
    assert.deepEqual([r.ok, r.detail], [false, 'timed out after 300 ms']);
    // the server sees the connection end (it never closes one itself on /hang)
    await eventually(() => closedByProbe.length === 1, 'the server sees the connection closed');
  });
});

describe('https', () => {
  let dir = '';
  let key = '';
  let cert = '';
  before(() => {
    if (!has('openssl')) return;
    dir = mkdtempSync(join(tmpdir(), 'lvsync-https-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=lvsync-test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a self-signed certificate is accepted; SNI and Host carry check.host, none for an address', async (t) => {
    if (!cert) return t.skip('openssl is not installed: no certificate to serve');
    const seen: { host: string | undefined; sni: string | false | null }[] = [];
    const server = createHttpsServer({ key, cert }, (req, res) => {
      seen.push({ host: req.headers.host, sni: (req.socket as TLSSocket).servername });
      res.end('tls ok');
    });
    const port = await listen(server);
    const named = await check({ port }, { type: 'https', path: '/', host: 'www.example.test', expectBody: 'tls ok' });
    assert.deepEqual([named.ok, named.detail], [true, 'HTTP 200']);
    const bare = await check({ port }, { type: 'https', path: '/' });
    assert.deepEqual([bare.ok, bare.detail], [true, 'HTTP 200']);
    assert.deepEqual(seen, [
      { host: `www.example.test:${port}`, sni: 'www.example.test' },
      { host: `127.0.0.1:${port}`, sni: false },
    ]);
    await close(server);
  });

  test('https against a plain http server is down', async () => {
    const plain = createHttpServer((_req, res) => res.end('ok'));
    const port = await listen(plain);
    const r = await check({ port }, { type: 'https', timeoutMs: 1000 });
    assert.equal(r.ok, false);
    assert.doesNotMatch(r.detail, /^HTTP/);
    await close(plain);
  });
});

describe('exec', () => {
  const node = process.execPath;
  const target: Partial<ProbeTarget> = { address: '10.1.2.3', port: 8080, serverPort: 80, service: 'tcp 10.0.0.1:80', serviceName: 'web', vip: '10.0.0.1', vport: 80, protocol: 'tcp' };

  test('exit 0 is up; the real server is in the environment, the rest of it is inherited', async () => {
    const expected = { LVSYNC_RS_ADDRESS: '10.1.2.3', LVSYNC_RS_PORT: '80', LVSYNC_CHECK_PORT: '8080', LVSYNC_SERVICE: 'tcp 10.0.0.1:80', LVSYNC_SERVICE_NAME: 'web', LVSYNC_VIP: '10.0.0.1', LVSYNC_VPORT: '80', LVSYNC_PROTOCOL: 'tcp', PATH: process.env.PATH };
    const script = `const want = ${JSON.stringify(expected)}; const bad = Object.keys(want).filter((k) => process.env[k] !== want[k]); if (bad.length) { console.error('wrong: ' + bad.map((k) => k + '=' + process.env[k]).join(' ')); process.exit(1); }`;
    const r = await check(target, { type: 'exec', command: [node, '-e', script] });
    assert.deepEqual([r.ok, r.detail], [true, 'exit 0']);
  });

  test('fields a service lacks are empty strings (fwmark: no protocol, VIP or port)', async () => {
    const script = `const ks = ['LVSYNC_SERVICE_NAME', 'LVSYNC_VIP', 'LVSYNC_VPORT', 'LVSYNC_PROTOCOL']; const bad = ks.filter((k) => process.env[k] !== ''); if (bad.length) { console.error('not empty: ' + bad.join(' ')); process.exit(1); }`;
    const r = await check({ ...target, service: 'fwmark 7', serviceName: null, vip: null, vport: null, protocol: null }, { type: 'exec', command: [node, '-e', script] });
    assert.deepEqual([r.ok, r.detail], [true, 'exit 0']);
  });

  test('argv is not a shell command line', async () => {
    const r = await check(target, { type: 'exec', command: ['/bin/sh', '-c', 'test "$1" = "a b;c"', 'sh', 'a b;c'] });
    assert.equal(r.ok, true);
  });

  test('a non-zero exit is down with the first line of stderr, trimmed to 200 characters', async () => {
    const r = await check(target, { type: 'exec', command: ['/bin/sh', '-c', 'echo; echo "   db unreachable  " >&2; echo second >&2; exit 1'] });
    assert.deepEqual([r.ok, r.detail], [false, 'exit 1: db unreachable']);
    const long = await check(target, { type: 'exec', command: [node, '-e', 'console.error("y".repeat(500)); process.exit(3)'] });
    assert.equal(long.ok, false);
    assert.match(long.detail, /^exit 3: y+…$/);
    assert.equal(long.detail.length, 'exit 3: '.length + 200);
    const quiet = await check(target, { type: 'exec', command: ['/bin/sh', '-c', 'exit 2'] });
    assert.deepEqual([quiet.ok, quiet.detail], [false, 'exit 2']);
  });

  test('a command that runs too long is killed at the timeout, children included', async () => {
    const marker = `lvsync-test-${process.pid}-${Date.now()}`;
    const dir = mkdtempSync(join(tmpdir(), 'lvsync-exec-'));
    const pidFile = join(dir, 'sleep.pid');
    try {
      // sleep is a grandchild here: only a kill of the whole group reaches it
      const r = await check(target, { type: 'exec', timeoutMs: 400, command: ['/bin/sh', '-c', `sleep 10 & echo $! > ${pidFile}; wait; : ${marker}`] });
      assert.deepEqual([r.ok, r.detail], [false, 'timed out after 400 ms']);
      assert.ok(r.durationMs >= 390 && r.durationMs < 1500, `${r.durationMs}`);
      const sleepPid = Number(readFileSync(pidFile, 'utf8').trim());
      assert.ok(sleepPid > 0);
      await eventually(() => processesWith(marker).length === 0 && !isAlive(sleepPid), 'the shell and its sleep to be gone', 2000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const direct = await check(target, { type: 'exec', timeoutMs: 300, command: ['sleep', '10'] });
    assert.deepEqual([direct.ok, direct.detail], [false, 'timed out after 300 ms']);
    assert.ok(direct.durationMs < 1500, `${direct.durationMs}`);
  });

  test('a command ignoring SIGTERM is SIGKILLed after the grace, and the probe waits for that', async () => {
    const marker = `lvsync-term-${process.pid}-${Date.now()}`;
    const r = await check(target, { type: 'exec', timeoutMs: 300, command: ['/bin/sh', '-c', `trap "" TERM; sleep 10 & wait; : ${marker}`] });
    assert.deepEqual([r.ok, r.detail], [false, 'timed out after 300 ms']);
    // 300 ms timeout + 300 ms grace (createProbe({ killGraceMs: 300 })), not the 10 s sleep
    assert.ok(r.durationMs >= 550 && r.durationMs < 2000, `${r.durationMs}`);
    await eventually(() => processesWith(marker).length === 0, 'the shell to be gone', 2000);
  });

  test('a missing or non-executable program is down with a clear detail', async () => {
    const missing = await check(target, { type: 'exec', command: ['/nonexistent/lvsync-check'] });
    assert.deepEqual([missing.ok, missing.detail], [false, 'command not found: /nonexistent/lvsync-check']);
    const dir = mkdtempSync(join(tmpdir(), 'lvsync-exec-'));
    try {
      // no x bit at all: not even root may execute it
      const file = join(dir, 'check.sh');
      writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
      const notExec = await check(target, { type: 'exec', command: [file] });
      assert.deepEqual([notExec.ok, notExec.detail], [false, `cannot run ${file}: EACCES`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const empty = await check(target, { type: 'exec', command: [] });
    assert.deepEqual([empty.ok, empty.detail], [false, 'empty command']);
  });

  test('aborting kills the command', async () => {
    const marker = `lvsync-abort-${process.pid}-${Date.now()}`;
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const r = await probe(spec({ type: 'exec', timeoutMs: 5000, command: ['/bin/sh', '-c', `sleep 10; : ${marker}`] }), probeTarget(target), abort.signal);
    assert.deepEqual([r.ok, r.detail], [false, 'aborted']);
    assert.ok(r.durationMs < 1500, `${r.durationMs}`);
    await eventually(() => processesWith(marker).length === 0, 'the command to be gone', 2000);
  });
});
