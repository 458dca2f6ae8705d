import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConnectionCounts, parseListing } from '../../src/live/parse-listing.js';

/**
 * The drains' connection-count reader against the general listing parser, on every default `-L -n`
 * listing the real kernel printed in the conformance recordings (one-service listings, several in
 * one -R, IPv6, fwmarks), and on one with live counts.
 */

const RECORDED = new URL('../../../test/conformance/recorded/', import.meta.url).pathname;

interface Step { args: string[]; stdin?: string; result: { exitCode: number; stdout: string } }

/** the counts as parseListing reads them: the reference */
function reference(text: string): Map<string, Map<string, { active: number; inactive: number }>> {
  const out = new Map<string, Map<string, { active: number; inactive: number }>>();
  for (const [key, svc] of parseListing(text).services) {
    const servers = new Map<string, { active: number; inactive: number }>();
    for (const [s, row] of svc.servers) servers.set(s, { active: row.values['ActiveConn']!, inactive: row.values['InActConn']! });
    out.set(key, servers);
  }
  return out;
}

// default listings only: -L/-l with -n and at most a service, or -R whose lines are such listings
const isDefaultListing = (args: readonly string[]) => ['-L', '-l'].includes(args[0]!) && args.includes('-n') && !args.some((a) => a.startsWith('--') || a === '-c');

function defaultListings(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const file of readdirSync(RECORDED).filter((f) => f.endsWith('.json')).sort()) {
    const steps = (JSON.parse(readFileSync(join(RECORDED, file), 'utf8')) as { steps: Step[] }).steps;
    steps.forEach((step, i) => {
      const restoreOfListings = step.args[0] === '-R' && step.stdin !== undefined && step.stdin.trim().split('\n').every((l) => isDefaultListing(l.split(' ')));
      if ((isDefaultListing(step.args) || restoreOfListings) && step.result.stdout.includes('->')) out.push({ name: `${file} step ${i}`, text: step.result.stdout });
    });
  }
  return out;
}

test('every default listing the kernel printed: the same counts as the general parser', () => {
  const listings = defaultListings();
  assert.ok(listings.length >= 10, `found ${listings.length} listings`);
  assert.ok(listings.some((l) => l.name.startsWith('restore-listing-services')), 'the -R of one-service listings is among them');
  for (const { name, text } of listings) {
    const counts = parseConnectionCounts(text);
    assert.ok(counts, name);
    assert.deepEqual(counts, reference(text), name);
  }
});

test('live counts, IPv6 and fwmark services, a listing without a version line', () => {
  const text = [
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    'TCP  10.0.0.1:80 wlc',
    '  -> 192.168.1.1:80               Masq    1      12         3         ',
    '  -> 192.168.1.2:80               Masq    0      0          7         ',
    'FWM  6 IPv6 rr',
    '  -> [2001:db8::11]:0             Route   1      4294967295 1         ',
    'UDP  [2001:db8:0::1]:53 rr',
    '  -> [2001:0db8::12]:53           Masq    1      0          2         ',
    '',
  ].join('\n');
  assert.deepEqual(parseConnectionCounts(text), reference(text));
  assert.deepEqual(parseConnectionCounts(text)!.get('tcp|10.0.0.1|80')!.get('192.168.1.1|80'), { active: 12, inactive: 3 });
  assert.deepEqual(parseConnectionCounts(text)!.get('udp|2001:db8::1|53')!.get('2001:db8::12|53'), { active: 0, inactive: 2 }, 'addresses canonical, as the model keys them');
});

test('another listing (--stats columns): null, never misread numbers', () => {
  const text = 'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\nTCP  10.0.0.1:80                         4       14       14      910     1478\n  -> 192.168.1.1:80                      2        7        7      455      739\n';
  assert.equal(parseConnectionCounts(text), null);
});
