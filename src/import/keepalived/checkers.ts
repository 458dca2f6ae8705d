import type { SourcePos } from '../types.js';
import { parseIp, parseUnsigned } from './addresses.js';
import type { Notes, Owner } from './notes.js';
import { splitQuotedEscaped } from './text.js';
import { CHECKERS } from './grammar.js';
import type { Node } from './tree.js';
import { parseBool, parseTimer, posOf, textOf } from './values.js';

/**
 * The checkers of one real_server, read the way keepalived 2.2.7's handlers read them
 * (check/check_api.c, check_tcp.c, check_http.c, check_misc.c). What they turn into in lvsync is
 * decided later (health.ts), once the real server's and the virtual server's defaults are known.
 */

export type CheckerType = 'TCP_CHECK' | 'HTTP_GET' | 'SSL_GET' | 'MISC_CHECK' | 'SMTP_CHECK' | 'DNS_CHECK' | 'PING_CHECK' | 'UDP_CHECK' | 'FILE_CHECK' | 'BFD_CHECK';

/** The settings a checker inherits from its real server, and a real server from its virtual server. */
export interface Timing {
  retry?: number;
  retryAt?: SourcePos;
  delayBeforeRetryMs?: number;
  delayBeforeRetryAt?: SourcePos;
  warmupMs?: number;
  warmupAt?: SourcePos;
  connectTimeoutMs?: number;
  delayLoopMs?: number;
  alpha?: boolean;
  alphaAt?: SourcePos;
}

export interface Url {
  readonly at: SourcePos;
  path: string | null;
  /** status_code, expanded; null: not given (keepalived then accepts 200-299) */
  statuses: number[] | null;
  virtualhost: string | null;
  digestAt: SourcePos | null;
  regex: string | null;
  regexAt: SourcePos | null;
  /** regex_no_match, regex_options, offsets, stack: the regex is more than "the body contains" */
  regexExtra: boolean;
}

export interface Checker {
  readonly type: CheckerType;
  readonly at: SourcePos;
  readonly timing: Timing;
  connectIp: string | null;
  connectIpAt: SourcePos | null;
  connectPort: number | null;
  urls: Url[];
  virtualhost: string | null;
  enableSni: boolean;
  command: string[] | null;
  miscTimeoutMs: number | null;
  /** keepalived drops the checker (an HTTP_GET without url, a MISC_CHECK without misc_path) */
  dropped: boolean;
}

export const MAPPED: ReadonlySet<CheckerType> = new Set(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK']);

const NO_EQUIVALENT: Readonly<Record<string, string>> = {
  SMTP_CHECK: 'SMTP_CHECK (an SMTP HELO dialogue) has no lvsync equivalent; use an exec check that speaks SMTP, or type tcp for a connect check',
  DNS_CHECK: 'DNS_CHECK (a DNS query) has no lvsync equivalent; use an exec check running e.g. `dig @$LVSYNC_RS_ADDRESS`',
  PING_CHECK: 'PING_CHECK (ICMP echo) has no lvsync equivalent; use an exec check running ping',
  UDP_CHECK: 'UDP_CHECK (a UDP datagram and its reply) has no lvsync equivalent; use an exec check that speaks the protocol',
  FILE_CHECK: 'FILE_CHECK (weight from a tracked file) has no lvsync equivalent',
  BFD_CHECK: 'BFD_CHECK (a BFD session) has no lvsync equivalent',
};

// status_code_handler(): numbers and ranges 100-599; an invalid one is reported and skipped
function statusCodes(words: readonly string[], notes: Notes, owner: Owner, node: Node): number[] {
  const codes = new Set<number>();
  words.forEach((word, k) => {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(word);
    const min = m ? Number(m[1]) : NaN;
    const max = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || min < 100 || max > 599 || min > max) {
      notes.ignored(owner, `\`${word}\` is not a status code or range in 100-599: keepalived ignores it ("Invalid HTTP_GET status code")`, posOf(node, k + 1));
      return;
    }
    for (let c = min; c <= max; c++) codes.add(c);
  });
  return [...codes].sort((a, b) => a - b);
}

