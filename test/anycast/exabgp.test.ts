import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decide, type Said } from '../../src/anycast/exabgp.js';
import { formatAnycastState, parseAnycastState, type AnnouncedVip, type AnycastState } from '../../src/anycast/state-file.js';

const NOW = Date.UTC(2026, 11, 6, 12);
const vip = (over: Partial<AnnouncedVip> = {}): AnnouncedVip => ({ prefix: '10.70.0.10/32', ready: true, reasons: [], nextHop: 'self', med: 100, communities: ['65000:1', '65000:2'], ...over });
const state = (vips: AnnouncedVip[], over: Partial<AnycastState> = {}): AnycastState => ({ version: 1, pid: 42, writtenAt: NOW - 1000, staleAfterMs: 35_000, vips, ...over });
const lines = (s: AnycastState | null, said: Said, alive = true, now = NOW) => decide(s, now, alive, said).map((d) => d.line);

describe('lvsync exabgp decides what to tell ExaBGP', () => {
  it('announces a ready VIP with its next hop, MED and communities, once', () => {
    const said: Said = new Map();
    assert.deepEqual(lines(state([vip()]), said), ['announce route 10.70.0.10/32 next-hop self med 100 community [65000:1 65000:2]']);
    assert.deepEqual(lines(state([vip()]), said), [], 'nothing new: nothing printed');
  });

  it('withdraws when the VIP is not ready, when the writer is gone and when the file is stale; announces again when ready', () => {
    const said: Said = new Map();
    lines(state([vip()]), said);
    assert.deepEqual(lines(state([vip({ ready: false, reasons: ['the config is invalid'] })]), said), ['withdraw route 10.70.0.10/32 next-hop self']);
    assert.deepEqual(lines(state([vip()]), said), ['announce route 10.70.0.10/32 next-hop self med 100 community [65000:1 65000:2]']);
    assert.deepEqual(decide(state([vip()]), NOW, false, said).map((d) => [d.line, d.why]), [['withdraw route 10.70.0.10/32 next-hop self', 'writer-gone']]);
    lines(state([vip()]), said);
    assert.deepEqual(decide(state([vip()]), NOW + 40_000, true, said).map((d) => d.why), ['stale']);
  });

  it('a fresh process withdraws what is not ready (its predecessor may have announced it); an unusable file withdraws what it announced', () => {
    assert.deepEqual(lines(state([vip({ ready: false })]), new Map()), ['withdraw route 10.70.0.10/32 next-hop self']);
    const said: Said = new Map();
    lines(state([vip()]), said);
    assert.deepEqual(lines(null, said), ['withdraw route 10.70.0.10/32 next-hop self']);
  });

  it('a changed MED re-announces; a VIP gone from the file is withdrawn with the next hop it was announced with', () => {
    const said: Said = new Map();
    lines(state([vip(), vip({ prefix: '2001:db8::10/128', nextHop: '2001:db8::2', med: null, communities: [] })]), said);
    assert.deepEqual(lines(state([vip({ med: 50 }), vip({ prefix: '2001:db8::10/128', nextHop: '2001:db8::2', med: null, communities: [] })]), said),
      ['announce route 10.70.0.10/32 next-hop self med 50 community [65000:1 65000:2]']);
    assert.deepEqual(lines(state([vip({ med: 50 })]), said), ['withdraw route 2001:db8::10/128 next-hop 2001:db8::2']);
  });

  it('the state file round-trips and a damaged one is refused', () => {
    const s = state([vip()]);
    assert.deepEqual(parseAnycastState(formatAnycastState(s)), { ok: s });
    assert.ok('invalid' in parseAnycastState('{"version":1}'));
    assert.ok('invalid' in parseAnycastState('not json'));
  });
});

describe('lvsync exabgp as ExaBGP runs it', () => {
  const cli = new URL('../../src/cli/main.js', import.meta.url).pathname;

  it('prints the announce for a live writer, the withdraw once the writer is gone, and exits 0 when its stdin closes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsync-exabgp-'));
    const file = join(dir, 'anycast.json');
    writeFileSync(file, formatAnycastState(state([vip()], { pid: process.pid, writtenAt: Date.now() })));
    const child = spawn(process.execPath, [cli, 'exabgp', '--state-file', file, '--poll', '50ms'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const until = async (re: RegExp) => { for (let i = 0; i < 200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 25)); assert.match(out, re, err); };
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // a failed assertion must fail the test, not leave the child polling and the suite hanging
    try {
      await until(/^announce route 10\.70\.0\.10\/32 next-hop self med 100 community \[65000:1 65000:2\]$/m);
      // a pid that no longer exists: the writer died
      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
      // replaced whole, as lvsync watch writes it: a file rewritten in place can be read half-written by the 50 ms poll
      writeFileSync(`${file}.tmp`, formatAnycastState(state([vip()], { pid: Number(gone), writtenAt: Date.now() })));
      renameSync(`${file}.tmp`, file);
      await until(/^withdraw route 10\.70\.0\.10\/32 next-hop self$/m);
      assert.match(err, /lvsync watch, which wrote the state file, is not running/);
      child.stdin.end();
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
