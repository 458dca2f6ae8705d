import { readFile, writeFile } from 'node:fs/promises';
import { sysctlPath } from '../model/sysctls.js';
import { SysctlError, type Sysctl } from './port.js';

/**
 * The real sysctls, through /proc/sys of the network namespace lvsync runs in (the IPVS knobs are per
 * namespace). The only module that touches /proc/sys.
 */
export function createProcSysctl(root = '/proc/sys'): Sysctl {
  return {
    describe: root,
    async read(name) {
      try {
        return await readFile(sysctlPath(name, root), 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return null;
        throw new SysctlError(name, 'read', (err as Error).message);
      }
    },
    async write(name, value) {
      try {
        await writeFile(sysctlPath(name, root), `${value}\n`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'no such sysctl on this kernel (is the ip_vs module loaded?)'
          : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied (run as root, outside a read-only /proc/sys)'
            : (err as Error).message;
        throw new SysctlError(name, 'write', why);
      }
    },
  };
}
