import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineService, splitByService } from '../../src/ipvsadm/split-batch.js';

test('lineService: the service a -R line acts on; null for a line that is not a service\'s', () => {
  assert.equal(lineService('-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 1'), '-t 10.0.0.1:80');
  assert.equal(lineService('-D --tcp-service 10.0.0.1:80'), '-t 10.0.0.1:80', 'the long switch is the same service');
  assert.equal(lineService('-A --sctp-service [2001:db8::1]:80 -s rr'), '--sctp-service [2001:db8::1]:80');
  assert.equal(lineService('-e -f 7 -6 -r [2001:db8::2]:0 -g -w 3'), '-f 7', 'a mark of either family: one key');
  assert.equal(lineService('--set 900 120 300'), null);
  assert.equal(lineService('--start-daemon master --mcast-interface lo'), null);
  assert.equal(lineService('-Z'), null);
  assert.equal(lineService('-C'), null);
  assert.equal(lineService(''), null);
});

function rng(seed: number): () => number {
  let x = seed;
  return () => { x = (x * 1103515245 + 12345) % 2 ** 31; return x / 2 ** 31; };
}

test('splitByService: every line once, each service\'s lines in one part and in their order, parts about as long', () => {
  const random = rng(7);
  for (let round = 0; round < 50; round++) {
    const services = 2 + Math.floor(random() * 40);
    const lines: string[] = [];
    for (let i = 0; i < 50 + Math.floor(random() * 400); i++) {
      const s = Math.floor(random() * services);
      const kind = ['-a', '-d', '-e'][Math.floor(random() * 3)]!;
      lines.push(s % 5 === 0 ? `${kind} -f ${s} -r 10.1.${s}.${i % 250}:0 -g -w 1` : `${kind} -${s % 2 ? 't' : 'u'} 10.0.0.${s}:80 -r 10.1.${s}.${i % 250}:8080 -m -w ${i}`);
    }
    const input = `${lines.join('\n')}\n`;
    const parts = splitByService(input, 2)!;
    assert.ok(parts.length === 2, `round ${round}`);
    const partLines = parts.map((p) => { assert.ok(p.endsWith('\n')); return p.slice(0, -1).split('\n'); });
    assert.deepEqual([...partLines.flat()].sort(), [...lines].sort(), 'every line once');
    for (const part of partLines) {
      // in each part, the lines keep the input's order (so each service's do)
      const at = part.map((l) => lines.indexOf(l));
      assert.deepEqual(at, [...at].sort((a, b) => a - b));
    }
    const owners = new Map<string, number>();
    partLines.forEach((part, p) => part.forEach((l) => {
      const key = lineService(l)!;
      assert.equal(owners.get(key) ?? p, p, `${key} in both parts`);
      owners.set(key, p);
    }));
  }
  // many small services: the parts are within one service of each other
  const even = Array.from({ length: 400 }, (_, i) => `-a -t 10.0.${i >> 2}.1:80 -r 10.1.0.${i & 3}:80 -g -w 1`);
  const [a, b] = splitByService(`${even.join('\n')}\n`, 2)!;
  assert.equal(a!.split('\n').length, b!.split('\n').length);
});

test('splitByService: a batch with a line that is not a service\'s, of one service, or for one part stays whole', () => {
  const two = '-a -t 10.0.0.1:80 -r 10.1.0.1:80 -g -w 1\n-a -t 10.0.0.2:80 -r 10.1.0.1:80 -g -w 1\n';
  assert.equal(splitByService(`--set 900 120 300\n${two}`, 2), null);
  assert.equal(splitByService('-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.1.0.1:80 -g -w 1\n', 2), null);
  assert.equal(splitByService(two, 1), null);
  assert.deepEqual(splitByService(two, 2), ['-a -t 10.0.0.1:80 -r 10.1.0.1:80 -g -w 1\n', '-a -t 10.0.0.2:80 -r 10.1.0.1:80 -g -w 1\n']);
});
