import type { Diagnostic } from '../diagnostics.js';
import { saveTextSha256 } from '../live/format-save.js';
import {
  DAEMON_ROLES, TIMEOUT_FIELDS, declaresSettings,
  type DaemonRole, type DesiredSettings, type LiveSettings, type SyncDaemon,
} from '../model/settings.js';
import type { Table } from '../model/types.js';
import { boundAddressKey, describeBoundAddress } from '../model/vips.js';
import { addrAddArgv, addrDelArgv } from '../host/ip-addr.js';
import type { FieldChange, SettingChange } from './types.js';

/**
 * Kernel-wide settings, planned like the table: pure, desired + live in, ordered changes out. Only
 * what the desired state declares is compared; a daemon role that is not declared is never touched.
 */

const DAEMON_FIELDS = ['interface', 'syncId', 'group', 'port', 'ttl', 'maxLength'] as const;

function daemonChanges(live: SyncDaemon, desired: SyncDaemon): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of DAEMON_FIELDS) {
    // maxLength null: the kernel chooses it, whatever it chose is fine
    if (field === 'maxLength' && desired.maxLength === null) continue;
    const before = String(live[field]);
    const after = String(desired[field]);
    if (before !== after) changes.push({ field, before, after });
  }
  return changes;
}

function daemonChange(role: DaemonRole, desired: SyncDaemon | false, live: SyncDaemon | null): SettingChange | null {
  if (desired === false) {
    return live ? { kind: 'stop-daemon', role, before: live, reason: `syncDaemon.${role} is false` } : null;
  }
  if (!live) return { kind: 'start-daemon', role, daemon: desired, reason: `declared, no ${role} daemon runs` };
  const changes = daemonChanges(live, desired);
  if (changes.length === 0) return null;
  return { kind: 'restart-daemon', role, daemon: desired, before: live, changes, reason: 'a running daemon cannot be changed: stop it and start it again' };
}

export const SETTINGS_NOT_OBSERVED: Diagnostic = {
  severity: 'warning', code: 'SETTINGS_NOT_OBSERVED',
  message: 'kernel settings (timeouts, syncDaemon, sysctls) are declared but the live snapshot does not show them (a saved ipvsadm -S holds only the table), so they are not compared; plan against the kernel to include them',
};

/**
 * The setting changes in the order they are applied: sysctls first (they decide how the kernel treats
 * connections that the table changes affect, e.g. expire_nodest_conn for a deleted server), then
 * timeouts, then the daemons, master before backup; a restart is one stop and one start.
 */
export function diffSettings(desired: DesiredSettings | undefined, live: LiveSettings | undefined): { changes: SettingChange[]; warnings: Diagnostic[] } {
  if (!declaresSettings(desired)) return { changes: [], warnings: [] };
  if (!live) return { changes: [], warnings: [SETTINGS_NOT_OBSERVED] };
  const changes: SettingChange[] = [];
  for (const [name, after] of desired.sysctls) {
    if (!live.sysctls.has(name)) continue; // not read: cannot be compared (the caller reads what is declared)
    const before = live.sysctls.get(name) ?? null;
    if (before === after) continue;
    const reason = before === null ? 'not present on this kernel (is the ip_vs module loaded?)' : 'differs from the declaration';
    changes.push({ kind: 'set-sysctl', name, before, after, reason });
  }
  if (desired.timeouts && live.timeouts) {
    const set = { tcp: 0, tcpfin: 0, udp: 0 };
    const fields: FieldChange[] = [];
    for (const f of TIMEOUT_FIELDS) {
      const want = desired.timeouts[f];
      if (want === 0 || want === live.timeouts[f]) continue;
      set[f] = want;
      fields.push({ field: f, before: String(live.timeouts[f]), after: String(want) });
    }
    if (fields.length) changes.push({ kind: 'set-timeouts', before: live.timeouts, set, changes: fields, reason: 'differ from the declaration' });
  }
  if (live.daemons) {
    for (const role of DAEMON_ROLES) {
      const want = desired.syncDaemon[role];
      if (want === undefined) continue;
      const change = daemonChange(role, want, live.daemons[role]);
      if (change) changes.push(change);
    }
  }
  return { changes, warnings: [] };
}

/**
 * One command a setting change becomes: an ipvsadm line (also valid in `ipvsadm -R`), a sysctl write,
 * or an `ip` command (a VIP address; `args` without the leading "ip").
 */
export type SettingCommand =
  | { readonly program: 'ipvsadm'; readonly args: readonly string[] }
  | { readonly program: 'sysctl'; readonly name: string; readonly value: string }
  | { readonly program: 'ip'; readonly args: readonly string[] };

