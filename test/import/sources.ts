import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { ImportSources } from '../../src/import/types.js';

/**
 * ImportSources over a fixture directory: paths are relative to `root` ("keepalived.conf",
 * "conf.d/web.conf"), so positions in the notes are stable; a glob is matched one path segment at
 * a time (`*`, `?`, `[…]`), relative to the directory of the including file, results sorted.
 */
export function diskSources(root: string): ImportSources {
  const full = (p: string) => posix.join(root, p);
  return {
    read: (p) => (existsSync(full(p)) && statSync(full(p)).isFile() ? readFileSync(full(p), 'utf8') : null),
    glob: (pattern, relativeTo) => globIn(pattern.startsWith('/') ? pattern : posix.join(posix.dirname(relativeTo), pattern), (dir) => {
      const d = full(dir);
      return existsSync(d) && statSync(d).isDirectory() ? readdirSync(d) : [];
    }, (p) => existsSync(full(p)) && statSync(full(p)).isFile()),
  };
}

/** ImportSources over files in memory, keyed by path. */
export function memorySources(files: Readonly<Record<string, string>>): ImportSources {
  const paths = Object.keys(files);
  return {
    read: (p) => files[p] ?? null,
    glob: (pattern, relativeTo) => {
      const wanted = posix.normalize(pattern.startsWith('/') ? pattern : posix.join(posix.dirname(relativeTo), pattern));
      const re = globRegex(wanted);
      return paths.filter((p) => re.test(posix.normalize(p))).sort();
    },
  };
}

function globIn(pattern: string, list: (dir: string) => string[], isFile: (p: string) => boolean): string[] {
  const segments = posix.normalize(pattern).split('/');
  let current = [''];
  segments.forEach((segment, k) => {
    const last = k === segments.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!/[*?[]/.test(segment)) { next.push(dir === '' ? segment : posix.join(dir, segment)); continue; }
      const re = globRegex(segment);
      for (const name of list(dir === '' ? '.' : dir)) if (re.test(name)) next.push(dir === '' ? name : posix.join(dir, name));
    }
    current = last ? next.filter(isFile) : next;
  });
  return current.sort();
}

function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') { const end = glob.indexOf(']', i + 1); re += glob.slice(i, end + 1); i = end; }
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
