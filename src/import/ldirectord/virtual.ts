import type { Family } from '../../model/types.js';
import type { Directive } from './lines.js';
import { parseFallback } from './real.js';
import type { FallbackValue } from './real.js';
import type { Sink, Spot } from './sink.js';
import { positiveCount, quoted, quotedOrBare, shown, valueAt, yesNo } from './values.js';

/**
 * One `virtual=` block read into what ldirectord keeps for it (its `%vsrv`, ldirectord.in lines
 * 1335-1674), nothing looked up yet: service names and host names are resolved once the block's
 * protocol is known, as ldirectord does (line 1648: "all resolution must be delayed").
 */

export type Checktype = 'negotiate' | 'connect' | 'ping' | 'off' | 'on' | 'external' | 'external-perl' | 'combined';

/** ldirectord's negotiate services (line 1548) */
export const LD_SERVICES = [
  'dns', 'ftp', 'http', 'https', 'http_proxy', 'imap', 'imaps', 'ldap', 'ldaps', 'nntp', 'mysql', 'none',
  'oracle', 'pop', 'pops', 'radius', 'pgsql', 'sip', 'smtp', 'submission', 'simpletcp',
] as const;

export interface Located<T> {
  readonly value: T;
  readonly at: Spot;
}

export type VirtualTarget =
  /** host and port as written (brackets kept for IPv6); resolved later */
  | { readonly kind: 'address'; readonly host: string; readonly port: string }
  | { readonly kind: 'fwmark'; readonly mark: number };

export interface VirtualSpec {
  readonly line: number;
  /** the virtual= value as written, and where */
  readonly value: string;
  readonly valueAt: Spot;
  readonly family: Family;
  readonly target: VirtualTarget;
  protocol: 'tcp' | 'udp' | 'fwm';
  scheduler: Located<string> | null;
  persistent: Located<number> | null;
  netmask: Located<string> | null;
  schedflags: Located<string> | null;
  ops: Located<boolean> | null;
  checktype: Located<Checktype> | null;
  /** checktype=N: a negotiate check after every N connect checks */
  negotiateEvery: number;
  service: Located<string> | null;
  request: Located<string> | null;
  receive: Located<string> | null;
  virtualhost: Located<string> | null;
  checkport: Located<number> | null;
  checkcommand: Located<string> | null;
  httpmethod: Located<'GET' | 'HEAD'> | null;
  checktimeout: Located<number> | null;
  negotiatetimeout: Located<number> | null;
  failurecount: Located<number> | null;
  checkinterval: Located<number> | null;
  quiescent: Located<boolean> | null;
  fallback: Located<FallbackValue> | null;
  readonly reals: Located<string>[];
  servicename: Located<string> | null;
}

const IPV4_PORT = /^(\d+\.\d+\.\d+\.\d+):([0-9A-Za-z_-]+)/;
const HOST_PORT = /^([0-9A-Za-z._+-]+):([0-9A-Za-z_-]+)/;
const FWMARK = /^(\d+)/;
const IPV6_PORT = /^\[([0-9A-Fa-f:]+)\]:([0-9A-Za-z_-]+)/;

/** The `virtual=`/`virtual6=` value (lines 1346-1366), in ldirectord's order of tries; null after an error. */
function readTarget(head: Directive, family: Family, sink: Sink): VirtualTarget | null {
  const v = head.value;
  let m: RegExpExecArray | null;
  if (family === 'ipv4' && (m = IPV4_PORT.exec(v))) return { kind: 'address', host: m[1]!, port: m[2]! };
  if ((m = HOST_PORT.exec(v))) return { kind: 'address', host: m[1]!, port: m[2]! };
  if ((m = FWMARK.exec(v))) return { kind: 'fwmark', mark: Number(m[1]) };
  if ((m = IPV6_PORT.exec(v))) {
    if (family === 'ipv4') {
      sink.error('IMPORT_SYNTAX', valueAt(head), 'an IPv6 virtual service is declared with `virtual6=`, not `virtual=` (ldirectord: "cannot specify an IPv6 address here")');
      return null;
    }
    return { kind: 'address', host: `[${m[1]!}]`, port: m[2]! };
  }
  const hint = family === 'ipv4' ? 'virtual=192.168.6.240:80, virtual=localhost:www, or virtual=1 for firewall mark 1' : 'virtual6=[2001:db8::5]:80, or virtual6=1 for firewall mark 1';
  sink.error('IMPORT_SYNTAX', valueAt(head), `invalid address for virtual server ${JSON.stringify(v)}: write ${hint}`);
  return null;
}

