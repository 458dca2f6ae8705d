import { readdir, stat } from 'node:fs/promises';
import { UsageError } from './io.js';

/**
 * `--live-dir DIR`: a directory of saved live tables, one per director, DIR/<director>.save
 * (published with `ipvsadm -S -n`, e.g. examples/ci/publish-snapshot.sh). plan reads one director's,
 * plan --all-directors every director's.
 */

const SAVE = /\.save$/;

/** The one message for a director without its snapshot, whether one or every director is planned. */
export function missingSnapshot(dir: string, director: string): string {
  return `lvsync: no snapshot for director ${director}: expected ${snapshotPath(dir, director)} (publish it with ipvsadm -S -n, e.g. examples/ci/publish-snapshot.sh, or remove ${director} from the config)\n`;
}

// whether the snapshot exists as a file (a missing one is reported by name, not as ENOENT)
export async function hasSnapshot(dir: string, director: string): Promise<boolean> {
  return stat(snapshotPath(dir, director)).then((s) => s.isFile(), () => false);
}

// the snapshot that stands for one director's live table
export function snapshotPath(dir: string, director: string): string {
  return `${dir.endsWith('/') ? dir : `${dir}/`}${director}.save`;
}

/** The directors DIR holds a snapshot for. */
export async function snapshotsIn(dir: string): Promise<string[]> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new UsageError(`--live-dir ${dir} is not a directory`);
    return (await readdir(dir)).filter((n) => SAVE.test(n) && !n.startsWith('.')).map((n) => n.replace(SAVE, ''));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--live-dir ${dir}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message}`);
  }
}
