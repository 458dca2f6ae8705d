/**
 * `npm run package`: everything issue 15 ships, from a built tree (`npm run build`), into dist/pkg/:
 * the single executable lvsync-<version>-linux-<arch>; the man page (man/lvsync.1) and the bash and
 * zsh completions (completion/lvsync, completion/_lvsync), generated from the option table that prints
 * --help; lvsync_<version>-1_amd64.deb (deb.ts) and lvsync-<version>-1.x86_64.rpm (rpm.ts) with the
 * same files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildInfo } from '../src/package-files.js';
import { bundle } from './bundle.js';
import { renderBashCompletion, renderZshCompletion } from './completion.js';
import { renderManPage } from './man.js';
import { renderDebianChangelog } from './changelog.js';
import { MAINTAINER, buildDeb } from './deb.js';
import { buildRpm } from './rpm.js';
import { buildExecutable } from './sea.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'dist/pkg');
const work = join(out, 'build');
const info = JSON.parse(readFileSync(join(root, 'dist/src/build-info.json'), 'utf8')) as BuildInfo;

rmSync(out, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const bundleFile = join(work, 'lvsync.cjs');
const warnings = await bundle(root, bundleFile);
for (const w of warnings) process.stderr.write(`package: esbuild: ${w}\n`);

const executable = join(out, `lvsync-${info.version}-linux-${process.arch}`);
await buildExecutable(bundleFile, executable, work);
process.stdout.write(`package: ${executable}\n`);

// the page's date: the commit's, so a rebuild of the same tree makes the same page
function pageDate(): string {
  try {
    return execFileSync('git', ['log', '-1', '--format=%cs'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

mkdirSync(join(out, 'man'));
writeFileSync(join(out, 'man/lvsync.1'), renderManPage(info.version, pageDate()));
mkdirSync(join(out, 'completion'));
writeFileSync(join(out, 'completion/lvsync'), renderBashCompletion());
writeFileSync(join(out, 'completion/_lvsync'), renderZshCompletion());
process.stdout.write(`package: ${join(out, 'man')}, ${join(out, 'completion')}\n`);

// dpkg's changelog: the commit's date, in the RFC 2822 form Debian wants
function changelogDate(): string {
  try {
    return execFileSync('git', ['log', '-1', '--format=%aD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return new Date().toUTCString().replace('GMT', '+0000');
  }
}

writeFileSync(join(work, 'changelog.Debian'), renderDebianChangelog(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), `${info.version}-1`, MAINTAINER, changelogDate()));
process.stdout.write(`package: ${buildDeb(root, info.version, executable.slice(root.length), out)}\n`);

function commitDate(): Date {
  try {
    return new Date(execFileSync('git', ['log', '-1', '--format=%cI'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return new Date();
  }
}

process.stdout.write(`package: ${buildRpm(root, info.version, executable.slice(root.length), out, commitDate())}\n`);
