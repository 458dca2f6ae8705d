import { addrShowArgv, listsAddress } from '../host/ip-addr.js';
import { requirementCommand, type Requirement } from './requirements.js';
import type { CommandRunner } from './runner.js';

/**
 * Checking and converging a real server through `ip` and `sysctl` (run by an injected runner, so the
 * same code runs against a fake host in tests and inside a network namespace in the kernel suite).
 * Idempotent: each requirement is checked first, and only what is missing is changed.
 */

export interface CheckResult {
  readonly requirement: Requirement;
  readonly present: boolean;
  /** what was found when it is not what is required ("is 0", "does not exist") */
  readonly found: string | null;
}

function linkFlags(stdout: string): string[] {
  const m = /<([^>]*)>/.exec(stdout);
  return m ? m[1]!.split(',') : [];
}

/** Is the requirement already true on this host? */
export async function checkRequirement(runner: CommandRunner, r: Requirement): Promise<CheckResult> {
  const result = (present: boolean, found: string | null = null): CheckResult => ({ requirement: r, present, found: present ? null : found });
  switch (r.kind) {
    case 'local-address': {
      const out = await runner.run(['ip', '-o', 'addr', 'show']);
      return result(out.exitCode === 0 && listsAddress(out.stdout, r.address), 'not an address of this host');
    }
    case 'link-up': {
      const out = await runner.run(['ip', '-o', 'link', 'show', 'dev', r.device]);
      if (out.exitCode !== 0) return result(false, 'the device does not exist');
      return result(linkFlags(out.stdout).includes('UP'), 'down');
    }
    case 'tunnel-device': {
      const out = await runner.run(['ip', '-o', 'link', 'show', 'dev', r.device]);
      return result(out.exitCode === 0, 'does not exist');
    }
    case 'address': {
      const out = await runner.run(addrShowArgv(r.device));
      if (out.exitCode !== 0) return result(false, `${r.device} does not exist`);
      return result(listsAddress(out.stdout, r.address), `not on ${r.device}`);
    }
    case 'sysctl': {
      const out = await runner.run(['sysctl', '-n', r.name]);
      if (out.exitCode !== 0) return result(false, 'no such sysctl (yet)');
      const value = out.stdout.trim().split(/\s+/).join(' ');
      return result(r.accept.includes(value), `is ${value}`);
    }
    case 'fou': {
      const out = await runner.run(['ip', ...(r.ipv6 ? ['-6'] : []), 'fou', 'show']);
      const present = out.exitCode === 0 && out.stdout.split('\n').some((l) => new RegExp(`^port ${r.port} gue\\b`).test(l.trim()));
      return result(present, 'not configured');
    }
  }
}

export async function checkAll(runner: CommandRunner, requirements: readonly Requirement[]): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const r of requirements) out.push(await checkRequirement(runner, r));
  return out;
}

/** What --apply did for one requirement. */
export type ApplyStep =
  | { readonly status: 'present'; readonly requirement: Requirement }
  | { readonly status: 'applied'; readonly requirement: Requirement; readonly command: readonly string[] }
  | { readonly status: 'failed'; readonly requirement: Requirement; readonly command: readonly string[] | null; readonly message: string };

/**
 * Make every requirement true, in order (a device before its address and its sysctls), skipping what
 * is already there. Success is judged by checking again, not by exit codes: `ip link add tunl0` may
 * say "File exists" when loading the module created the device, which is what was wanted.
 */
export async function applyAll(runner: CommandRunner, requirements: readonly Requirement[]): Promise<ApplyStep[]> {
  const steps: ApplyStep[] = [];
  for (const r of requirements) {
    const before = await checkRequirement(runner, r);
    if (before.present) { steps.push({ status: 'present', requirement: r }); continue; }
    const command = requirementCommand(r);
    if (!command) {
      steps.push({ status: 'failed', requirement: r, command: null, message: before.found ?? 'missing' });
      // the RIP guard: never change a host that is not this real server
      if (r.kind === 'local-address') break;
      continue;
    }
    const ran = await runner.run(command);
    const after = await checkRequirement(runner, r);
    if (after.present) { steps.push({ status: 'applied', requirement: r, command }); continue; }
    const why = ran.exitCode !== 0 ? `exit ${ran.exitCode}: ${(ran.stderr || ran.stdout).trim() || '(no message)'}` : `ran, but still ${after.found ?? 'missing'}`;
    steps.push({ status: 'failed', requirement: r, command, message: why });
  }
  return steps;
}
