import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A keepalived track file: one integer and a newline, which keepalived (track_file, weight 1)
 * adds to the instance's priority. Written whole to a temporary file and renamed over the old one,
 * so keepalived, which re-reads on inotify, never reads half a number (an empty file reads as 0:
 * ready). The directory is created on first use (/run/lvsync is tmpfs and empty after a boot).
 */
export async function writeTrackFile(path: string, value: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${value}\n`, { mode: 0o644 });
  await rename(tmp, path);
}
