import { basename, dirname } from 'node:path';
import { writeStateFile } from '../state/atomic.js';

/**
 * A keepalived track file: one integer and a newline, which keepalived (track_file, weight 1)
 * adds to the instance's priority. Written whole to a temporary file and renamed over the old one,
 * so keepalived, which re-reads on inotify, never reads half a number (an empty file reads as 0:
 * ready). The directory is created on first use (/run/lvsync is tmpfs and empty after a boot).
 */
export async function writeTrackFile(path: string, value: number): Promise<void> {
  await writeStateFile(dirname(path), basename(path), `${value}\n`);
}
