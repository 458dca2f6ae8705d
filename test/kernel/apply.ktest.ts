import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadDesired } from '../../src/desired/load.js';
import { formatSave } from '../../src/live/format-save.js';
import { tempTree } from '../helpers/cli.js';
import { IN_VM, REPO, SKIP, applicableExamples, ipvsadm, kernelTable, loadKernel, lvsync, resetKernel, spawnLvsync, tempStateDir } from './helpers.js';

const examplesDir = join(REPO, 'examples');
const examples = IN_VM ? applicableExamples(examplesDir) : [];

describe('examples on the real kernel: apply, then the second plan is empty and the kernel holds the desired table', { skip: SKIP }, () => {
  for (const name of examples) {
    test(name, async () => {
      const path = join(examplesDir, name);
      const state = tempStateDir();
      resetKernel();
      const apply = await lvsync(['apply', path, '--yes', '--state-dir', state]);
      assert.equal(apply.code, 0, apply.stdout + apply.stderr);
      const plan = await lvsync(['plan', path, '--state-dir', state, '--detailed-exitcode']);
      assert.equal(plan.code, 0, plan.stdout);
      const { state: desired } = await loadDesired([path]);
      assert.ok(desired);
      assert.equal(formatSave(kernelTable()), formatSave(desired.table));
    });
  }
});

describe('the real binary on the real kernel', { skip: SKIP }, () => {
  // Node starts slowly under emulation, so only apply and export spawn the binary; plans run in-process
  test('apply and export → plan round-trip through dist/src/cli/main.js', async () => {
    const state = tempStateDir();
    resetKernel();
    loadKernel('-A -t 172.16.0.1:22 -s rr\n-a -t 172.16.0.1:22 -r 172.16.0.10:22 -g -w 1\n');
    const path = join(examplesDir, 'multi-file');
    const apply = spawnLvsync(['apply', path, '--yes', '--state-dir', state]);
    assert.equal(apply.code, 0, apply.stdout + apply.stderr);
    assert.equal((await lvsync(['plan', path, '--state-dir', state, '--detailed-exitcode'])).code, 0);
    // the unowned service survived untouched
    assert.match(ipvsadm(['-S', '-n']).stdout, /^-a -t 172\.16\.0\.1:22 -r 172\.16\.0\.10:22 -g -w 1$/m);
    const exported = spawnLvsync(['export']);
    assert.equal(exported.code, 0, exported.stderr);
    const dir = tempTree({ 'exported.yaml': exported.stdout });
    const plan = await lvsync(['plan', join(dir, 'exported.yaml'), '--state-dir', tempStateDir(), '--detailed-exitcode']);
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
  });
});

describe('failure half-way through a batch on the real kernel', { skip: SKIP }, () => {
  test('a scheduler the kernel lacks: exit 1, precise report, other services applied; fixing the config converges', async () => {
    const state = tempStateDir();
    resetKernel();
    const yaml = (scheduler: string) => `version: 1
services:
  - { name: web, protocol: tcp, address: 10.20.0.1, port: 80, scheduler: wrr, realServers: [{ address: 10.21.0.1, port: 8080, method: nat, weight: 2 }] }
  - { name: api, protocol: tcp, address: 10.20.0.2, port: 443, scheduler: ${scheduler}, realServers: [{ address: 10.21.0.2 }, { address: 10.21.0.3 }] }
  - { name: dns, protocol: udp, address: 10.20.0.3, port: 53, scheduler: rr, realServers: [{ address: 10.21.0.4, port: 53, method: nat }] }
`;
    const dir = tempTree({ 'lb.yaml': yaml('twos') });
    const path = join(dir, 'lb.yaml');
    const r = await lvsync(['apply', path, '--yes', '--state-dir', state]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    // ip_vs_twos does not exist in 6.1: the kernel refuses the -A, -R carries on with the other lines
    assert.match(r.stderr, /Apply FAILED: 4 of 7 operation\(s\) took effect, 1 failed, 2 not attempted/);
    assert.match(r.stderr, /✗ ipvsadm -A -t 10\.20\.0\.2:443 -s twos\n\s+exit 255: Scheduler or persistence engine not found/);
    assert.match(r.stderr, /Not attempted:\n {2}- ipvsadm -a -t 10\.20\.0\.2:443 -r 10\.21\.0\.2:443 -g -w 1/);
    const save = ipvsadm(['-S', '-n']).stdout;
    assert.match(save, /^-a -t 10\.20\.0\.1:80 -r 10\.21\.0\.1:8080 -m -w 2$/m);
    assert.match(save, /^-a -u 10\.20\.0\.3:53 -r 10\.21\.0\.4:53 -m -w 1$/m);
    assert.doesNotMatch(save, /10\.20\.0\.2/);
    writeFileSync(path, yaml('rr'));
    const fixed = await lvsync(['apply', path, '--yes', '--state-dir', state]);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.match(fixed.stdout, /Plan: 3 to add, 0 to change, 0 to destroy/);
    assert.equal((await lvsync(['plan', path, '--state-dir', state, '--detailed-exitcode'])).code, 0);
  });

  test('invalid desired state changes nothing in the kernel', async () => {
    resetKernel();
    loadKernel('-A -t 10.20.0.1:80 -s wlc\n');
    const before = ipvsadm(['-S', '-n']).stdout;
    const dir = tempTree({ 'bad.yaml': 'version: 1\nservices:\n  - { protocol: tcp, address: 10.20.0.1, port: 80, realServers: [{ address: 10.21.0.1, port: 8080, method: dr }] }\n' });
    const r = await lvsync(['apply', join(dir, 'bad.yaml'), '--yes', '--state-dir', tempStateDir()]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /error\[DR_PORT_MISMATCH\]/);
    assert.equal(ipvsadm(['-S', '-n']).stdout, before);
  });
});
