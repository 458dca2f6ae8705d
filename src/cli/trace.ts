import type { Ipvsadm } from '../ipvsadm/port.js';
import { countLines } from '../model/strings.js';

/**
 * LVSYNC_TRACE=1: one stderr line per step of a run, with the time since the process started
 * (module loading included), so "why does apply take 2 minutes on this director?" has an answer
 * without a profiler: loading the config, every ipvsadm run and its size, printing the plan.
 */
export type Trace = (event: string) => void;

export function createTrace(env: Readonly<Record<string, string | undefined>>, write: (text: string) => void): Trace | undefined {
  if (!env.LVSYNC_TRACE || env.LVSYNC_TRACE === '0') return undefined;
  return (event) => write(`lvsync trace ${(performance.now() / 1000).toFixed(3)} s: ${event}\n`);
}

/** The same ipvsadm, with each run traced: its arguments, lines in and out, and how long it took. */
export function tracedIpvsadm(ipvsadm: Ipvsadm, trace: Trace): Ipvsadm {
  return {
    describe: ipvsadm.describe,
    async run(args, input) {
      const inLines = input ? countLines(input) : 0;
      const started = performance.now();
      trace(`ipvsadm ${args.join(' ')}${inLines ? ` (${inLines} lines in)` : ''} started`);
      const result = await ipvsadm.run(args, input);
      trace(`ipvsadm ${args.join(' ')} exited ${result.exitCode} after ${((performance.now() - started) / 1000).toFixed(3)} s (${countLines(result.stdout)} lines out)`);
      return result;
    },
    ...(ipvsadm.restore ? {
      // the same lines as a run of its own: the benchmark reads the -R exit from them (bench/peer-procs.ts)
      async restore(input: string) {
        const started = performance.now();
        trace(`ipvsadm -R (${countLines(input)} lines in) started`);
        const result = await ipvsadm.restore!(input);
        trace(`ipvsadm -R exited ${result.exitCode} after ${((performance.now() - started) / 1000).toFixed(3)} s (0 lines out)`);
        return result;
      },
    } : {}),
    ...(ipvsadm.readProcTable ? {
      async readProcTable() {
        const started = performance.now();
        const text = await ipvsadm.readProcTable!();
        trace(`/proc/net/ip_vs read after ${((performance.now() - started) / 1000).toFixed(3)} s (${text === null ? 'none' : `${countLines(text)} lines`})`);
        return text;
      },
    } : {}),
  };
}
