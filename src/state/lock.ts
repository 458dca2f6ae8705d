import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export class LockedError extends Error {
  constructor(readonly path: string, readonly holder: number) {
    super(`another lvsync (pid ${holder}) is applying to this director (lock ${path}); wait for it to finish`);
    this.name = 'LockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Two applies interleaving their -R batches would each verify against the other's half-done table.
 * The lock is a file created exclusively with our pid; a lock whose process is gone is stale and taken over.
 */
export async function acquireLock(stateDir: string): Promise<() => Promise<void>> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, 'apply.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => { await unlink(path).catch(() => undefined); };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) throw new LockedError(path, holder);
      await unlink(path).catch(() => undefined);
    }
  }
  throw new Error(`could not take the lock ${path}`);
}
