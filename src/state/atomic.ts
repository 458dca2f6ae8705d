import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The one way files in the state directory are written: to a temporary name beside them, then
 * renamed over, so a crash or a full disk never leaves half a file for the next run to read.
 */
export async function writeStateFile(stateDir: string, name: string, text: string): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
