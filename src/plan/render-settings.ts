import { describeDaemon } from '../model/settings.js';
import { describeSetting, settingCommandArgv, settingCommands, settingCommandText } from './settings.js';
import type { SettingChange } from './types.js';

/**
 * Setting changes for the text and JSON plans, in the same style as the table's: `+` a daemon
 * started, `-` one stopped, `~` anything changed, with before → after and a reason.
 */

export interface Palette { readonly add: string; readonly change: string; readonly destroy: string; readonly dim: string; readonly reset: string }

export function renderSettingsLines(changes: readonly SettingChange[], c: Palette): string[] {
  const out: string[] = [];
  for (const s of changes) {
    const reason = `${c.dim}# ${s.reason}${c.reset}`;
    switch (s.kind) {
      case 'set-sysctl':
        out.push(`${c.change}  ~ ${describeSetting(s)}: ${s.before ?? '(missing)'} → ${s.after}${c.reset}  ${reason}`);
        break;
      case 'set-timeouts':
        out.push(`${c.change}  ~ timeouts${c.reset}  ${reason}`);
        for (const ch of s.changes) out.push(`      ${ch.field}: ${ch.before} → ${ch.after}`);
        break;
      case 'start-daemon':
        out.push(`${c.add}  + ${describeSetting(s)}${c.reset}  ${reason}`, `      ${describeDaemon(s.daemon)}`);
        break;
      case 'stop-daemon':
        out.push(`${c.destroy}  - ${describeSetting(s)}${c.reset}  ${reason}`, `      ${describeDaemon(s.before)}`);
        break;
      case 'add-address':
        out.push(`${c.add}  + ${describeSetting(s)}${c.reset}  ${reason}`);
        break;
      case 'delete-address':
        out.push(`${c.destroy}  - ${describeSetting(s)}${c.reset}  ${reason}`);
        break;
      case 'restart-daemon':
        out.push(`${c.change}  ~ ${describeSetting(s)}${c.reset}  ${reason}`);
        for (const ch of s.changes) out.push(`      ${ch.field}: ${ch.before} → ${ch.after}`);
        break;
    }
  }
  if (out.length) out.push('');
  return out;
}

/** Every command of the setting changes, as typed: sysctl writes and ipvsadm lines. */
export function settingsCommandLines(changes: readonly SettingChange[]): string[] {
  return changes.flatMap(settingCommands).map(settingCommandText);
}

/** The JSON form (schema/plan.v1.schema.json, `settings`). */
export function settingsJson(changes: readonly SettingChange[]): unknown[] {
  return changes.map((s) => ({
    kind: s.kind,
    target: describeSetting(s),
    changes: s.kind === 'set-timeouts' || s.kind === 'restart-daemon' ? s.changes
      : s.kind === 'set-sysctl' ? [{ field: 'value', before: s.before ?? '', after: s.after }] : [],
    reason: s.reason,
    commands: settingCommands(s).map(settingCommandArgv),
  }));
}
