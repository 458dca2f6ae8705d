import type { WrittenFile, WrittenSyncDaemon, WrittenTimeouts } from '../../desired/written.js';
import type { SourcePos } from '../types.js';
import { parseIp, parseUnsigned } from './addresses.js';
import type { Notes } from './notes.js';
import type { Node } from './tree.js';
import { posOf, textOf } from './values.js';

/**
 * The IPVS settings of global_defs (core/global_parser.c of keepalived 2.2.7): `lvs_timeouts`
 * → `timeouts`, `lvs_sync_daemon` (and the deprecated `lvs_sync_daemon_interface` of a
 * vrrp_instance) → `syncDaemon`, and what has no equivalent (`lvs_flush`, network namespaces,
 * the SSL block of SSL_GET).
 */

export interface Settings {
  readonly timeouts?: WrittenTimeouts;
  readonly syncDaemon?: WrittenFile['syncDaemon'];
}

// LVS_MAX_TIMEOUT of global_data.h; IP_VS_IFNAME_MAXLEN is 16 with the NUL
const LVS_MAX_TIMEOUT = 86400 * 31;
const IFNAME_MAX = 15;

interface SyncDecl {
  readonly at: SourcePos;
  readonly ifname: string;
  instance: string | null;
  syncId: number | null;
  maxLength: number | null;
  port: number | null;
  ttl: number | null;
  group: string | null;
}

export function readSettings(nodes: readonly Node[], notes: Notes): Settings {
  const timeouts: { tcp?: number; tcpfin?: number; udp?: number } = {};
  let sync: SyncDecl | null = null;
  const instances = new Map<string, number | null>();

  for (const node of nodes) {
    if (node.keyword === 'vrrp_instance') {
      const name = textOf(node)[1];
      const vrid = (node.children ?? []).find((c) => c.keyword === 'virtual_router_id');
      if (name !== undefined) instances.set(name, vrid ? parseUnsigned(textOf(vrid)[1], 1, 255) : null);
      for (const child of node.children ?? []) {
        if (child.keyword !== 'lvs_sync_daemon_interface') continue;
        // vrrp_lvs_syncd_handler(): deprecated, but still sets the daemon's interface and instance
        notes.ignored(null, '`lvs_sync_daemon_interface` in a vrrp_instance is deprecated (keepalived warns: "Please use global lvs_sync_daemon"); read as `lvs_sync_daemon` with this instance', posOf(child));
        const ifname = textOf(child)[1];
        if (sync || ifname === undefined) continue;
        sync = { at: posOf(child), ifname, instance: name ?? null, syncId: null, maxLength: null, port: null, ttl: null, group: null };
      }
      continue;
    }
    if (node.keyword === 'net_namespace' || node.keyword === 'net_namespace_ipvs') {
      notes.unsupported(null, `\`${textOf(node).join(' ')}\`: keepalived manages IPVS inside that network namespace; run lvsync there (ip netns exec ${textOf(node)[1] ?? 'NAME'} lvsync …)`, posOf(node));
      continue;
    }
    if (node.keyword === 'SSL') {
      notes.unsupported(null, 'the SSL block (a client certificate and CA for SSL_GET): lvsync\'s https checks present no client certificate and do not verify the server\'s', posOf(node));
      continue;
    }
    if (node.keyword !== 'global_defs') continue;
    for (const child of node.children ?? []) {
      const w = textOf(child);
      switch (child.keyword) {
        case 'lvs_timeouts': {
          if (w.length < 3) { notes.ignored(null, 'lvs_timeouts needs at least one `tcp|tcpfin|udp SECONDS`: ignored', posOf(child)); break; }
          for (let i = 1; i < w.length; i++) {
            const key = w[i]!;
            if (key !== 'tcp' && key !== 'tcpfin' && key !== 'udp') { notes.ignored(null, `lvs_timeouts: unknown option \`${key}\` (keepalived ignores it)`, posOf(child, i)); continue; }
            const value = parseUnsigned(w[i + 1], 0, LVS_MAX_TIMEOUT);
            if (value === null) notes.ignored(null, `lvs_timeouts ${key}: \`${w[i + 1] ?? ''}\` is not a number of seconds 0-${LVS_MAX_TIMEOUT} (keepalived ignores it)`, posOf(child, i + 1));
            else timeouts[key] = value;
            i++;
          }
          break;
        }
        case 'lvs_sync_daemon': {
          if (sync) { notes.ignored(null, 'lvs_sync_daemon is already set: keepalived ignores this one', posOf(child)); break; }
          const ifname = w[1];
          if (ifname === undefined || ifname.length > IFNAME_MAX) { notes.ignored(null, 'lvs_sync_daemon needs an interface name of at most 15 characters: ignored', posOf(child)); break; }
          sync = readSync(child, ifname, notes);
          break;
        }
        case 'lvs_flush': case 'lvs_flush_onstop': case 'lvs_flush_on_stop':
          notes.unsupported(null, `\`${child.keyword}\`: keepalived flushes the whole IPVS table; lvsync changes only what it owns (its services, and \`scope\` for more): add a scope with prune to remove services no file declares`, posOf(child), 'info');
          break;
      }
    }
  }

  const settings: { timeouts?: WrittenTimeouts; syncDaemon?: WrittenFile['syncDaemon'] } = {};
  if (Object.keys(timeouts).length > 0) settings.timeouts = timeouts;
  if (sync) {
    const daemon = syncDaemonOf(sync, instances, notes);
    if (daemon) settings.syncDaemon = daemon;
  }
  return settings;
}

