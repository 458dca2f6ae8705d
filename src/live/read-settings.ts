import { runChecked, type Ipvsadm } from '../ipvsadm/port.js';
import { declaresSettings, type DesiredSettings, type LiveSettings } from '../model/settings.js';
import { normalizeSysctlValue } from '../model/sysctls.js';
import type { Table } from '../model/types.js';
import type { Sysctl } from '../sysctl/port.js';
import { parseDaemonListing, parseTimeoutListing } from './parse-settings.js';

/** What to read: exactly the parts the desired state declares (or, for export, everything). */
export interface SettingsQuery {
  readonly timeouts: boolean;
  readonly daemons: boolean;
  readonly sysctls: readonly string[];
}

export function settingsQuery(desired: DesiredSettings): SettingsQuery {
  return {
    timeouts: desired.timeouts !== null,
    daemons: desired.syncDaemon.master !== undefined || desired.syncDaemon.backup !== undefined,
    sysctls: [...desired.sysctls.keys()],
  };
}

/** ipvsadm printed something lvsync cannot read; planning on a guess could stop a daemon for nothing. */
export class LiveSettingsError extends Error {
  constructor(readonly command: string, readonly output: string) {
    super(`cannot read the output of ${command}: ${JSON.stringify(output.slice(0, 200))}; refusing to plan kernel settings on a guess`);
    this.name = 'LiveSettingsError';
  }
}

/** Read the kernel-wide settings the query names, through ipvsadm (-L --timeout, -L --daemon) and the sysctl seam. */
export async function readLiveSettings(ipvsadm: Ipvsadm, sysctl: Sysctl, query: SettingsQuery): Promise<LiveSettings> {
  let timeouts = null;
  if (query.timeouts) {
    const text = await runChecked(ipvsadm, ['-L', '--timeout']);
    timeouts = parseTimeoutListing(text);
    if (!timeouts) throw new LiveSettingsError(`${ipvsadm.describe} -L --timeout`, text);
  }
  let daemons = null;
  if (query.daemons) {
    const text = await runChecked(ipvsadm, ['-L', '--daemon']);
    daemons = parseDaemonListing(text);
    if (!daemons) throw new LiveSettingsError(`${ipvsadm.describe} -L --daemon`, text);
  }
  const sysctls = new Map<string, string | null>();
  for (const name of query.sysctls) {
    const value = await sysctl.read(name);
    sysctls.set(name, value === null ? null : normalizeSysctlValue(value));
  }
  return { timeouts, daemons, sysctls };
}

/** The live table with the settings the desired state declares; unchanged when it declares none. */
export async function withLiveSettings(table: Table, desired: DesiredSettings | undefined, ipvsadm: Ipvsadm, sysctl: Sysctl): Promise<Table> {
  if (!declaresSettings(desired)) return table;
  return { ...table, settings: await readLiveSettings(ipvsadm, sysctl, settingsQuery(desired)) };
}
