import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addrAddArgv, addrDelArgv, listsAddress, parseAddrShow } from '../../src/host/ip-addr.js';
import { diffAddresses, nextOwnedAddresses } from '../../src/plan/addresses.js';
import { boundAddressKey, parseBoundAddressKey, type BoundAddress, type LiveAddresses } from '../../src/model/vips.js';
import { parseInventory } from '../../src/state/inventory.js';

/** The pure parts of VIP addresses: `ip -o addr` reading, the plan's ownership rule, the inventory field. */

// recorded with iproute2 6.1 in the VM (test/kernel/vm.sh)
const SHOW = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet 10.0.0.10/32 scope global noprefixroute lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 fd00::10/128 scope global nodad noprefixroute \\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
`;

test('ip -o addr show: every address with its prefix, canonical', () => {
  assert.deepEqual(parseAddrShow(SHOW).map((a) => `${a.device} ${a.address}/${a.prefix}`), ['lo 127.0.0.1/8', 'lo 10.0.0.10/32', 'lo fd00::10/128', 'lo ::1/128']);
  assert.equal(listsAddress(SHOW, 'FD00:0::10'), true);
  assert.equal(listsAddress(SHOW, '10.0.0.1'), false);
});

const v4: BoundAddress = { address: '10.0.0.10', family: 'ipv4', device: 'lo' };
const v6: BoundAddress = { address: 'fd00::10', family: 'ipv6', device: 'lo' };

test('the commands: noprefixroute always, nodad for IPv6', () => {
  assert.deepEqual(addrAddArgv(v4), ['ip', 'addr', 'add', '10.0.0.10/32', 'dev', 'lo', 'noprefixroute']);
  assert.deepEqual(addrAddArgv(v6), ['ip', 'addr', 'add', 'fd00::10/128', 'dev', 'lo', 'noprefixroute', 'nodad']);
  assert.deepEqual(addrDelArgv(v6), ['ip', 'addr', 'del', 'fd00::10/128', 'dev', 'lo']);
});

const desired = (...a: BoundAddress[]) => ({ addresses: new Map(a.map((x) => [boundAddressKey(x), x])) });
const live = (lo: string[] | null): LiveAddresses => new Map([['lo', lo?.map((t) => ({ address: t.split('/')[0]!, prefix: Number(t.split('/')[1]) })) ?? null]]);
const kinds = (r: ReturnType<typeof diffAddresses>) => r.changes.map((c) => `${c.kind} ${'address' in c ? boundAddressKey(c.address) : ''}`);

test('ownership: present and not owned is left alone; owned and unwanted is deleted; unowned and unwanted never', () => {
  assert.deepEqual(kinds(diffAddresses(desired(v4), live(['10.0.0.10/32']), new Set())), []);
  assert.deepEqual(kinds(diffAddresses(desired(v4), live(['10.0.0.10/24']), new Set())), [], 'the VIP with another prefix counts as there');
  assert.deepEqual(kinds(diffAddresses(desired(), live(['10.0.0.10/32']), new Set())), []);
  assert.deepEqual(kinds(diffAddresses(desired(), live(['10.0.0.10/32']), new Set(['10.0.0.10/32 lo']))), ['delete-address 10.0.0.10/32 lo']);
  assert.deepEqual(kinds(diffAddresses(undefined, live(['10.0.0.10/32']), new Set(['10.0.0.10/32 lo']))), ['delete-address 10.0.0.10/32 lo']);
  // owned, but what is there now is an operator's /24: not what lvsync added
  assert.deepEqual(kinds(diffAddresses(desired(), live(['10.0.0.10/24']), new Set(['10.0.0.10/32 lo']))), []);
  assert.deepEqual(kinds(diffAddresses(desired(v4, v6), live([]), new Set(['10.0.0.10/32 lo']))), ['add-address 10.0.0.10/32 lo', 'add-address fd00::10/128 lo']);
  assert.equal(diffAddresses(desired(v4), undefined, new Set()).warnings[0]?.code, 'ADDRESSES_NOT_OBSERVED');
  assert.deepEqual(diffAddresses(undefined, undefined, new Set()), { changes: [], warnings: [] });
});

test('after an apply lvsync owns what it added that is there, and what it owned that is still there', () => {
  const added = diffAddresses(desired(v4, v6), live([]), new Set()).changes;
  assert.deepEqual(nextOwnedAddresses([], added, live(['10.0.0.10/32'])), ['10.0.0.10/32 lo']);
  assert.deepEqual(nextOwnedAddresses(['fd00::10/128 lo'], [], live(['fd00::10/128'])), ['fd00::10/128 lo']);
  assert.deepEqual(nextOwnedAddresses(['fd00::10/128 lo'], [], live([])), []);
  assert.deepEqual(nextOwnedAddresses(['fd00::10/128 lo'], [], undefined), ['fd00::10/128 lo']);
});

test('inventory: addresses round-trip, an old inventory without them still reads, anything else is refused', () => {
  assert.deepEqual(parseBoundAddressKey('fd00::10/128 lo'), v6);
  for (const bad of ['10.0.0.10/24 lo', 'FD00::10/128 lo', '10.0.0.10/32', '10.0.0.10 lo', '10.0.0.10/32 a/b']) assert.equal(parseBoundAddressKey(bad), null, bad);
  const old = parseInventory('{"version": 1, "services": ["tcp|10.0.0.1|80"], "thresholds": false}');
  assert.ok('ok' in old && old.ok.addresses === undefined);
  const now = parseInventory('{"version": 1, "services": [], "thresholds": false, "addresses": ["10.0.0.10/32 lo", "fd00::10/128 eth1"]}');
  assert.ok('ok' in now);
  assert.deepEqual(now.ok.addresses, ['10.0.0.10/32 lo', 'fd00::10/128 eth1']);
  assert.ok('invalid' in parseInventory('{"version": 1, "services": [], "addresses": ["10.0.0.10/24 lo"]}'));
  assert.ok('invalid' in parseInventory('{"version": 1, "services": [], "addresses": "10.0.0.10/32 lo"}'));
});
