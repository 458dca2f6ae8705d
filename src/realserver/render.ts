import { describeTarget } from '../model/keys.js';
import type { ApplyStep, CheckResult } from './host.js';
import { describeRequirement, requirementCommand, type RealServerNeeds, type ServiceUse } from './requirements.js';

/** The output of `lvsync realserver`: a runnable script, a checklist (--check) or what was done (--apply). */

/** Shell words never need quoting here (addresses, device and sysctl names, numbers), so a plain join is exact. */
export function commandText(argv: readonly string[]): string {
  return argv.join(' ');
}

function useLine(use: ServiceUse): string {
  const name = use.service.name ? `${use.service.name} (${describeTarget(use.service.target)})` : describeTarget(use.service.target);
  const how = use.server.method === 'dr' ? 'dr, VIP on lo' : `tun ${use.server.tunnel?.type ?? 'ipip'}, VIP on ${use.device}`;
  return `${name}: ${how}`;
}

function header(needs: RealServerNeeds): string[] {
  const out = [`# lvsync realserver ${needs.address}: ${needs.uses.length} service(s) send to it with dr or tun`];
  for (const use of needs.uses) out.push(`#   ${useLine(use)}`);
  if (needs.natOnly.length) out.push(`#   (${needs.natOnly.length} more use it with nat, which needs nothing on the real server)`);
  for (const note of needs.notes) out.push(`# NOTE: ${note}`);
  return out;
}

/** Nothing to do: the address is only a nat real server. */
export function renderNatOnly(needs: RealServerNeeds): string {
  return `${needs.address} is a real server of ${needs.natOnly.length} service(s), all with method nat: nothing is needed on the real server itself.\n`;
}

/** Default mode: every command, in order, as a script to read or pipe to sh on a fresh host. */
export function renderScript(needs: RealServerNeeds): string {
  const out = header(needs);
  out.push('# Run as root on the real server. `lvsync realserver --apply` does the same and skips what is already there.');
  for (const r of needs.requirements) {
    const command = requirementCommand(r);
    if (command) out.push(commandText(command));
  }
  return `${out.join('\n')}\n`;
}

/** --check: one line per requirement, what is missing with its fix, then a verdict. */
export function renderCheck(needs: RealServerNeeds, results: readonly CheckResult[]): string {
  const out = header(needs);
  const width = Math.max(...results.map((r) => describeRequirement(r.requirement).length));
  for (const r of results) {
    const what = describeRequirement(r.requirement).padEnd(width);
    if (r.present) { out.push(`ok       ${what}`.trimEnd()); continue; }
    const command = requirementCommand(r.requirement);
    out.push(`missing  ${what}  (${r.found ?? 'missing'}${command ? `; fix: ${commandText(command)}` : ''})`);
  }
  const missing = results.filter((r) => !r.present).length;
  out.push(missing
    ? `${missing} of ${results.length} item(s) missing on this host for real server ${needs.address}.`
    : `Nothing missing: this host is set up as real server ${needs.address}.`);
  return `${out.join('\n')}\n`;
}

/** --apply: what was already there, what ran, what failed. */
export function renderApply(needs: RealServerNeeds, steps: readonly ApplyStep[]): string {
  const out = header(needs);
  for (const s of steps) {
    if (s.status === 'present') out.push(`ok       ${describeRequirement(s.requirement)} (already)`);
    else if (s.status === 'applied') out.push(`ran      ${commandText(s.command)}`);
    else out.push(`FAILED   ${s.command ? commandText(s.command) : describeRequirement(s.requirement)}: ${s.message}`);
  }
  const applied = steps.filter((s) => s.status === 'applied').length;
  const failed = steps.filter((s) => s.status === 'failed');
  if (failed[0]?.requirement.kind === 'local-address') {
    out.push(`Nothing was changed: ${needs.address} is not an address of this host; run lvsync realserver on the real server itself, or check --address.`);
  } else if (failed.length) {
    out.push(`Real server ${needs.address} is NOT set up: ${failed.length} item(s) failed, ${applied} change(s) made; fix the cause and run again.`);
  } else {
    out.push(`Real server ${needs.address} is set up: ${applied} change(s) made, ${steps.length - applied} already in place.`);
  }
  return `${out.join('\n')}\n`;
}
