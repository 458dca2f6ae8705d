import type { Diagnostic, DiagnosticCode } from '../diagnostics.js';
import { nonUnicastReason, parseAddress } from '../model/address.js';
import {
  DAEMON_DEFAULTS, DAEMON_ROLES, TIMEOUT_FIELDS, declaresSettings, describeDaemon,
  type DaemonRole, type DesiredDaemon, type DesiredSettings, type SyncDaemon, type Timeouts,
} from '../model/settings.js';
import { ALLOWED_SYSCTLS, checkSysctlValue } from '../model/sysctls.js';
import { toSourceRef, type Spot } from './yaml/positions.js';
import { where } from './rules/context.js';
import { valueAt, type SettingsDecl, type WrittenSyncDaemon } from './written.js';

/**
 * The kernel-wide settings of every file, merged into one DesiredSettings. Any file may declare any
 * timeout, daemon role or sysctl; several files may declare the same one only with the same value,
 * otherwise SETTINGS_CONFLICT names both places. The settings-specific rules live here too: they
 * need the written values and their positions, exactly like the merge.
 */

export type Report = (code: DiagnosticCode, at: Spot, message: string, related?: Spot) => void;

/** The first declaration of each setting; later ones must agree with it. */
export function createSettler(report: Report) {
  const first = new Map<string, { text: string; at: Spot }>();
  return (name: string, text: string, at: Spot): boolean => {
    const earlier = first.get(name);
    if (!earlier) { first.set(name, { text, at }); return true; }
    if (earlier.text === text) return true;
    report('SETTINGS_CONFLICT', at,
      `${name} is ${text} here but ${earlier.text} at ${where(earlier.at)}; files are merged, so declare it in one file or with the same value in both`,
      earlier.at);
    return false;
  };
}

function isMulticast(address: string): boolean {
  return nonUnicastReason(address)?.includes('multicast') ?? false;
}

// the daemon as -L --daemon will show it, or null when the written one is refused (reported)
function toDaemon(role: DaemonRole, raw: WrittenSyncDaemon, decl: SettingsDecl, report: Report): SyncDaemon | null {
  const at = (...sub: string[]) => valueAt(decl, 'syncDaemon', role, ...sub);
  let group: string = DAEMON_DEFAULTS.group;
  let ipv6 = false;
  if (raw.group !== undefined) {
    const parsed = parseAddress(raw.group);
    if (!parsed || !isMulticast(parsed.canonical)) {
      const what = parsed ? 'is not a multicast address' : 'is not an IP address';
      report('SYNC_DAEMON', at('group'), `sync daemon group ${JSON.stringify(raw.group)} ${what}; write a multicast group such as 224.0.0.81 (the default) or ff02::1:81`);
      return null;
    }
    group = parsed.canonical;
    ipv6 = parsed.family === 'ipv6';
  }
  if (raw.maxLength !== undefined) {
    // facts §6.7: the kernel clamps maxlen (backup at least 1024, at most 65535 minus the IP+UDP header);
    // a clamped value would read back different and never converge, so it is refused here
    const max = 65535 - (ipv6 ? 48 : 28);
    if (raw.maxLength > max) {
      report('SYNC_DAEMON', at('maxLength'), `maxLength ${raw.maxLength} is more than the kernel allows with an IPv${ipv6 ? 6 : 4} group (${max}); write at most ${max}, or leave it out to let the kernel choose`);
      return null;
    }
    if (role === 'backup' && raw.maxLength < 1024) {
      report('SYNC_DAEMON', at('maxLength'), `maxLength ${raw.maxLength} is below 1024, which the kernel raises every backup daemon to; write 1024 or more, or leave it out to let the kernel choose`);
      return null;
    }
  }
  return {
    interface: raw.interface,
    syncId: raw.syncId ?? DAEMON_DEFAULTS.syncId,
    maxLength: raw.maxLength ?? null,
    group,
    port: raw.port ?? DAEMON_DEFAULTS.port,
    ttl: raw.ttl ?? DAEMON_DEFAULTS.ttl,
  };
}

function mergeTimeouts(decls: readonly SettingsDecl[], settle: ReturnType<typeof createSettler>): Timeouts | null {
  const merged = { tcp: 0, tcpfin: 0, udp: 0 };
  for (const decl of decls) {
    for (const field of TIMEOUT_FIELDS) {
      const value = decl.timeouts?.[field];
      // 0 is "leave as is" (ipvsadm --set): it agrees with anything
      if (value === undefined || value === 0) continue;
      if (settle(`timeouts.${field}`, String(value), valueAt(decl, 'timeouts', field))) merged[field] = value;
    }
  }
  return merged.tcp || merged.tcpfin || merged.udp ? merged : null;
}

function mergeDaemons(decls: readonly SettingsDecl[], settle: ReturnType<typeof createSettler>, report: Report): DesiredSettings['syncDaemon'] {
  const merged: Record<DaemonRole, DesiredDaemon> = { master: undefined, backup: undefined };
  for (const decl of decls) {
    for (const role of DAEMON_ROLES) {
      const raw = decl.syncDaemon?.[role];
      if (raw === undefined) continue;
      const at = valueAt(decl, 'syncDaemon', role);
      if (raw === true) {
        report('SYNC_DAEMON', at, `\`syncDaemon.${role}: true\` does not say how the daemon should run; write its settings (at least \`interface\`), or false to make sure no ${role} daemon runs`);
        continue;
      }
      const daemon = raw === false ? false : toDaemon(role, raw, decl, report);
      if (daemon === null) continue;
      if (settle(`syncDaemon.${role}`, daemon ? `{${describeDaemon(daemon)}}` : 'false', at)) merged[role] = daemon;
    }
  }
  return merged;
}

// names and values were checked by the schema (its `sysctls` properties are the allow-list); here they are normalised
function mergeSysctls(decls: readonly SettingsDecl[], settle: ReturnType<typeof createSettler>): Map<string, string> {
  const merged = new Map<string, string>();
  for (const decl of decls) {
    for (const [name, value] of Object.entries(decl.sysctls ?? {})) {
      const kind = ALLOWED_SYSCTLS.get(name);
      const checked = kind ? checkSysctlValue(kind, value) : null;
      if (!checked || 'error' in checked) continue;
      if (settle(name, checked.ok, valueAt(decl, 'sysctls', name))) merged.set(name, checked.ok);
    }
  }
  return new Map([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// one DesiredSettings from every file's settings, or null when no file declares any; problems go to `out`
export function mergeSettings(decls: readonly SettingsDecl[], out: Diagnostic[]): DesiredSettings | null {
  if (decls.length === 0) return null;
  const report: Report = (code, at, message, related) => {
    out.push({
      severity: 'error', code, message, file: at.file, line: at.line, col: at.col, path: at.pointer,
      ...(related ? { related: toSourceRef(related) } : {}),
    });
  };
  const settle = createSettler(report);
  const settings: DesiredSettings = {
    timeouts: mergeTimeouts(decls, settle),
    syncDaemon: mergeDaemons(decls, settle, report),
    sysctls: mergeSysctls(decls, settle),
  };
  return declaresSettings(settings) ? settings : null;
}