function emptySpec(head: Directive, family: Family, target: VirtualTarget): VirtualSpec {
  return {
    line: head.line, value: head.value, valueAt: valueAt(head), family, target,
    // line 1369-1381: tcp, or udp when the port is written 53 or domain; fwm for a mark
    protocol: target.kind === 'fwmark' ? 'fwm' : /^(53|domain)$/.test(target.port) ? 'udp' : 'tcp',
    scheduler: null, persistent: null, netmask: null, schedflags: null, ops: null,
    checktype: null, negotiateEvery: 0, service: null, request: null, receive: null, virtualhost: null,
    checkport: null, checkcommand: null, httpmethod: null, checktimeout: null, negotiatetimeout: null,
    failurecount: null, checkinterval: null, quiescent: null, fallback: null, reals: [], servicename: null,
  };
}

/** Directives of the top level only: in a block ldirectord calls them unknown commands. */
const TOP_LEVEL_ONLY = new Set(['autoreload', 'callback', 'logfile', 'execute', 'fork', 'supervised', 'readdquiescent', 'emailalertfrom', 'maintenancedir', 'virtual', 'virtual6']);

/**
 * The block's directives, each checked as ldirectord checks it (lines 1412-1645). `service` is the
 * index the service will have in the document, for comments. Returns null when the `virtual=` line
 * itself is refused (its block is then skipped, as ldirectord stops there).
 */
export function readVirtual(head: Directive, body: readonly Directive[], service: number, sink: Sink): VirtualSpec | null {
  const family: Family = head.key === 'virtual6' ? 'ipv6' : 'ipv4';
  const target = readTarget(head, family, sink);
  if (!target) return null;
  const spec = emptySpec(head, family, target);
  for (const d of body) readDirective(spec, d, service, sink);
  return spec;
}

function located<T>(d: Directive, value: T): Located<T> {
  return { value, at: valueAt(d) };
}

function familyMismatch(d: Directive, base: string, family: Family, sink: Sink): boolean {
  const six = d.key.endsWith('6');
  if (six === (family === 'ipv6')) return false;
  const want = family === 'ipv4' ? base : `${base}6`;
  sink.error('IMPORT_SYNTAX', { line: d.line, col: d.col }, `cannot specify "${d.key}" here, please use "${want}" instead (the block is ${family === 'ipv4' ? 'virtual=' : 'virtual6='})`);
  return true;
}

