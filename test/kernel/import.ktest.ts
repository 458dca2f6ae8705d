import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tempTree } from '../helpers/cli.js';
import { IN_VM, REPO, SKIP, freshNamespace, importAndApply, lvsync, sh, tableOf } from './helpers.js';

/**
 * `lvsync import ipvsadm` against ipvsadm itself, on the real kernel: every rules file of the corpus
 * that ipvsadm -R loads (test/fixtures/import/ipvsadm/cases.json) is loaded twice, each time into a
 * fresh network namespace (its own IPVS table): once with `grep -v '^#' FILE | ipvsadm -R`, as
 * ipvsadm-restore does, once with `lvsync import ipvsadm FILE > x.yaml && lvsync apply x.yaml --yes`.
 * The two tables must be the same (`-S -n` and the thresholds listing, compared as sets of lines: the
 * order ipvsadm prints is hash order, per namespace), and a second plan must be empty. Names resolve
 * through the VM's own /etc/hosts and /etc/services: only localhost and service names are used.
 */

const corpus = join(REPO, 'test/fixtures/import/ipvsadm');
const manifest = JSON.parse(readFileSync(join(corpus, 'cases.json'), 'utf8')) as { cases: Record<string, { kernel: boolean }> };
const cases = IN_VM ? Object.entries(manifest.cases).filter(([, c]) => c.kernel).map(([name]) => name).sort() : [];
const namespaces: string[] = [];

describe('import ipvsadm on the real kernel: the table lvsync applies is the table ipvsadm -R loads', { skip: SKIP }, () => {
  after(() => {
    for (const ns of namespaces) sh(`ip netns del ${ns}`);
  });

  for (const [i, name] of cases.entries()) {
    test(name, async () => {
      const file = join(corpus, `${name}.rules`);
      const dir = tempTree({});

      const byIpvsadm = freshNamespace(`imp-r${i}`, namespaces);
      const restore = sh(`grep -v '^#' ${file} | ip netns exec ${byIpvsadm} ipvsadm -R`);
      assert.equal(restore.code, 0, restore.stderr);
      assert.equal(restore.stderr, '');

      const byLvsync = freshNamespace(`imp-l${i}`, namespaces);
      const { file: imported, binary, state } = await importAndApply('ipvsadm', file, dir, byLvsync);

      const expected = await tableOf(byIpvsadm);
      assert.ok(expected.save.length > 0 || name === 'comments-only', 'ipvsadm -R loaded nothing');
      assert.deepEqual(await tableOf(byLvsync), expected);
      const again = await lvsync(['plan', imported, '--ipvsadm', binary, '--state-dir', state, '--detailed-exitcode']);
      assert.equal(again.code, 0, again.stdout + again.stderr);
    });
  }
});
