import type { Directive } from './lines.js';
import { parseFallback } from './real.js';
import type { FallbackValue } from './real.js';
import type { Sink } from './sink.js';
import { resolveHost, resolvePort } from './resolve.js';
import type { PortLookup } from './resolve.js';
import type { Located } from './virtual.js';
import { positiveCount, quotedOrBare, shown, valueAt, yesNo } from './values.js';

/**
 * The top-level directives (ldirectord.in lines 1681-1797) with ldirectord's defaults
 * (`set_defaults`, lines 1276-1302). A global applies to every virtual block wherever it stands
 * in the file: ldirectord combines them after reading everything (`ld_setup`, line 2292).
 */
export interface Globals {
  /** CHECKINTERVAL = 10 (line 1281) */
  checkinterval: number;
  /** CHECKTIMEOUT, NEGOTIATETIMEOUT = -1: unset (lines 1282, 1297); 5 and 30 when both are unset (1284-1285) */
  checktimeout: number | null;
  negotiatetimeout: number | null;
  /** FAILURECOUNT = 1 (line 1290) */
  failurecount: number;
  /** QUIESCENT = "no" (line 1298). The man page says yes; the code, since 2009, says no. */
  quiescent: boolean;
  /** FORKING = "no" (line 1294): a virtual's own checkinterval counts only with fork=yes */
  fork: boolean;
  fallback: Located<FallbackValue> | null;
  fallback6: Located<FallbackValue> | null;
}

export const DEFAULT_CHECKTIMEOUT = 5;
export const DEFAULT_NEGOTIATETIMEOUT = 30;

export function defaultGlobals(): Globals {
  return { checkinterval: 10, checktimeout: null, negotiatetimeout: null, failurecount: 1, quiescent: false, fork: false, fallback: null, fallback6: null };
}

/** Directives that only make sense in a virtual block: at the top level ldirectord calls them unknown. */
const BLOCK_ONLY = new Set(['real', 'real6', 'request', 'receive', 'checktype', 'checkcommand', 'checkport', 'login', 'passwd', 'database', 'secret', 'load', 'scheduler', 'persistent', 'schedflags', 'netmask', 'protocol', 'ops', 'service', 'httpmethod', 'virtualhost', 'monitorfile', 'servicename', 'comment']);

/** Is this a directive ldirectord knows, here or in a block? (tells a foreign file from a broken one) */
export function isLdirectordKey(key: string): boolean {
  return KNOWN.has(key) || BLOCK_ONLY.has(key) || key === 'timeout';
}

const KNOWN = new Set(['virtual', 'virtual6', 'checktimeout', 'connecttimeout', 'negotiatetimeout', 'checkinterval', 'checkcount',
  'failurecount', 'fallback', 'fallback6', 'fallbackcommand', 'autoreload', 'callback', 'logfile', 'execute', 'fork', 'supervised',
  'quiescent', 'readdquiescent', 'emailalert', 'emailalertfreq', 'emailalertstatus', 'emailalertfrom', 'cleanstop', 'smtp', 'maintenancedir']);

