import { FakeKernel } from '../fake-ipvsadm/kernel.js';
import { runIpvsadm } from '../fake-ipvsadm/ipvsadm.js';
import type { Ipvsadm, IpvsadmResult } from '../../src/ipvsadm/port.js';

/** The fake ipvsadm behind lvsync's seam, in memory: the same interface as the real binary (STYLE habit 2). */
export interface InMemoryIpvsadm extends Ipvsadm {
  readonly kernel: FakeKernel;
  /** every invocation, for asserting how many processes an apply would have started */
  readonly calls: { args: readonly string[]; input: string | undefined; result: IpvsadmResult }[];
}

export function createInMemoryIpvsadm(kernel = new FakeKernel()): InMemoryIpvsadm {
  const calls: InMemoryIpvsadm['calls'] = [];
  return {
    describe: 'fake-ipvsadm',
    kernel,
    calls,
    async run(args, input) {
      const result = runIpvsadm(kernel, args, input ?? '');
      calls.push({ args, input, result });
      return result;
    },
  };
}

/** A fake director preloaded from `ipvsadm -S`-style text; fails the test setup if the fake refuses a line. */
export function fakeWithTable(save: string): InMemoryIpvsadm {
  const fake = createInMemoryIpvsadm();
  if (save.trim()) {
    const r = runIpvsadm(fake.kernel, ['-R'], save);
    if (r.exitCode !== 0 || r.stderr) throw new Error(`fake refused the initial table: ${r.stderr}`);
  }
  return fake;
}
