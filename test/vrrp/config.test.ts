import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDesiredSources } from '../../src/desired/parse.js';

const SERVICES = `version: 1
services:
  - name: web
    protocol: tcp
    address: 192.168.30.10
    port: 80
    directors: [lb1, lb2]
    realServers: [{ address: 10.30.0.11, port: 8080, method: nat }]
`;
const errors = (files: Record<string, string>, director?: string) => parseDesiredSources(Object.entries(files).map(([file, text]) => ({ file, text })), { director })
  .diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.file, d.line, d.col]);

describe('vrrp in the desired state', () => {
  it('an unknown service name is VRRP at the name', () => {
    const text = `${SERVICES}vrrp:\n  instances:\n    VI_1: { services: [web, wbe] }\n`;
    assert.deepEqual(errors({ 'a.yaml': text }, 'lb1'), [['VRRP', 'a.yaml', 11, 29]]);
  });

  it('addresses pick the services on those VIPs (a /prefix is ignored, an unused VIP is fine); a bad address is VRRP', () => {
    const text = `${SERVICES}  - { protocol: udp, address: 192.168.30.10, port: 53, directors: [lb1], realServers: [{ address: 10.30.0.11, method: nat }] }
vrrp:
  instances:
    VI_1: { addresses: [192.168.30.10/24, 192.168.30.254] }
    VI_2: { addresses: [192.168.30.10], services: [web] }
`;
    const spec = parseDesiredSources([{ file: 'a.yaml', text }], { director: 'lb1' }).state!.vrrp!;
    assert.deepEqual(spec.instances.map((i) => i.services), [['tcp|192.168.30.10|80', 'udp|192.168.30.10|53'], ['tcp|192.168.30.10|80', 'udp|192.168.30.10|53']]);
    assert.deepEqual(errors({ 'a.yaml': `${SERVICES}vrrp:\n  instances:\n    VI_1: { addresses: [lb-vip] }\n` }, 'lb1'), [['VRRP', 'a.yaml', 11, 25]]);
  });

  it('two instances writing one track file is VRRP at the second', () => {
    const text = `${SERVICES}vrrp:\n  instances:\n    VI_1: { trackFile: /run/x }\n    VI_2: { trackFile: /run/x }\n`;
    assert.deepEqual(errors({ 'a.yaml': text }, 'lb1'), [['VRRP', 'a.yaml', 12, 24]]);
  });

  it('vrrp in two files is VRRP at the second file', () => {
    const v = 'version: 1\nvrrp:\n  instances: { VI_1: {} }\n';
    assert.deepEqual(errors({ 'a.yaml': SERVICES, 'b.yaml': v, 'c.yaml': v }, 'lb1'), [['VRRP', 'c.yaml', 2, 1]]);
  });

  it('schema: weight out of range, a relative track file, no instances', () => {
    const text = `${SERVICES}vrrp:\n  instances:\n    VI_1: { weight: 5, trackFile: run/x }\n`;
    assert.deepEqual(errors({ 'a.yaml': text }).map((e) => e[0]), ['SCHEMA', 'SCHEMA']);
    assert.deepEqual(errors({ 'a.yaml': `${SERVICES}vrrp: { grace: 1s }\n` }).map((e) => e[0]), ['SCHEMA']);
  });

  it('overrides.<director>.vrrp replaces the files\' block on that director only', () => {
    const text = `${SERVICES}vrrp:\n  instances: { VI_1: { weight: -50 } }\noverrides:\n  lb2:\n    vrrp: { grace: 0s, instances: { VI_2: { weight: -254 } } }\n`;
    const on = (director: string) => parseDesiredSources([{ file: 'a.yaml', text }], { director }).state!.vrrp!;
    assert.deepEqual(on('lb1').instances.map((i) => [i.name, i.weight]), [['VI_1', -50]]);
    assert.equal(on('lb1').graceMs, 5000);
    assert.deepEqual(on('lb2').instances.map((i) => [i.name, i.weight]), [['VI_2', -254]]);
    assert.equal(on('lb2').graceMs, 0);
  });
});
