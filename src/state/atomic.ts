import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The one way files in the state directory are written: to a temporary name beside them, then
 * renamed over, so a crash or a full disk never leaves half a file for the next run to read.
 *
 * Synchronous on purpose (so are the lock and the reads, lock.ts and recover.ts): these are small
 * files on a local disk, and every pass of the daemon takes the lock, reads two files and writes one.
 * Each asynchronous call is a round trip through libuv's thread pool; in the emulated VM of the
 * benchmark those round trips added up to about 45 ms of a 1% change's 0.34 s (issue 13), while the
 * system calls themselves take microseconds. health.json at 50,000 servers (a few MB) is the largest,
 * and is written to the page cache in milliseconds.
 */
export async function writeStateFile(stateDir: string, name: string, text: string): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
