/**
 * The seam to the kernel's sysctls, as ipvsadm/port.ts is to ipvsadm: the real implementation reads
 * and writes /proc/sys (proc.ts); tests use an in-memory one. Names are dotted
 * (`net.ipv4.vs.expire_nodest_conn`); values are text as /proc/sys holds it.
 */
export interface Sysctl {
  /** the current value text, or null when this kernel has no such sysctl */
  read(name: string): Promise<string | null>;
  /** writes the value; rejects with the reason when the kernel refuses it */
  write(name: string, value: string): Promise<void>;
  /** what to show people: "/proc/sys" */
  readonly describe: string;
}

/** A sysctl could not be read for a reason other than not existing (permission, I/O). */
export class SysctlError extends Error {
  constructor(readonly sysctl: string, readonly operation: 'read' | 'write', readonly reason: string) {
    super(`cannot ${operation} sysctl ${sysctl}: ${reason}`);
    this.name = 'SysctlError';
  }
}
