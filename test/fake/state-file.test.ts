// Helpers tests use to prepare the fake's state: create a file, preload -S text, set counters.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { FakeKernel } from '../fake-ipvsadm/kernel.js';
import {
  createStateFile,
  findServer,
  preloadSave,
  preloadStateFile,
  readState,
  setServerCounters,
  setServiceStats,
  updateState,
} from '../fake-ipvsadm/state-file.js';

const SAVE = [
  '-A -t 10.0.0.1:80 -s wlc',
  '-a -t 10.0.0.1:80 -r 192.168.1.10:8080 -m -w 3',
  '-A -u [2001:db8::1]:53 -s rr -p 60 -M 64',
  '-a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -m -w 1',
  '-A -f 3000000000 -s sh -b sh-port',
  '',
].join('\n');

describe('fake state file helpers', () => {
  test('createStateFile + preloadStateFile + readState round-trip through -S', () => {
    const path = createStateFile();
    preloadStateFile(path, SAVE);
    const r = runIpvsadm(readState(path), ['-S', '-n']);
    assert.equal(r.exitCode, 0);
    assert.equal(
      r.stdout,
      [
        '-A -f -1294967296 -s sh -b sh-port',
        '-A -t 10.0.0.1:80 -s wlc',
        '-a -t 10.0.0.1:80 -r 192.168.1.10:8080 -m -w 3',
        '-A -u [2001:db8::1]:53 -s rr -p 60 -M 64',
        '-a -u [2001:db8::1]:53 -r [2001:db8::2]:53 -m -w 1',
        '',
      ].join('\n'),
    );
  });

  test('createStateFile accepts an initialiser (schedulers, interfaces ...)', () => {
    const path = createStateFile(undefined, (k) => {
      k.state.schedulers.push('twos');
    });
    const k = readState(path);
    assert.equal(runIpvsadm(k, ['-A', '-t', '10.0.0.1:80', '-s', 'twos']).exitCode, 0);
  });

  test('preloadSave throws when a line fails', () => {
    const k = new FakeKernel();
    assert.throws(() => preloadSave(k, '-A -t 10.0.0.1:80\n-A -t 10.0.0.1:80\n'), /Service already exists/);
  });

  test('counters and stats show up in the listings', () => {
    const path = createStateFile();
    preloadStateFile(path, SAVE);
    updateState(path, (k) => {
      setServerCounters(k, '-t 10.0.0.1:80', '192.168.1.10:8080', {
        activeConns: 7,
        inactConns: 2,
        persistConns: 1,
        stats: { conns: 123456789, inbytes: 5 },
      });
      setServiceStats(k, '-t 10.0.0.1:80', { conns: 9, cps: 3 });
      assert.throws(() => findServer(k, '-f 3000000000', '192.168.1.1:0'), /no server/);
      assert.equal(findServer(k, '-u [2001:db8::1]:53', '[2001:db8::2]:53').weight, 1);
    });
    const k = readState(path);
    assert.equal(
      runIpvsadm(k, ['-L', '-n', '-t', '10.0.0.1:80', '--persistent-conn']).stdout,
      'Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n' +
        '  -> RemoteAddress:Port\n' +
        'TCP  10.0.0.1:80 wlc\n' +
        '  -> 192.168.1.10:8080            3         1           7          2         \n',
    );
    assert.equal(
      runIpvsadm(k, ['-L', '-n', '-t', '10.0.0.1:80', '--stats']).stdout,
      'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n' +
        '  -> RemoteAddress:Port\n' +
        'TCP  10.0.0.1:80                         9        0        0        0        0\n' +
        '  -> 192.168.1.10:8080             123456K        0        0        5        0\n',
    );
    assert.match(runIpvsadm(k, ['-L', '-n', '--stats', '--exact']).stdout, / {2}-> 192\.168\.1\.10:8080 {12}123456789 {8}0/);
    assert.match(runIpvsadm(k, ['-L', '-n', '--rate']).stdout, /TCP {2}10\.0\.0\.1:80 {25}3 {8}0/);
  });

  test('the state is plain JSON', () => {
    const k = new FakeKernel();
    preloadSave(k, SAVE);
    const copy = FakeKernel.fromJSON(JSON.stringify(k));
    assert.deepEqual(runIpvsadm(copy, ['-S', '-n']), runIpvsadm(k, ['-S', '-n']));
  });
});
