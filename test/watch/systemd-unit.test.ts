import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';

const REPO = new URL('../../../', import.meta.url).pathname;
const DIR = join(REPO, 'examples/systemd');
const unit = readFileSync(join(DIR, 'lvsync.service'), 'utf8');
const directives = (name: string) => unit.split('\n').filter((l) => l.startsWith(`${name}=`)).map((l) => l.slice(name.length + 1));

test('the unit is hardened as issue 4 asks: only CAP_NET_ADMIN, a read-only system, a state directory, no private network', () => {
  assert.deepEqual(directives('CapabilityBoundingSet'), ['CAP_NET_ADMIN']);
  assert.deepEqual(directives('ProtectSystem'), ['strict']);
  assert.deepEqual(directives('StateDirectory'), ['lvsync']);
  assert.deepEqual(directives('NoNewPrivileges'), ['yes']);
  assert.deepEqual(directives('PrivateNetwork'), [], 'IPVS is per network namespace: a private one would configure an empty table');
  assert.deepEqual(directives('ExecReload'), ['/bin/kill -HUP $MAINPID']);
});

test("the unit's ExecStart is a command line lvsync accepts", async () => {
  const [exec] = directives('ExecStart');
  const argv = exec!.split(/\s+/).slice(1);
  assert.equal(argv[0], 'watch');
  const r = await runCli([...argv, '--help']);
  assert.equal(r.code, 0, r.stderr);
});

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

test('systemd-analyze verify accepts the units', { skip: analyze ? false : 'systemd-analyze is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-units-'));
  for (const name of ['lvsync.service', 'lvsync-git-pull.service', 'lvsync-git-pull.timer']) copyFileSync(join(DIR, name), join(dir, name));
  // verify checks that ExecStart exists; lvsync is not installed here
  writeFileSync(join(dir, 'lvsync.service'), unit.replace('/usr/bin/lvsync ', '/bin/true '));
  const gitMissing = !existsSync('/usr/bin/git');
  const files = ['lvsync.service', 'lvsync-git-pull.timer', ...(gitMissing ? [] : ['lvsync-git-pull.service'])].map((n) => join(dir, n));
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...files], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  // verify also loads the units ours pull in (multi-user.target's wants) and warns about them:
  // Debian's ldirectord.service, installed for the kernel suite, has KillMode=none. Only ours count.
  const elsewhere = (l: string) => /^\/\S+:\d+: /.test(l) && !l.startsWith(`${dir}/`);
  const ours = r.stderr.split('\n').filter((l) => l.trim() !== '' && !elsewhere(l));
  assert.deepEqual(ours, [], r.stderr);
});