function parseUrl(node: Node, notes: Notes, owner: Owner): Url {
  const url: Url = { at: posOf(node), path: null, statuses: null, virtualhost: null, digestAt: null, regex: null, regexAt: null, regexExtra: false };
  for (const child of node.children ?? []) {
    const w = textOf(child);
    switch (child.keyword) {
      case 'path': url.path = w[1] ?? null; break;
      case 'status_code': url.statuses = [...(url.statuses ?? []), ...statusCodes(w.slice(1), notes, owner, child)]; break;
      case 'virtualhost': url.virtualhost = w[1] ?? null; break;
      case 'digest': url.digestAt = posOf(child); break;
      case 'regex': url.regex = w[1] ?? null; url.regexAt = posOf(child); break;
      case 'regex_no_match': case 'regex_options': case 'regex_min_offset': case 'regex_max_offset': case 'regex_stack':
        url.regexExtra = true; break;
    }
  }
  return url;
}

/** The timing keywords shared by checkers, real servers and virtual servers; false when `node` is none of them. */
export function readTiming(timing: Timing, node: Node, notes: Notes, owner: Owner, level: 'checker' | 'real_server' | 'virtual_server'): boolean {
  const w = textOf(node);
  const bad = (what: string) => notes.ignored(owner, `${what} \`${w[1] ?? ''}\` is invalid: keepalived ignores it`, posOf(node, 1));
  switch (node.keyword) {
    case 'retry': {
      // the checker's own retry may be 0 (check_api.c retry_handler); the servers' start at 1
      const n = parseUnsigned(w[1], level === 'checker' ? 0 : 1, 0xffffffff);
      if (n === null) bad('retry'); else { timing.retry = n; timing.retryAt = posOf(node); }
      return true;
    }
    case 'delay_before_retry': {
      const ms = parseTimer(w[1], 0);
      if (ms === null) bad('delay_before_retry'); else { timing.delayBeforeRetryMs = ms; timing.delayBeforeRetryAt = posOf(node); }
      return true;
    }
    case 'warmup': {
      const ms = parseTimer(w[1], 0);
      if (ms === null) bad('warmup'); else { timing.warmupMs = ms; timing.warmupAt = posOf(node); }
      return true;
    }
    case 'connect_timeout': {
      const ms = parseTimer(w[1], 0.000001, 4294.967295);
      if (ms === null) bad('connect_timeout'); else timing.connectTimeoutMs = ms;
      return true;
    }
    case 'delay_loop': {
      const ms = parseTimer(w[1], 0.000001);
      if (ms === null) bad('delay_loop'); else timing.delayLoopMs = ms;
      return true;
    }
    case 'alpha': {
      // a virtual server's `alpha` takes no value (vs_alpha_handler); the others take a boolean
      const on = level === 'virtual_server' ? true : parseBool(w[1]);
      if (on === null) bad('alpha'); else { timing.alpha = on; timing.alphaAt = posOf(node); }
      return true;
    }
  }
  return false;
}