/** --start-daemon with every option, so the command says exactly what will run; maxlen only when declared. */
export function startDaemonArgs(role: DaemonRole, d: SyncDaemon): string[] {
  const args = ['--start-daemon', role, '--mcast-interface', d.interface, '--syncid', String(d.syncId)];
  if (d.maxLength !== null) args.push('--sync-maxlen', String(d.maxLength));
  args.push('--mcast-group', d.group, '--mcast-port', String(d.port), '--mcast-ttl', String(d.ttl));
  return args;
}

export function settingCommands(change: SettingChange): SettingCommand[] {
  switch (change.kind) {
    case 'set-sysctl': return [{ program: 'sysctl', name: change.name, value: change.after }];
    case 'set-timeouts': return [{ program: 'ipvsadm', args: ['--set', String(change.set.tcp), String(change.set.tcpfin), String(change.set.udp)] }];
    case 'start-daemon': return [{ program: 'ipvsadm', args: startDaemonArgs(change.role, change.daemon) }];
    case 'stop-daemon': return [{ program: 'ipvsadm', args: ['--stop-daemon', change.role] }];
    case 'restart-daemon': return [
      { program: 'ipvsadm', args: ['--stop-daemon', change.role] },
      { program: 'ipvsadm', args: startDaemonArgs(change.role, change.daemon) },
    ];
    case 'add-address': return [{ program: 'ip', args: addrAddArgv(change.address).slice(1) }];
    case 'delete-address': return [{ program: 'ip', args: addrDelArgv(change.address).slice(1) }];
  }
}

/** The command as argv, for JSON: ["ipvsadm", "--set", ...] or ["sysctl", "-w", "name=value"]. */
export function settingCommandArgv(command: SettingCommand): string[] {
  return command.program === 'sysctl' ? ['sysctl', '-w', `${command.name}=${command.value}`] : [command.program, ...command.args];
}

/** The command as a person would type it (a value with spaces is quoted for the shell). */
export function settingCommandText(command: SettingCommand): string {
  if (command.program !== 'sysctl') return settingCommandArgv(command).join(' ');
  const assignment = `${command.name}=${command.value}`;
  return `sysctl -w ${/\s/.test(assignment) ? `'${assignment}'` : assignment}`;
}

/**
 * Setting changes applied after the table operations rather than before: the delete of a VIP, so
 * the address stays local until the services that receive its traffic are gone. Everything else
 * (sysctls, timeouts, daemons, added VIPs) is in place before the table changes.
 */
export function isLateSetting(change: SettingChange): boolean {
  return change.kind === 'delete-address';
}

/** The changes applied before the table operations and those applied after, each in plan order. */
export function splitSettings(changes: readonly SettingChange[]): { before: SettingChange[]; after: SettingChange[] } {
  return { before: changes.filter((c) => !isLateSetting(c)), after: changes.filter(isLateSetting) };
}

/** Identity of a setting change's target, to match changes across plans (what took effect). */
export function settingTargetKey(change: SettingChange): string {
  switch (change.kind) {
    case 'set-sysctl': return `sysctl:${change.name}`;
    case 'set-timeouts': return 'timeouts';
    case 'add-address': case 'delete-address': return `address:${boundAddressKey(change.address)}`;
    default: return `daemon:${change.role}`;
  }
}

/** "timeouts", "sync daemon master", "sysctl net.ipv4.vs.conntrack": how plans name a setting. */
export function describeSetting(change: SettingChange): string {
  switch (change.kind) {
    case 'set-sysctl': return `sysctl ${change.name}`;
    case 'set-timeouts': return 'timeouts';
    case 'add-address': case 'delete-address': return `address ${describeBoundAddress(change.address)}`;
    default: return `sync daemon ${change.role}`;
  }
}

/**
 * The digest of a table plus the settings that go with it. Without settings it is exactly the table's
 * digest (so plans of configs without settings keep their digests); with them, a saved plan goes stale
 * when a setting changes too.
 */
export function digestWithSettings(table: Table, settingsText: string): string {
  const known = digestMemo.get(table);
  if (known?.settingsText === settingsText) return known.digest;
  const digest = `sha256:${saveTextSha256(table, settingsText ? `#settings\n${settingsText}` : '')}`;
  digestMemo.set(table, { settingsText, digest });
  return digest;
}

// Tables are immutable values: the daemon plans the same desired table every pass while no file
// changes, and hashes it once.
const digestMemo = new WeakMap<Table, { readonly settingsText: string; readonly digest: string }>();
