/**
 * ipvsadm 1.31's command/option vocabulary: the popt table, the option bits and their names (as
 * they appear in error messages), and the table of which options each command requires ('+'),
 * forbids ('x') or allows only one of ('1').
 */
import type { PoptOption } from './popt.js';

export type Command =
  | 'add-service'
  | 'edit-service'
  | 'delete-service'
  | 'flush'
  | 'list'
  | 'add-server'
  | 'delete-server'
  | 'edit-server'
  | 'set'
  | 'start-daemon'
  | 'stop-daemon'
  | 'restore'
  | 'save'
  | 'zero';

/** Option bits, in ipvsadm's OPTC_* order; the index is the bit number. */
export const OPT_NAMES = [
  'numeric',
  'connection',
  'service-address',
  'scheduler',
  'persistent',
  'netmask',
  'real-server',
  'forwarding-method',
  'weight',
  'u-threshold',
  'l-threshold',
  'mcast-interface',
  'timeout',
  'daemon',
  'stats',
  'rate',
  'thresholds',
  'persistent-conn',
  'nosort',
  'syncid',
  'exact',
  'ops',
  'pe',
  'sched-flags',
  'mcast-group',
  'mcast-port',
  'mcast-ttl',
  'sync-maxlen',
  'tun-info',
  'tun-type',
  'tun-port',
  'tun-nocsum',
  'tun-csum',
  'tun-remcsum',
] as const;

export type OptName = (typeof OPT_NAMES)[number];

export function optIndex(name: OptName): number {
  return OPT_NAMES.indexOf(name);
}

/** commands_v_options, one character per option in OPT_NAMES order. */
export const COMMAND_OPTIONS: Record<Command, string> = {
  //     -n -c svc -s -p -M -r fwd -w -x -y mc tot dmn st rt thr pc srt sid ex ops pe -b grp port ttl size tinf type tprt nocs csum remc
  'add-service': 'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'edit-service': 'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'delete-service': 'xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  flush: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  list: ' 11xxxxxxxxx11       xxxxxxx xxxxx',
  'add-server': 'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  'delete-server': 'xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'edit-server': 'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  set: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'start-daemon': 'xxxxxxxxxxx xxxxxxx xxxx    xxxxxx',
  'stop-daemon': 'xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx',
  restore: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  save: ' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  zero: 'xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
};

export const TAG = {
  SET: 128,
  START_DAEMON: 129,
  STOP_DAEMON: 130,
  MCAST_INTERFACE: 131,
  TIMEOUT: 132,
  DAEMON: 133,
  STATS: 134,
  RATE: 135,
  THRESHOLDS: 136,
  PERSISTENTCONN: 137,
  SORT: 138,
  NO_SORT: 139,
  PERSISTENCE_ENGINE: 140,
  SCTP_SERVICE: 141,
  MCAST_GROUP: 142,
  MCAST_PORT: 143,
  MCAST_TTL: 144,
  SYNC_MAXLEN: 145,
  TUN_INFO: 146,
  TUN_TYPE: 147,
  TUN_PORT: 148,
  TUN_NOCSUM: 149,
  TUN_CSUM: 150,
  TUN_REMCSUM: 151,
} as const;

const c = (ch: string): number => ch.charCodeAt(0);

const none = (long: string, short?: string, val?: number): PoptOption =>
  short ? { long, short, arg: 'none', val: val ?? c(short) } : { long, arg: 'none', val: val ?? 0 };
const str = (long: string, short?: string, val?: number): PoptOption =>
  short ? { long, short, arg: 'string', val: val ?? c(short) } : { long, arg: 'string', val: val ?? 0 };

/** ipvsadm's popt table, in its order (findOption takes the first match). */
export const POPT_TABLE: readonly PoptOption[] = [
  none('add-service', 'A'),
  none('edit-service', 'E'),
  none('delete-service', 'D'),
  none('clear', 'C'),
  none('list', 'L'),
  none('list', 'l'),
  none('zero', 'Z'),
  none('add-server', 'a'),
  none('edit-server', 'e'),
  none('delete-server', 'd'),
  none('set', undefined, TAG.SET),
  none('help', 'h'),
  none('version', 'v'),
  none('restore', 'R'),
  none('save', 'S'),
  str('start-daemon', undefined, TAG.START_DAEMON),
  str('stop-daemon', undefined, TAG.STOP_DAEMON),
  str('tcp-service', 't'),
  str('udp-service', 'u'),
  str('sctp-service', undefined, TAG.SCTP_SERVICE),
  str('fwmark-service', 'f'),
  str('scheduler', 's'),
  { long: 'persistent', short: 'p', arg: 'optional', val: c('p') },
  str('netmask', 'M'),
  str('real-server', 'r'),
  none('masquerading', 'm'),
  none('ipip', 'i'),
  none('gatewaying', 'g'),
  str('weight', 'w'),
  str('u-threshold', 'x'),
  str('l-threshold', 'y'),
  none('numeric', 'n'),
  none('connection', 'c'),
  str('mcast-interface', undefined, TAG.MCAST_INTERFACE),
  // --syncid has no short name but returns 'I'
  { long: 'syncid', arg: 'string', val: c('I') },
  none('timeout', undefined, TAG.TIMEOUT),
  none('daemon', undefined, TAG.DAEMON),
  none('stats', undefined, TAG.STATS),
  none('rate', undefined, TAG.RATE),
  none('thresholds', undefined, TAG.THRESHOLDS),
  none('persistent-conn', undefined, TAG.PERSISTENTCONN),
  none('nosort', undefined, TAG.NO_SORT),
  none('sort', undefined, TAG.SORT),
  none('exact', 'X'),
  none('ipv6', '6'),
  none('ops', 'o'),
  str('pe', undefined, TAG.PERSISTENCE_ENGINE),
  str('sched-flags', 'b'),
  str('mcast-group', undefined, TAG.MCAST_GROUP),
  str('mcast-port', undefined, TAG.MCAST_PORT),
  str('mcast-ttl', undefined, TAG.MCAST_TTL),
  str('sync-maxlen', undefined, TAG.SYNC_MAXLEN),
  none('tun-info', undefined, TAG.TUN_INFO),
  str('tun-type', undefined, TAG.TUN_TYPE),
  str('tun-port', undefined, TAG.TUN_PORT),
  none('tun-nocsum', undefined, TAG.TUN_NOCSUM),
  none('tun-csum', undefined, TAG.TUN_CSUM),
  none('tun-remcsum', undefined, TAG.TUN_REMCSUM),
];
