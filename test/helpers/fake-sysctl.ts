import { SysctlError, type Sysctl } from '../../src/sysctl/port.js';

/** /proc/sys in memory: the same seam as the real one; writes are logged, unknown names behave like a missing file. */
export interface FakeSysctl extends Sysctl {
  readonly values: Map<string, string>;
  readonly writes: { name: string; value: string }[];
  /** names whose writes fail (EPERM-like), to exercise partial failures */
  readonly readOnly: Set<string>;
}

export function createFakeSysctl(initial: Record<string, string> = {}): FakeSysctl {
  const values = new Map(Object.entries(initial).map(([k, v]) => [k, `${v}\n`]));
  const writes: { name: string; value: string }[] = [];
  const readOnly = new Set<string>();
  return {
    describe: 'fake /proc/sys',
    values,
    writes,
    readOnly,
    async read(name) {
      return values.get(name) ?? null;
    },
    async write(name, value) {
      writes.push({ name, value });
      if (!values.has(name)) throw new SysctlError(name, 'write', 'no such sysctl on this kernel (is the ip_vs module loaded?)');
      if (readOnly.has(name)) throw new SysctlError(name, 'write', 'permission denied');
      // the kernel prints vectors tab-separated
      values.set(name, `${value.split(' ').join('\t')}\n`);
    },
  };
}

/** A director's IPVS sysctls as a 6.1 kernel starts them (facts §5), for tests that plan against "the kernel". */
export const KERNEL_DEFAULT_SYSCTLS: Record<string, string> = {
  'net.ipv4.vs.expire_nodest_conn': '0',
  'net.ipv4.vs.expire_quiescent_template': '0',
  'net.ipv4.vs.conntrack': '0',
  'net.ipv4.vs.sloppy_tcp': '0',
  'net.ipv4.vs.sync_threshold': '3\t50',
  'net.ipv4.ip_forward': '1',
};
