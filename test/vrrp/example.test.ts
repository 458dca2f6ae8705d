import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadDesired } from '../../src/desired/load.js';

/** examples/pair: what lvsync writes is what each keepalived reads, and keepalived accepts its file. */
const PAIR = fileURLToPath(new URL('../../../examples/pair/', import.meta.url));
const hasKeepalived = spawnSync('keepalived', ['--version']).status === 0;

test('examples/pair: each keepalived file tracks the file lvsync writes and names the FIFO lvsync reads', async () => {
  const { state } = await loadDesired([PAIR]);
  const vrrp = state!.vrrp!;
  for (const director of ['lb1', 'lb2']) {
    const conf = readFileSync(`${PAIR}keepalived-${director}.conf`, 'utf8');
    for (const instance of vrrp.instances) {
      assert.match(conf, new RegExp(`track_file lvsync_${instance.name} \\{[^}]*file ${instance.trackFile}\\s[^}]*weight 1\\b`), director);
      assert.match(conf, new RegExp(`vrrp_instance ${instance.name} \\{[\\s\\S]*track_file \\{\\s*lvsync_${instance.name}\\s*\\}`), director);
    }
    assert.match(conf, new RegExp(`vrrp_notify_fifo ${vrrp.notifyFifo}\\s`), director);
  }
});

test('examples/pair: keepalived -t accepts both files', { skip: hasKeepalived ? false : 'keepalived is not installed' }, () => {
  for (const director of ['lb1', 'lb2']) {
    const r = spawnSync('keepalived', ['-t', '-f', `${PAIR}keepalived-${director}.conf`], { encoding: 'utf8' });
    // exit 5 is a warning, e.g. "interface eth0 doesn't exist" on a machine without it
    assert.ok(r.status === 0 || (r.status === 5 && /doesn't exist/.test(r.stderr) && !/Unknown keyword/.test(r.stderr)), `${director}: ${r.status} ${r.stderr}`);
  }
});
