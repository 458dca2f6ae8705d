import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderBashCompletion, renderZshCompletion } from '../../packaging/completion.js';
import { COMMAND_NAMES, allFlags, helpRowOf } from '../../packaging/cli-table.js';
import { renderManPage } from '../../packaging/man.js';
import { COMMANDS, USAGE } from '../../src/cli/help.js';

/**
 * One option table: the options the CLI parses (src/cli/args.ts, src/cli/options.ts) are the ones
 * --help documents, and the man page and both shell completions are generated from them. A flag
 * added to the parser fails here until it has a help row; the generated files then carry it.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const man = renderManPage('0.0.0', '2026-01-01');
const bash = renderBashCompletion();
const zsh = renderZshCompletion();
const flags = allFlags();

test('the table has the commands and flags lvsync has', () => {
  assert.deepEqual([...COMMAND_NAMES].sort(), COMMANDS.map((c) => c.name).sort());
  for (const flag of ['--live', '--format', '--json', '--yes', '-y', '--help', '-h', '--version', '--log-format', '--health-concurrency']) assert.ok(flags.includes(flag), flag);
});

test('every flag the CLI parses has a --help row, and is in the man page and both completions', () => {
  for (const flag of flags) {
    const long = flag.startsWith('--');
    if (long) assert.ok(helpRowOf(flag), `${flag} has no row in src/cli/help.ts`);
    assert.match(USAGE, new RegExp(`(^|[ ,])${flag}\\b`, 'm'), `--help lacks ${flag}`);
    assert.ok(man.includes(flag.replaceAll('-', '\\-')), `the man page lacks ${flag}`);
    assert.match(bash, new RegExp(`["| ]${flag}[" |)]`), `the bash completion lacks ${flag}`);
    assert.match(zsh, new RegExp(`[{,'* ]${flag}[',}]`), `the zsh completion lacks ${flag}`);
  }
  for (const c of COMMAND_NAMES) {
    assert.ok(man.includes(`.B ${c.replaceAll('-', '\\-')}\n`), `the man page lacks ${c}`);
    assert.match(zsh, new RegExp(`'${c}:`));
  }
});

// bash's programmable completion, as the shell calls it: COMP_WORDS and COMP_CWORD in, COMPREPLY out
function complete(script: string, words: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-completion-'));
  try {
    writeFileSync(join(dir, 'lvsync'), script);
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c',
      `source ${dir}/lvsync && complete -p lvsync >/dev/null && COMP_WORDS=(${quoted}) && COMP_CWORD=${words.length - 1} && _lvsync && printf '%s\\n' "\${COMPREPLY[@]}"`],
    { encoding: 'utf8', cwd: root });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('bash completes commands, flags and their values', () => {
  assert.deepEqual(complete(bash, ['lvsync', 'pl']), ['plan']);
  assert.deepEqual(complete(bash, ['lvsync', 'plan', '--for']), ['--format']);
  assert.deepEqual(complete(bash, ['lvsync', 'plan', '--format', '']), ['text', 'json', 'markdown']);
  assert.deepEqual(complete(bash, ['lvsync', 'watch', '--log-format', 'p']), ['pretty']);
  assert.deepEqual(complete(bash, ['lvsync', 'import', 'k']), ['keepalived']);
  assert.deepEqual(complete(bash, ['lvsync', 'apply', '--no-d']), ['--no-drain']);
  assert.deepEqual(complete(bash, ['lvsync', 'validate', 'examples/nat-w']), ['examples/nat-web.yaml']);
});

const zshInstalled = spawnSync('zsh', ['--version']).status === 0;

test('the zsh completion is valid zsh', { skip: zshInstalled ? false : 'zsh is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsync-completion-'));
  try {
    writeFileSync(join(dir, '_lvsync'), zsh);
    const r = spawnSync('zsh', ['-n', join(dir, '_lvsync')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const groff = spawnSync('groff', ['--version']).status === 0;

test('the man page renders without a groff warning', { skip: groff ? false : 'groff is not installed' }, () => {
  const r = spawnSync('groff', ['-man', '-ww', '-z'], { input: man, encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
});

const pkg = join(root, 'dist/pkg');

test('npm run package wrote the page and completions these generators make', { skip: existsSync(join(pkg, 'man/lvsync.1')) ? false : 'not packaged (npm run package)' }, () => {
  const page = readFileSync(join(pkg, 'man/lvsync.1'), 'utf8');
  const [, date, version] = /^\.TH LVSYNC 1 "([^"]*)" "lvsync ([^"]*)"/.exec(page)!;
  assert.equal(page, renderManPage(version!, date!));
  assert.equal(readFileSync(join(pkg, 'completion/lvsync'), 'utf8'), bash);
  assert.equal(readFileSync(join(pkg, 'completion/_lvsync'), 'utf8'), zsh);
});
