import type { Ipvsadm } from '../ipvsadm/port.js';
import { settingCommandArgv, settingCommands, settingCommandText, type SettingCommand } from '../plan/settings.js';
import type { CommandRunner } from '../realserver/runner.js';
import type { SettingChange } from '../plan/types.js';
import type { Sysctl } from '../sysctl/port.js';

/**
 * Applying setting changes. ipvsadm settings (`--set`, `--start-daemon`, `--stop-daemon`) are ordinary
 * ipvsadm lines, so in batch mode they lead the `-R` input; sysctls are written through the sysctl
 * seam, one by one, before the batch; VIP addresses through the `ip` seam (never through `-R`), adds
 * before the table and deletes after it. Like the table, success is judged by re-reading, not by exit codes.
 */

/** A setting command that failed, with what a person needs to act on it. */
export interface SettingFailure {
  readonly change: SettingChange;
  /** the command as a person would type it */
  readonly command: string;
  /** ipvsadm's or ip's exit status; null for a sysctl write (which fails with a reason, not a status) */
  readonly exitCode: number | null;
  readonly message: string;
}

/** The ipvsadm lines of the changes, for the -R batch (sysctl writes are not ipvsadm lines). */
export function settingsRestoreLines(changes: readonly SettingChange[]): string[] {
  return changes.flatMap(settingCommands).flatMap((c) => (c.program === 'ipvsadm' ? [c.args.join(' ')] : []));
}

/** Which commands a call runs: those that never go into an -R batch (sysctl, ip), the ipvsadm ones, or all. */
export type SettingPrograms = 'direct' | 'ipvsadm' | 'all';

function runs(only: SettingPrograms, command: SettingCommand): boolean {
  return only === 'all' || (only === 'ipvsadm') === (command.program === 'ipvsadm');
}

/**
 * Each command of each change on its own (sysctls and addresses, or all of them in per-command mode).
 * A failing command ends its change (a restart whose stop failed does not start), never the others.
 */
export async function runSettings(
  changes: readonly SettingChange[], deps: { ipvsadm: Ipvsadm; sysctl: Sysctl; ip: CommandRunner }, only: SettingPrograms,
): Promise<SettingFailure[]> {
  const failed: SettingFailure[] = [];
  for (const change of changes) {
    for (const command of settingCommands(change)) {
      if (!runs(only, command)) continue;
      const text = settingCommandText(command);
      if (command.program === 'sysctl') {
        try {
          await deps.sysctl.write(command.name, command.value);
          continue;
        } catch (err) {
          failed.push({ change, command: text, exitCode: null, message: err instanceof Error ? err.message : String(err) });
          break;
        }
      }
      const result = command.program === 'ip' ? await deps.ip.run(settingCommandArgv(command)) : await deps.ipvsadm.run(command.args);
      if (result.exitCode === 0) continue;
      failed.push({ change, command: text, exitCode: result.exitCode, message: result.stderr.trim() });
      break;
    }
  }
  return failed;
}