/** One top-level directive into `globals`; what lvsync has no use for becomes a comment at the top. */
export function readGlobal(g: Globals, d: Directive, sink: Sink, lookup: PortLookup): void {
  const at = valueAt(d);
  switch (d.key) {
    case 'checktimeout': case 'negotiatetimeout': case 'checkinterval': case 'failurecount': {
      const what = { checktimeout: 'check timeout value', negotiatetimeout: 'negotiate timeout value', checkinterval: 'check interval value', failurecount: 'failure count value' }[d.key];
      const n = positiveCount(d, sink, what);
      if (n !== null) g[d.key] = n;
      return;
    }
    case 'connecttimeout':
      sink.error('IMPORT_SYNTAX', { line: d.line, col: d.col }, 'connecttimeout is deprecated in favour of negotiatetimeout, and ldirectord refuses it: rename it');
      return;
    case 'timeout':
      sink.error('IMPORT_SYNTAX', { line: d.line, col: d.col }, 'the timeout directive is deprecated in favour of checktimeout and negotiatetimeout, and ldirectord refuses it');
      return;
    case 'checkcount':
      if (positiveCount(d, sink, 'check count value') !== null) {
        sink.unsupported(null, d, `${shown(d)}: deprecated in ldirectord and used only by ping checks; lvsync has no retries within one check`);
      }
      return;
    case 'fallback': case 'fallback6': {
      const parsed = parseFallback(d.value);
      if ('error' in parsed) {
        const hint = /\s#/.test(d.value) ? ' (a `#` is not a comment on a top-level line)' : '';
        sink.error('IMPORT_SYNTAX', at, `${parsed.error} (fallback ${JSON.stringify(d.value)})${hint}`);
        return;
      }
      if (checkGlobalFallback(parsed, d.key === 'fallback' ? 'ipv4' : 'ipv6', d, sink, lookup)) g[d.key] = { value: parsed, at };
      return;
    }
    case 'quiescent': case 'fork': {
      const yes = yesNo(d, sink, true);
      if (yes !== null) g[d.key] = yes;
      if (yes !== null && d.key === 'fork') sink.unsupported(null, d, `${shown(d)}: lvsync runs every check on its own schedule in any case`);
      return;
    }
    case 'autoreload': case 'supervised': case 'readdquiescent': case 'cleanstop': {
      if (yesNo(d, sink, true) === null) return;
      const why = {
        autoreload: '`lvsync watch` applies the file whenever it changes',
        supervised: 'lvsync runs in the foreground under systemd',
        readdquiescent: 'a failed server is quiesced (onFailure: quiesce) or removed (onFailure: remove); lvsync does not re-add removed ones at weight 0',
        cleanstop: 'lvsync never empties the table when it stops',
      }[d.key];
      sink.unsupported(null, d, `${shown(d)}: ${why}`, d.key === 'readdquiescent' && d.value === 'yes' ? 'warning' : 'info');
      return;
    }
    case 'callback': case 'logfile':
      // `^logfile\s*=\s*\"(.*)\"`: unquoted, ldirectord does not recognise the line at all
      if (!/^".*"/s.test(d.value)) {
        sink.error('IMPORT_SYNTAX', at, `${d.key} must be quoted: ${d.key}="…" (ldirectord refuses the line as an unknown command)`);
        return;
      }
      sink.unsupported(null, d, `${shown(d)}: ${d.key === 'logfile' ? 'lvsync logs to stderr (the journal under systemd)' : 'lvsync runs no command when its configuration changes'}`);
      return;
    case 'execute':
      sink.unsupported(null, d, `${shown(d)}: this starts another ldirectord with another configuration; import that file too`, 'warning');
      return;
    case 'fallbackcommand':
      if (quotedOrBare(d, sink) !== null) {
        sink.unsupported(null, d, `${shown(d)}: lvsync runs no command when every real server is down; use a fallback server, or alert on the HEALTH_FAIL_OPEN log line`, 'warning');
      }
      return;
    case 'maintenancedir':
      sink.unsupported(null, d, `${shown(d)}: lvsync has no maintenance files; set the server's weight to 0 (or remove it) in the desired state instead`, 'warning');
      return;
    case 'emailalert': case 'emailalertfreq': case 'emailalertstatus': case 'emailalertfrom': case 'smtp':
      sink.unsupported(null, d, `${shown(d)}: lvsync sends no e-mail; alert on its health log lines or the lvsync_health_transitions_total metric`);
      return;
    default: {
      const where = BLOCK_ONLY.has(d.key) ? `: ${d.key} belongs in a virtual block, on a line indented by a tab or at least 4 spaces after its virtual= line` : '';
      sink.error('IMPORT_SYNTAX', { line: d.line, col: d.col }, `unknown directive "${d.key}"${where} (ldirectord refuses it: "Unknown command")`);
    }
  }
}

/**
 * ldirectord resolves a global fallback where it reads it, once for tcp and once for udp (lines
 * 1704-1709), so a host or a port name that does not resolve for both refuses the file, used or not.
 */
function checkGlobalFallback(value: FallbackValue, family: 'ipv4' | 'ipv6', d: Directive, sink: Sink, lookup: PortLookup): boolean {
  const at = valueAt(d);
  const host = resolveHost(value.server, family);
  if (!host.ok) {
    const why = host.why === 'name' ? 'lvsync does not look host names up; write its address' : `it is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address (fallback6= takes IPv6)`;
    sink.error(host.why === 'name' ? 'IMPORT_UNRESOLVED' : 'IMPORT_SYNTAX', at, `fallback server ${value.server}: ${why}`);
    return false;
  }
  if (value.port === null) return true;
  const missing = (['tcp', 'udp'] as const).filter((proto) => resolvePort(value.port!, proto, lookup) === null);
  if (missing.length === 0) return true;
  sink.error(/^[0-9]+$/.test(value.port) ? 'IMPORT_SYNTAX' : 'IMPORT_UNRESOLVED', at,
    `invalid port for fallback server: ${JSON.stringify(value.port)} is not a port for ${missing.join(' and ')}, and ldirectord looks a global fallback's port up for both tcp and udp; write the port number`);
  return false;
}
