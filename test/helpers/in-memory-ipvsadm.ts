import { FakeKernel } from '../fake-ipvsadm/kernel.js';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import { renderProcIpVs } from '../fake-ipvsadm/proc.js';
import type { Ipvsadm, IpvsadmResult } from '../../src/ipvsadm/port.js';

/** The fake ipvsadm behind lvsync's seam, in memory: the same interface as the real binary (STYLE habit 2). */
export interface InMemoryIpvsadm extends Ipvsadm {
  readonly kernel: FakeKernel;
  /** every invocation, for asserting how many processes an apply would have started */
  readonly calls: { args: readonly string[]; input: string | undefined; result: IpvsadmResult }[];
  /** how many times /proc/net/ip_vs was read */
  readonly procReads: { count: number };
}

export interface InMemoryOptions {
  /**
   * what /proc/net/ip_vs holds: the fake kernel's table (the default, as on a director), none (a host
   * without IPVS), or a text of the test's choosing (another namespace's table)
   */
  readonly proc?: 'kernel' | 'none' | (() => string);
}

export function createInMemoryIpvsadm(kernel = new FakeKernel(), options: InMemoryOptions = {}): InMemoryIpvsadm {
  const calls: InMemoryIpvsadm['calls'] = [];
  const procReads = { count: 0 };
  const proc = options.proc ?? 'kernel';
  return {
    describe: 'fake-ipvsadm',
    kernel,
    calls,
    procReads,
    async readProcTable() {
      procReads.count++;
      if (proc === 'none') return null;
      return proc === 'kernel' ? renderProcIpVs(kernel) : proc();
    },
    async run(args, input) {
      const result = runIpvsadm(kernel, args, input ?? '');
      calls.push({ args, input, result });
      return result;
    },
  };
}

/** A fake director preloaded from `ipvsadm -S`-style text; fails the test setup if the fake refuses a line. */
export function fakeWithTable(save: string, options: InMemoryOptions = {}): InMemoryIpvsadm {
  const fake = createInMemoryIpvsadm(new FakeKernel(), options);
  if (save.trim()) {
    const r = runIpvsadm(fake.kernel, ['-R'], save);
    if (r.exitCode !== 0 || r.stderr) throw new Error(`fake refused the initial table: ${r.stderr}`);
  }
  return fake;
}
