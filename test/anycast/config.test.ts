import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';

const SERVICES = `version: 1
services:
  - { name: web, protocol: tcp, address: 10.70.0.10, port: 80, scheduler: mh, realServers: [{ address: 10.70.1.11, method: dr }] }
  - { name: dns, protocol: udp, address: 10.70.0.10, port: 53, scheduler: mh, realServers: [{ address: 10.70.1.11, method: dr }] }
  - { name: v6, protocol: tcp, address: "2001:db8::10", port: 80, scheduler: mh, realServers: [{ address: "2001:db8:1::11", method: dr }] }
`;
const parse = (text: string, director?: string) => parseDesiredSources([{ file: 'a.yaml', text }], { director });
const errors = (text: string) => parse(text).diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.line, d.col]);

describe('anycast in the desired state', () => {
  it('each VIP gets the services on it, the block\'s route attributes unless it has its own, and /32 or /128', () => {
    const text = `${SERVICES}anycast:\n  med: 100\n  communities: ["65000:1"]\n  vips:\n    - { address: 10.70.0.10, med: 50 }\n    - { address: "2001:db8::10", nextHop: "2001:db8::2", minHealthy: 2 }\n`;
    const spec = parse(text).state!.anycast!;
    assert.deepEqual(spec.vips.map((v) => [v.prefix, v.services, v.nextHop, v.med, v.communities, v.minHealthy]), [
      ['10.70.0.10/32', ['tcp|10.70.0.10|80', 'udp|10.70.0.10|53'], 'self', 50, ['65000:1'], 1],
      ['2001:db8::10/128', ['tcp|2001:db8::10|80'], '2001:db8::2', 100, ['65000:1'], 2],
    ]);
    assert.equal(spec.graceMs, 30_000);
    assert.equal(spec.stateFile, '/run/lvsync/anycast.json');
  });

  it('a VIP no service uses, one listed twice, a next hop of the other family and a bad community are errors at their place', () => {
    assert.deepEqual(errors(`${SERVICES}anycast:\n  vips:\n    - address: 10.70.0.99\n`), [['ANYCAST', 8, 16]]);
    assert.deepEqual(errors(`${SERVICES}anycast:\n  vips:\n    - address: 10.70.0.10\n    - address: 10.70.00.10\n`).length, 1);
    assert.deepEqual(errors(`${SERVICES}anycast:\n  vips:\n    - { address: 10.70.0.10, nextHop: "2001:db8::2" }\n`), [['ANYCAST', 8, 39]]);
    assert.deepEqual(errors(`${SERVICES}anycast:\n  communities: ["65000"]\n  vips: [{ address: 10.70.0.10 }]\n`).map((e) => e[0]), ['SCHEMA']);
  });

  it('overrides.<director>.anycast replaces the block on that director (its own MED)', () => {
    const text = `${SERVICES.replace(/scheduler: mh,/g, 'scheduler: mh, directors: [lb1, lb2],')}anycast:\n  med: 100\n  vips: [{ address: 10.70.0.10 }]\noverrides:\n  lb2:\n    anycast: { med: 200, vips: [{ address: 10.70.0.10 }] }\n`;
    assert.equal(parse(text, 'lb1').state!.anycast!.vips[0]!.med, 100);
    assert.equal(parse(text, 'lb2').state!.anycast!.vips[0]!.med, 200);
  });
});
