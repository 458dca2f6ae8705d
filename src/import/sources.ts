import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import type { ImportSources } from './types.js';

/**
 * ImportSources over the file system, for the CLI (tests give importers an in-memory one). glob
 * follows glob(3), which keepalived's `include` uses: `*`, `?` and `[...]` within one path
 * component, a leading `.` matched only by a pattern that starts with one, results sorted.
 */
export function fileSources(): ImportSources {
  return {
    read: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    glob: (pattern, relativeTo) => globPaths(isAbsolute(pattern) ? pattern : join(dirname(relativeTo), pattern)),
  };
}

const WILDCARD = /[*?[]/;

function globPaths(pattern: string): string[] {
  const parts = pattern.split(sep);
  let found = [parts[0] === '' ? sep : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    if (!WILDCARD.test(part)) {
      found = found.map((p) => join(p, part));
      continue;
    }
    const match = componentMatcher(part);
    found = found.flatMap((dir) => {
      try {
        return readdirSync(dir).filter(match).sort().map((name) => join(dir, name));
      } catch {
        return [];
      }
    });
  }
  return found.filter((p) => exists(p)).sort();
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** One path component of a glob pattern as a test on a directory entry's name. */
function componentMatcher(part: string): (name: string) => boolean {
  let source = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const close = part.indexOf(']', i + 2);
      if (close < 0) { source += '\\['; continue; }
      let set = part.slice(i + 1, close);
      if (set.startsWith('!')) set = `^${set.slice(1)}`;
      source += `[${set.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`);
  const dotted = part.startsWith('.');
  return (name) => (dotted || !name.startsWith('.')) && re.test(name);
}