// one directive of the block; unsupported ones become comments on the service
function readDirective(spec: VirtualSpec, d: Directive, service: number, sink: Sink): void {
  const at = valueAt(d);
  const v = d.value;
  switch (d.key) {
    case 'real': case 'real6':
      if (!familyMismatch(d, 'real', spec.family, sink)) spec.reals.push(located(d, v));
      return;
    case 'request': {
      const text = quoted(d, sink);
      // line 1422: a leading / is added
      if (text !== null) spec.request = located(d, text.startsWith('/') ? text : `/${text}`);
      return;
    }
    case 'receive': {
      const text = quoted(d, sink);
      if (text !== null) spec.receive = located(d, text);
      return;
    }
    case 'checktype': {
      // line 1431: a number is "combined" (connect, and negotiate every N); else one of the names
      const n = /(\d+)/.exec(v);
      if (n) { spec.checktype = located(d, 'combined'); spec.negotiateEvery = Number(n[1]); return; }
      const word = /([\w-]+)/.exec(v)?.[1];
      const names = ['connect', 'negotiate', 'ping', 'off', 'on', 'external', 'external-perl'];
      if (word !== undefined && names.includes(word)) { spec.checktype = located(d, word as Checktype); return; }
      sink.error('IMPORT_SYNTAX', at, `checktype must be "connect", "negotiate", "on", "off", "ping", "external", "external-perl" or a positive number, not ${JSON.stringify(v)}`);
      return;
    }
    case 'checkcommand': {
      const text = quotedOrBare(d, sink);
      if (text !== null) spec.checkcommand = located(d, text.trimEnd());
      return;
    }
    case 'checktimeout': case 'negotiatetimeout': case 'failurecount': case 'checkinterval': {
      const what = { checktimeout: 'check timeout', negotiatetimeout: 'negotiate timeout', failurecount: 'failure count', checkinterval: 'checkinterval' }[d.key];
      const n = positiveCount(d, sink, what);
      if (n !== null) spec[d.key] = located(d, n);
      return;
    }
    case 'connecttimeout':
      sink.error('IMPORT_SYNTAX', { line: d.line, col: d.col }, 'connecttimeout is deprecated in favour of negotiatetimeout, and ldirectord refuses it: rename it');
      return;
    case 'checkcount':
      if (positiveCount(d, sink, 'check count') !== null) {
        sink.unsupported(service, d, `${shown(d)}: deprecated in ldirectord and used only by ping checks; lvsync has no retries within one check (its \`fall\` counts failed checks)`);
      }
      return;
    case 'checkport': {
      const m = /(\d+)/.exec(v);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) {
        sink.error('IMPORT_SYNTAX', at, `invalid checkport ${JSON.stringify(v)}: a port 1..65535`);
        return;
      }
      spec.checkport = located(d, Number(m[1]));
      return;
    }
    case 'login': case 'passwd': case 'database': case 'secret': case 'load':
      if (quoted(d, sink) !== null) {
        sink.unsupported(service, d, `${shown(d)}: used by ldirectord's protocol checks (ftp, imap, pop, ldap, sql, radius, sip); lvsync has none of them, see the health check note of this service`);
      }
      return;
    case 'scheduler': {
      // line 1494: any lower-case word; ipvsadm decides whether it exists
      const m = /([a-z]+)/.exec(v);
      if (!m) { sink.error('IMPORT_SYNTAX', at, `invalid scheduler ${JSON.stringify(v)}, should be only lowercase letters (a-z)`); return; }
      spec.scheduler = located(d, m[1]!);
      return;
    }
    case 'persistent': {
      const m = /(\d+)/.exec(v);
      if (!m) { sink.error('IMPORT_SYNTAX', at, `invalid persistent timeout ${JSON.stringify(v)}`); return; }
      spec.persistent = located(d, Number(m[1]));
      return;
    }
    case 'schedflags': {
      const m = /(\S+)/.exec(v);
      if (!m) { sink.error('IMPORT_SYNTAX', at, 'invalid sched-flags'); return; }
      spec.schedflags = located(d, m[1]!);
      return;
    }
    case 'netmask':
      // lines 1502-1512: the whole value, a prefix length for IPv6, a dotted quad for IPv4
      if (spec.family === 'ipv6' ? !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 128 : !/^\d+\.\d+\.\d+\.\d+$/.test(v)) {
        const want = spec.family === 'ipv6' ? 'a prefix length between 1 and 128' : 'dotted quad notation (255.255.255.0)';
        sink.error('IMPORT_SYNTAX', at, `invalid netmask ${JSON.stringify(v)}: ${want} is required${v !== v.trimEnd() ? ', and ldirectord takes the trailing blanks as part of it' : ''}`);
        return;
      }
      spec.netmask = located(d, v);
      return;
    case 'protocol': {
      const word = /(\w+)/.exec(v)?.[1];
      if (word === undefined) { sink.error('IMPORT_SYNTAX', at, 'invalid protocol'); return; }
      if (spec.protocol === 'fwm') {
        if (word !== 'fwm') sink.error('IMPORT_SYNTAX', at, `protocol must be fwm if the virtual service is a fwmark (a number), not ${word}`);
        return;
      }
      if (word !== 'tcp' && word !== 'udp') {
        sink.error('IMPORT_SYNTAX', at, `protocol must be tcp or udp if the virtual service is an address and port, not ${word} (ldirectord has no sctp)`);
        return;
      }
      spec.protocol = word;
      return;
    }
    case 'ops': {
      const yes = yesNo(d, sink, false);
      if (yes !== null) spec.ops = located(d, yes);
      return;
    }
    case 'service': {
      const word = /(\w+)/.exec(v)?.[1];
      if (word === undefined || !(LD_SERVICES as readonly string[]).includes(word)) {
        sink.error('IMPORT_SYNTAX', at, `service must be one of ${LD_SERVICES.join(', ')}, not ${JSON.stringify(v)}`);
        return;
      }
      spec.service = located(d, word);
      return;
    }
    case 'httpmethod': {
      const word = /(\w+)/.exec(v)?.[1]?.toUpperCase();
      if (word !== 'GET' && word !== 'HEAD') { sink.error('IMPORT_SYNTAX', at, 'httpmethod must be GET or HEAD'); return; }
      spec.httpmethod = located(d, word);
      return;
    }
    case 'virtualhost':
      // line 1592: optional quotes; the blanks ldirectord would keep at the end are dropped
      spec.virtualhost = located(d, (/"?([^"]*)"?/.exec(v)?.[1] ?? '').trim());
      return;
    case 'fallback': case 'fallback6': {
      if (familyMismatch(d, 'fallback', spec.family, sink)) return;
      const parsed = parseFallback(v);
      if ('error' in parsed) { sink.error('IMPORT_SYNTAX', at, `${parsed.error} (fallback ${JSON.stringify(v)})`); return; }
      spec.fallback = located(d, parsed);
      return;
    }
    case 'quiescent': {
      const yes = yesNo(d, sink, false);
      if (yes !== null) spec.quiescent = located(d, yes);
      return;
    }
    case 'cleanstop':
      if (yesNo(d, sink, false) !== null) sink.unsupported(service, d, `${shown(d)}: lvsync never empties the table when it stops`);
      return;
    case 'fallbackcommand':
      if (quotedOrBare(d, sink) !== null) {
        sink.unsupported(service, d, `${shown(d)}: lvsync runs no command when every real server is down; use its fallback server, or alert on the HEALTH_FAIL_OPEN log line`, 'warning');
      }
      return;
    case 'emailalert': case 'emailalertfreq': case 'emailalertstatus': case 'smtp':
      sink.unsupported(service, d, `${shown(d)}: lvsync sends no e-mail; alert on its health log lines or the lvsync_health_transitions_total metric`);
      return;
    case 'monitorfile':
      sink.unsupported(service, d, `${shown(d)}: lvsync writes no check log file; its health changes are in its log and on the status page`);
      return;
    case 'servicename':
      spec.servicename = located(d, v.trim());
      return;
    case 'comment':
      sink.comment(service, d, v.trim());
      return;
    default: {
      const where = TOP_LEVEL_ONLY.has(d.key) ? `: ${d.key} belongs at the top level, not indented in a virtual block` : '';
      sink.error('IMPORT_SYNTAX', { line: d.line, col: d.col }, `unknown directive "${d.key}" in a virtual block${where} (ldirectord refuses it: "Unknown command")`);
    }
  }
}
