import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UNITS, installedFiles, unitDir } from '../../packaging/layout.js';

/**
 * The .deb of `npm run package`, installed with `dpkg --root -i` into a throwaway root that has an
 * empty dpkg database (so its dependencies are forced: the root has no ipvsadm): every file of
 * packaging/layout.ts and nothing else, the control fields, a working lvsync, units systemd accepts,
 * a man page man renders and a completion bash uses. Skipped until the package is built (.ci/run
 * builds it).
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const deb = join(root, `dist/pkg/lvsync_${version}-1_amd64.deb`);
const skip = existsSync(deb) ? false : `${deb} is not built (npm run package)`;

const target = mkdtempSync(join(tmpdir(), 'lvsync-deb-'));
const dpkg = (...args: string[]) => spawnSync('dpkg', [`--root=${target}`, ...args], { encoding: 'utf8' });
if (!skip) {
  mkdirSync(join(target, 'var/lib/dpkg/info'), { recursive: true });
  mkdirSync(join(target, 'var/lib/dpkg/updates'));
  writeFileSync(join(target, 'var/lib/dpkg/status'), '');
  const r = dpkg('--force-depends', '-i', deb);
  if (r.status !== 0) throw new Error(`dpkg -i failed: ${r.stderr}`);
}
test.after(() => rmSync(target, { recursive: true, force: true }));

// the installed files, without dpkg's own database
const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
  const path = join(dir, name);
  if (path === join(target, 'var')) return [];
  return statSync(path).isDirectory() ? walk(path) : [path.slice(target.length)];
});

test('dpkg installs the package: installed, with the example desired state as its conffile', { skip }, () => {
  assert.match(dpkg('-s', 'lvsync').stdout, /^Status: install ok installed$/m);
  assert.match(dpkg('-s', 'lvsync').stdout, /^Conffiles:\n \/etc\/lvsync\/desired\/lvsync\.yaml [0-9a-f]{32}$/m);
});

test('the package installs exactly the files of the layout, with their modes', { skip }, () => {
  const expected = installedFiles('deb', '').map((f) => f.path);
  assert.deepEqual(walk(target).sort(), expected.sort());
  for (const f of installedFiles('deb', '')) assert.equal(statSync(join(target, f.path)).mode & 0o777, f.mode, f.path);
});

test('control: lvsync depends on ipvsadm, and the example desired state is a conffile', { skip }, () => {
  const field = (name: string) => execFileSync('dpkg-deb', ['-f', deb, name], { encoding: 'utf8' }).trim();
  assert.equal(field('Package'), 'lvsync');
  assert.equal(field('Version'), `${version}-1`);
  assert.equal(field('Architecture'), 'amd64');
  assert.match(field('Depends'), /(^|, )ipvsadm(,|$)/);
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-control-'));
  try {
    execFileSync('dpkg-deb', ['-e', deb, dir]);
    assert.equal(readFileSync(join(dir, 'conffiles'), 'utf8'), '/etc/lvsync/desired/lvsync.yaml\n');
    assert.deepEqual(readdirSync(dir).sort(), ['conffiles', 'control', 'md5sums'], 'no maintainer scripts: the units are not enabled');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the installed lvsync runs and accepts the installed example; ip_vs is loaded at boot', { skip }, () => {
  const lvsync = join(target, 'usr/bin/lvsync');
  assert.match(execFileSync(lvsync, ['--version'], { encoding: 'utf8' }), new RegExp(`^lvsync ${version.replaceAll('.', '\\.')} \\(commit `));
  const r = spawnSync(lvsync, ['validate', join(target, 'etc/lvsync/desired')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /0 service\(s\)/, 'the example declares nothing until it is edited');
  assert.deepEqual(readFileSync(join(target, 'usr/lib/modules-load.d/lvsync.conf'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')), ['ip_vs']);
});

const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;

test('systemd-analyze verify accepts the installed units', { skip: skip || (analyze ? false : 'systemd-analyze is not installed') }, () => {
  const units = join(target, unitDir('deb'));
  // verify checks that ExecStart's program exists on this machine: point it at the installed one
  const copies = mkdtempSync(join(tmpdir(), 'lvsync-units-'));
  try {
    for (const unit of UNITS) writeFileSync(join(copies, unit), readFileSync(join(units, unit), 'utf8').replaceAll('/usr/bin/lvsync ', `${target}/usr/bin/lvsync `));
    const files = UNITS.filter((u) => u !== 'lvsync-git-pull.service' || existsSync('/usr/bin/git')).map((u) => join(copies, u));
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...files], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    // verify also reads the machine's own units and warns about theirs (Debian's ldirectord.service:
    // KillMode=none); only lines about ours count
    const ours = r.stderr.split('\n').filter((l) => UNITS.some((u) => l.includes(u)));
    assert.deepEqual(ours, [], r.stderr);
  } finally {
    rmSync(copies, { recursive: true, force: true });
  }
});

const man = spawnSync('man', ['--version']).status === 0;

test('man renders the installed page', { skip: skip || (man ? false : 'man is not installed') }, () => {
  const r = spawnSync('man', ['-l', join(target, 'usr/share/man/man1/lvsync.1.gz')], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '', LC_ALL: 'C.UTF-8', MANPAGER: 'cat', PAGER: 'cat' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^LVSYNC\(1\)/);
  assert.match(r.stdout, /--format FORMAT/);
  assert.match(r.stdout, /EXIT STATUS/);
});

test('the installed bash completion completes lvsync pl to plan and --for to --format', { skip }, () => {
  const script = join(target, 'usr/share/bash-completion/completions/lvsync');
  const complete = (words: string) => execFileSync('bash', ['--norc', '--noprofile', '-c',
    `source ${script} && complete -p lvsync >/dev/null && COMP_WORDS=(${words}) && COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )) && _lvsync && echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' }).trim();
  assert.equal(complete('lvsync pl'), 'plan');
  assert.equal(complete('lvsync plan --for'), '--format');
});

const lintian = spawnSync('lintian', ['--version']).status === 0;

// the warnings kept, and why, are listed in docs/packaging.md
test('lintian finds no error in the package', { skip: skip || (lintian ? false : 'lintian is not installed') }, () => {
  const r = spawnSync('lintian', ['--fail-on', 'error', deb], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /^E: /m, r.stdout);
});

// last: removes the package from the throwaway root
test('removing the package keeps the edited desired state; purging deletes it', { skip }, () => {
  const conf = join(target, 'etc/lvsync/desired/lvsync.yaml');
  writeFileSync(conf, 'version: 1\n# edited\n');
  assert.equal(dpkg('-r', 'lvsync').status, 0);
  assert.equal(existsSync(join(target, 'usr/bin/lvsync')), false);
  assert.equal(readFileSync(conf, 'utf8'), 'version: 1\n# edited\n');
  assert.equal(dpkg('-P', 'lvsync').status, 0);
  assert.equal(existsSync(conf), false);
});