// lvs_syncd_handler(): IFNAME [inst VRRP_INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group ADDR],
// and the old positional form IFNAME VRRP_INSTANCE [SYNC_ID]
function readSync(node: Node, ifname: string, notes: Notes): SyncDecl {
  const w = textOf(node);
  const sync: SyncDecl = { at: posOf(node), ifname, instance: null, syncId: null, maxLength: null, port: null, ttl: null, group: null };
  const number = (i: number, min: number, max: number, what: string): number | null => {
    const n = parseUnsigned(w[i + 1], min, max);
    if (n === null) notes.ignored(null, `lvs_sync_daemon ${what} \`${w[i + 1] ?? ''}\` is invalid (keepalived ignores it)`, posOf(node, i));
    return n;
  };
  for (let i = 2; i < w.length; i++) {
    const key = w[i]!;
    if (key === 'inst') { sync.instance ??= w[i + 1] ?? null; i++; continue; }
    if (key === 'id') { sync.syncId = number(i, 0, 255, 'id') ?? sync.syncId; i++; continue; }
    if (key === 'maxlen') { sync.maxLength = number(i, 1, 65535 - 20 - 8, 'maxlen') ?? sync.maxLength; i++; continue; }
    if (key === 'port') { sync.port = number(i, 1, 65535, 'port') ?? sync.port; i++; continue; }
    if (key === 'ttl') { sync.ttl = number(i, 1, 255, 'ttl') ?? sync.ttl; i++; continue; }
    if (key === 'group') {
      const ip = parseIp(w[i + 1] ?? '');
      const multicast = ip && (ip.family === 'ipv4' ? /^(22[4-9]|23[0-9])\./.test(ip.text) : /^ff/i.test(ip.text));
      if (!multicast) notes.ignored(null, `lvs_sync_daemon group \`${w[i + 1] ?? ''}\` is not a multicast address (keepalived ignores it)`, posOf(node, i + 1));
      else sync.group = ip.text;
      i++;
      continue;
    }
    if (i === 2) { sync.instance = key; continue; }
    if (i === 3) {
      const n = parseUnsigned(key, 0, 255);
      if (n !== null) sync.syncId = n;
      notes.ignored(null, 'a sync id without `id` before it is the old form (keepalived: "Please use keyword \\"id\\" before lvs_sync_daemon SYNCID")', posOf(node, i));
      continue;
    }
    notes.ignored(null, `lvs_sync_daemon: unknown option \`${key}\` (keepalived ignores it)`, posOf(node, i));
  }
  return sync;
}

function syncDaemonOf(sync: SyncDecl, instances: ReadonlyMap<string, number | null>, notes: Notes): WrittenFile['syncDaemon'] | null {
  // vrrp.c vrrp_complete_init(): the daemon follows a VRRP instance; without one it never starts
  // (vrrp_daemon.c vrrp_ipvs_needed()), with an unknown one the setting is cleared
  if (sync.instance === null) {
    notes.unsupported(null, `lvs_sync_daemon ${sync.ifname} names no VRRP instance (\`inst NAME\`): keepalived starts no sync daemon then; nothing imported. Declare \`syncDaemon\` by hand if you want one`, sync.at);
    return null;
  }
  if (!instances.has(sync.instance)) {
    notes.unsupported(null, `lvs_sync_daemon: there is no vrrp_instance ${sync.instance}, so keepalived clears the setting ("Unable to find vrrp instance"); nothing imported`, sync.at);
    return null;
  }
  // no id: the instance's virtual_router_id
  const syncId = sync.syncId ?? instances.get(sync.instance) ?? 0;
  const role: { -readonly [K in keyof WrittenSyncDaemon]: WrittenSyncDaemon[K] } = { interface: sync.ifname, syncId };
  if (sync.maxLength !== null) role.maxLength = sync.maxLength;
  if (sync.group !== null) role.group = sync.group;
  if (sync.port !== null) role.port = sync.port;
  if (sync.ttl !== null) role.ttl = sync.ttl;
  const backup = { ...role };
  if (sync.maxLength !== null && sync.maxLength < 1024) {
    delete backup.maxLength;
    notes.unsupported(null, `maxlen ${sync.maxLength}: a backup daemon reads at least 1024 bytes (lvsync refuses less), so the backup role is declared without maxLength`, sync.at, 'info');
  }
  notes.unsupported(null, `lvs_sync_daemon: keepalived runs the master sync daemon while vrrp_instance ${sync.instance} is MASTER and the backup daemon while it is BACKUP; lvsync does not follow VRRP, so both roles are declared (each director sends its connections and takes the other's; IPVS does not read back its own multicast), sync id ${syncId}${sync.syncId === null ? ` (the instance's virtual_router_id, keepalived's default)` : ''}`, sync.at, 'info');
  return { master: role, backup };
}
