import { parseAddress } from '../model/address.js';
import type { DaemonRole, SyncDaemon, Timeouts } from '../model/settings.js';

/**
 * The two listings ipvsadm has for kernel-wide settings (facts §6.6, §6.7), parsed into the model:
 *   `ipvsadm -L --timeout` → "Timeout (tcp tcpfin udp): 900 120 300"
 *   `ipvsadm -L --daemon`  → "master sync daemon (mcast=lo, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)"
 * A listing that does not have this shape is reported (null / error), never guessed at.
 */

export function parseTimeoutListing(text: string): Timeouts | null {
  const m = /^Timeout \(tcp tcpfin udp\):\s*(\d+)\s+(\d+)\s+(\d+)\s*$/m.exec(text);
  return m ? { tcp: Number(m[1]), tcpfin: Number(m[2]), udp: Number(m[3]) } : null;
}

export type DaemonListing = { readonly [R in DaemonRole]: SyncDaemon | null };

const DAEMON_LINE = /^(master|backup) sync daemon \((.*)\)$/;

// ipvsadm before 1.29 printed only mcast and syncid; the kernel defaults then apply to the rest
function parseDaemonFields(fields: string): SyncDaemon | null {
  const values = new Map<string, string>();
  for (const part of fields.split(', ')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    values.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const int = (key: string, fallback: number | null): number | null => {
    const v = values.get(key);
    return v === undefined ? fallback : /^\d+$/.test(v) ? Number(v) : NaN;
  };
  const iface = values.get('mcast');
  const group = parseAddress(values.get('group') ?? '224.0.0.81')?.canonical;
  const daemon = {
    interface: iface ?? '', syncId: int('syncid', 0), maxLength: int('maxlen', null), group: group ?? '',
    port: int('port', 8848), ttl: int('ttl', 1),
  };
  if (!iface || !group || [daemon.syncId, daemon.maxLength, daemon.port, daemon.ttl].some((n) => Number.isNaN(n))) return null;
  return daemon as SyncDaemon;
}

/** Both roles from `ipvsadm -L --daemon` (empty output: none runs); null when a line cannot be read. */
export function parseDaemonListing(text: string): DaemonListing | null {
  const out: { master: SyncDaemon | null; backup: SyncDaemon | null } = { master: null, backup: null };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = DAEMON_LINE.exec(line.trim());
    const daemon = m ? parseDaemonFields(m[2]!) : null;
    if (!m || !daemon) return null;
    out[m[1] as DaemonRole] = daemon;
  }
  return out;
}
