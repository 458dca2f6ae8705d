import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { sleep } from './helpers.js';

/**
 * What the multi-namespace topologies of the kernel suite (pair-net.ts, anycast-net.ts) share:
 * running commands in a namespace, children that must not outlive the test, waiting for the real
 * servers' httpd, and tearing the namespaces and the bridge down.
 */

const execFileP = promisify(execFile);

/** A command that must succeed; throws with `what`, the exit status and stderr. */
export function run(cmd: string, args: string[], what: string, input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: input ?? '' });
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** A shell script inside a namespace; throws with stderr on failure. */
export function nsExec(ns: string, script: string): string {
  return run('ip', ['netns', 'exec', ns, 'sh', '-c', script], `in ${ns}: ${script}`);
}

export async function nsExecAsync(ns: string, script: string): Promise<string> {
  return (await execFileP('ip', ['netns', 'exec', ns, 'sh', '-c', script])).stdout;
}

/** Spawn a child that `killChildren(children)` ends; it leaves the set when it exits. */
export function spawnTracked(children: Set<ChildProcess>, argv: readonly string[], stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'ignore', 'ignore']): ChildProcess {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: stdio as never });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.on('error', () => undefined);
  return child;
}

/** SIGKILL every child still running, then delete the namespaces and the bridge (best effort). */
export function tearDown(children: ReadonlySet<ChildProcess>, namespaces: readonly string[], bridge: string): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  spawnSync('sh', ['-c', [...namespaces.map((ns) => `ip netns del ${ns}`), `ip link del ${bridge}`].join('; ')], { stdio: 'ignore' });
}

async function httpOk(address: string, port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${address}:${port}/`, { signal: AbortSignal.timeout(2000) });
    await res.text();
    return res.ok;
  } catch {
    return false;
  }
}

/** Wait until every real server answers HTTP on `port` (from the root namespace, over the bridge), until `deadline`. */
export async function untilHttpAnswers(servers: readonly { readonly name: string; readonly address: string }[], port: number, deadline: number): Promise<void> {
  for (const rs of servers) {
    while (!(await httpOk(rs.address, port))) {
      if (Date.now() > deadline) throw new Error(`real server ${rs.name} (${rs.address}:${port}) never answered`);
      await sleep(200);
    }
  }
}