export function parseChecker(node: Node, rsAddress: string, notes: Notes, owner: Owner): Checker {
  const type = node.keyword as CheckerType;
  const checker: Checker = {
    type, at: posOf(node), timing: {}, connectIp: null, connectIpAt: null, connectPort: null, urls: [], virtualhost: null,
    enableSni: false, command: null, miscTimeoutMs: null, dropped: false,
  };
  if (!MAPPED.has(type)) {
    notes.unsupported(owner, `${NO_EQUIVALENT[type]}: this real server is not checked by lvsync`, checker.at);
    return checker;
  }
  const unsupported = (child: Node, why: string, severity: 'warning' | 'info' = 'warning') => notes.unsupported(owner, `\`${textOf(child).join(' ')}\`: ${why}`, posOf(child), severity);
  const body = CHECKERS[type];
  const known = body?.kind === 'block' ? body.context.keywords : new Map();
  for (const child of node.children ?? []) {
    // unknown keywords were reported while building the tree; keepalived ignores them
    if (!known.has(child.keyword)) continue;
    const w = textOf(child);
    if (readTiming(checker.timing, child, notes, owner, 'checker')) continue;
    switch (child.keyword) {
      case 'connect_ip': {
        const ip = parseIp(w[1] ?? '');
        if (!ip) { notes.ignored(owner, `connect_ip \`${w[1] ?? ''}\` is not an address: keepalived ignores it`, posOf(child, 1)); break; }
        if (ip.text !== rsAddress) { checker.connectIp = ip.text; checker.connectIpAt = posOf(child); }
        break;
      }
      case 'connect_port': {
        const port = parseUnsigned(w[1], 1, 65535);
        if (port === null) notes.ignored(owner, `connect_port \`${w[1] ?? ''}\` is not a port: keepalived ignores it`, posOf(child, 1));
        else checker.connectPort = port;
        break;
      }
      case 'bindto': case 'bind_port': case 'bind_if':
        unsupported(child, 'lvsync checks from the director\'s own address (the kernel picks the source); no equivalent');
        break;
      case 'fwmark':
        unsupported(child, 'lvsync does not mark its check packets; no equivalent');
        break;
      case 'log_all_failures':
        unsupported(child, 'lvsync logs changes of health, not every failed check', 'info');
        break;
      case 'nb_get_retry': {
        // deprecated in 2.x: keepalived warns ("nb_get_retry is deprecated - please use 'retry'") and uses it
        const n = parseUnsigned(w[1], 0, 0xffffffff);
        notes.ignored(owner, '`nb_get_retry` is deprecated (keepalived warns and reads it as `retry`); imported as retry', posOf(child));
        if (n !== null) { checker.timing.retry = n; checker.timing.retryAt = posOf(child); }
        break;
      }
      case 'virtualhost': checker.virtualhost = w[1] ?? null; break;
      case 'http_protocol':
        unsupported(child, 'lvsync sends HTTP/1.1 with `Connection: close`; the version cannot be chosen', 'info');
        break;
      case 'enable_sni': { const on = parseBool(w[1]); checker.enableSni = on === true; break; }
      case 'fast_recovery':
        unsupported(child, 'lvsync has one path per check and no separate recovery pace; no equivalent', 'info');
        break;
      case 'url': checker.urls.push(parseUrl(child, notes, owner)); break;
      case 'misc_path': {
        // misc_path_handler(): the line with quotes and escapes, then its second word split again
        const line = splitQuotedEscaped(child.item.raw);
        const argv = line && line[1] !== undefined ? splitQuotedEscaped(line[1]) : null;
        if (!argv || argv.length === 0) {
          notes.ignored(owner, 'misc_path has no command keepalived can read (an open quote or nothing after it): ignored', posOf(child));
          break;
        }
        if (line && line.length > 2) {
          notes.ignored(owner, `keepalived runs only the first word after misc_path (\`${line[1]}\`) and ignores the rest (${line.slice(2).join(' ')}); quote the whole command line to pass arguments`, posOf(child, 2));
        }
        checker.command = argv;
        break;
      }
      case 'misc_timeout': {
        const n = parseUnsigned(w[1], 0, Math.floor(0xffffffff / 1000000));
        if (n === null) notes.ignored(owner, `misc_timeout \`${w[1] ?? ''}\` is invalid: keepalived ignores it`, posOf(child, 1));
        else checker.miscTimeoutMs = n === 0 ? null : n * 1000;
        break;
      }
      case 'misc_dynamic':
        unsupported(child, 'lvsync does not set weights from a check\'s exit code (keepalived: exit 2-255 sets the weight); exit 0 is up, anything else down');
        break;
      case 'user':
        unsupported(child, 'lvsync runs exec checks as its own user; run the command through sudo/runuser if it needs another one');
        break;
    }
  }
  if ((type === 'HTTP_GET' || type === 'SSL_GET')) {
    // url_check(): a url without path is dropped; http_get_check_end(): a checker without urls too
    checker.urls = checker.urls.filter((url) => {
      if (url.path !== null) return true;
      notes.ignored(owner, 'this url has no path: keepalived drops it ("checker url has no path")', url.at);
      return false;
    });
    if (checker.urls.length === 0) {
      notes.ignored(owner, `${type} without a url with a path: keepalived drops this checker ("has no urls specified")`, checker.at);
      checker.dropped = true;
    }
  }
  if (type === 'MISC_CHECK' && checker.command === null) {
    notes.ignored(owner, 'MISC_CHECK without misc_path: keepalived drops this checker ("No script path has been specified")', checker.at);
    checker.dropped = true;
  }
  return checker;
}
