import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BuildInfo } from '../src/package-files.js';

function git(root: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

// the commit alone would claim a modified tree is that commit; "-dirty" says it is not
function commitOf(root: string): string {
  const head = git(root, ['rev-parse', '--short=12', 'HEAD']);
  if (head === null || head === '') return 'unknown';
  return git(root, ['status', '--porcelain', '--untracked-files=no']) === '' ? head : `${head}-dirty`;
}

/**
 * What a build of the tree at `root` is: package.json's version and the git commit checked out there;
 * "unknown" outside a git checkout (a build from the npm tarball), unless LVSYNC_BUILD_COMMIT names it.
 */
export function readBuildInfo(root: string, env: Readonly<Record<string, string | undefined>> = process.env): BuildInfo {
  const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string };
  return { version, commit: env.LVSYNC_BUILD_COMMIT || commitOf(root) };
}
