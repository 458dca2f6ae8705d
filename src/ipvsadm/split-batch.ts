/**
 * An `ipvsadm -R` batch cut into batches that may run at the same time, one per kept-running
 * ipvsadm (exec.ts RESTORE_SESSIONS).
 *
 * Why: ipvsadm's libipvs opens a netlink socket and resolves the IPVS family for every command, so
 * each line costs about 15 system calls (issue 13: `strace -c` of `-R` in the VM), and one process
 * does them one after the other. In the emulated VM of the benchmark the 800 lines of a 10% churn at
 * 1,000 × 4 took 0.21 s in one kept-running ipvsadm, most of the pass after its plan. Two processes
 * do the per-command work on two CPUs; the kernel still takes its IPVS lock per command.
 *
 * What may run apart: the lines of different virtual services. The kernel keeps no order between
 * services: a real server belongs to one service, and a service's own lines (-A before its -a, -d
 * before its -D, an -E among them) stay in one batch, in their order. A line that is not a
 * service's (kernel settings: --set, --start-daemon, -Z, -C; anything not recognised) keeps the
 * whole batch in one piece, as does a batch of one service. Lines of one key always go together,
 * so a fwmark declared for both families (`-f 7` and `-f 7 -6`) is never split either.
 *
 * Where the two differ: a line ipvsadm aborts on (its own validation, exit 2) stops only its own
 * part, so the other part's later lines still run. The end is no worse: the caller re-reads the
 * table after every batch and goes on command by command (apply.ts).
 */

const SERVICE_COMMANDS: ReadonlySet<string> = new Set(['-A', '-E', '-D', '-a', '-e', '-d', '--add-service', '--edit-service', '--delete-service', '--add-server', '--edit-server', '--delete-server']);
const SERVICE_SWITCHES: ReadonlySet<string> = new Set(['-t', '-u', '-f', '--tcp-service', '--udp-service', '--sctp-service', '--fwmark-service']);

/** The service a `-R` line acts on (`-t 10.0.0.1:80`), or null when it is not a service's line. */
export function lineService(line: string): string | null {
  const words = line.trim().split(/\s+/);
  if (words.length < 3 || !SERVICE_COMMANDS.has(words[0]!) || !SERVICE_SWITCHES.has(words[1]!)) return null;
  const switchName = words[1] === '--tcp-service' ? '-t' : words[1] === '--udp-service' ? '-u' : words[1] === '--fwmark-service' ? '-f' : words[1]!;
  return `${switchName} ${words[2]}`;
}

/**
 * `input` (lines ending in newlines) as at most `parts` batches with about as many lines each, every
 * service's lines in one of them in their order; null when it cannot be split (a line that is not a
 * service's, or fewer than two services).
 */
export function splitByService(input: string, parts: number): string[] | null {
  if (parts < 2) return null;
  const lines = input.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const keys: string[] = [];
  const count = new Map<string, number>();
  for (const line of lines) {
    const key = lineService(line);
    if (key === null) return null;
    keys.push(key);
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  if (count.size < 2) return null;
  // each service, in the order it first appears, to the batch with the fewest lines so far
  const sizes = new Array<number>(parts).fill(0);
  const partOf = new Map<string, number>();
  for (const [key, n] of count) {
    let lightest = 0;
    for (let p = 1; p < parts; p++) if (sizes[p]! < sizes[lightest]!) lightest = p;
    partOf.set(key, lightest);
    sizes[lightest] = sizes[lightest]! + n;
  }
  const out: string[][] = Array.from({ length: parts }, () => []);
  lines.forEach((line, i) => out[partOf.get(keys[i]!)!]!.push(line));
  return out.filter((part) => part.length > 0).map((part) => `${part.join('\n')}\n`);
}
