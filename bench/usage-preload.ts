/**
 * Loaded with `node --import` into the lvsync processes the peer comparison measures
 * (bench/vm-peers.ts, bench/peers-host.ts). At exit it writes to the file named by
 * LVSYNC_BENCH_USAGE the process's own CPU time (its ipvsadm children are not included: those are
 * the difference to what /usr/bin/time or /proc/<pid>/stat count) and `performance.timeOrigin`,
 * which turns LVSYNC_TRACE's "seconds since the process started" into wall-clock time.
 */
import { writeFileSync } from 'node:fs';

export interface ProcessUsage {
  /** ms since the epoch at which this process's performance.now() is 0 */
  readonly timeOrigin: number;
  readonly userMs: number;
  readonly systemMs: number;
  readonly maxRssKiB: number;
}

const file = process.env['LVSYNC_BENCH_USAGE'];
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const usage: ProcessUsage = { timeOrigin: performance.timeOrigin, userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000, maxRssKiB: u.maxRSS };
    writeFileSync(file, `${JSON.stringify(usage)}\n`);
  });
}
