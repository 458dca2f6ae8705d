import type { HealthCheckType } from '../../model/health-check.js';
import type { WrittenHealthCheck } from '../../desired/written.js';
import type { SourcePos } from '../types.js';
import type { Checker, CheckerType } from './checkers.js';
import { MAPPED } from './checkers.js';
import type { Notes } from './notes.js';
import { duration, seconds } from './values.js';
import type { RealServerDecl, VirtualServerDecl } from './virtual-server.js';

/**
 * A keepalived checker as an lvsync health check, with keepalived 2.2.7's semantics written out:
 *
 * - settings are inherited checker → real_server → virtual_server → default
 *   (check_data.c validate_check_config(), "Take default values from virtual server" and
 *   "Take default values from real server"); connect_timeout defaults to 5 s and delay_loop to 60 s
 *   (alloc_vs: `connection_to = 5 * TIMER_HZ`, `delay_loop = KEEPALIVED_DEFAULT_DELAY` = 60 s);
 * - retry defaults to 1, 0 for MISC_CHECK (check_api.c queue_checker `default_retry = 1`,
 *   check_misc.c `default_retry = 0`);
 * - a server is taken out after retry + 1 failed checks in a row: a failure with `retry_it < retry`
 *   only schedules a retry after delay_before_retry (check_tcp.c tcp_epilog; check_http.c epilog
 *   marks it down once `retry_it > retry`), so fall = retry + 1;
 * - one passing check brings it back (tcp_epilog: `is_success && !is_up` → UP), so rise = 1;
 * - interval = delay_loop, timeout = connect_timeout; a MISC_CHECK's timeout is misc_timeout, else
 *   the virtual server's delay_loop (check_misc.c misc_check_thread);
 * - without inhibit_on_failure a failed server is removed (onFailure: remove), with it its weight
 *   goes to 0 (quiesce).
 *
 * delay_before_retry has no lvsync equivalent (lvsync checks every `interval`), nor does alpha.
 */

export interface ResolvedCheck {
  readonly type: HealthCheckType;
  /** the port keepalived's checker connects to: connect_port, else the real server's port as written */
  readonly port: number | null;
  readonly fields: WrittenHealthCheck;
  readonly at: SourcePos;
}

const TYPES: Partial<Record<CheckerType, HealthCheckType>> = { TCP_CHECK: 'tcp', HTTP_GET: 'http', SSL_GET: 'https', MISC_CHECK: 'exec' };
const MAX_FALL = 100;
// HTTP_DEFAULT_STATUS_CODE_MIN/MAX of check_http.h
const KEEPALIVED_STATUS = range(200, 299);
const LVSYNC_STATUS = range(200, 399);

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, k) => a + k);
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, k) => x === b[k]);
}

// a regex lvsync can take as "the body contains": no metacharacters
const LITERAL = /^[^.^$*+?()[\]{}|\\]+$/;

/** Per virtual server, the notes said once rather than once per real server. */
export type Once = (key: string) => boolean;

export function resolveCheck(vs: VirtualServerDecl, rs: RealServerDecl, notes: Notes, once: Once): ResolvedCheck | null {
  const owner = vs;
  const usable = rs.checkers.filter((c) => MAPPED.has(c.type) && !c.dropped);
  const chosen = usable[0];
  if (!chosen) return null;
  if (rs.checkers.length > 1) {
    const others = rs.checkers.filter((c) => c !== chosen && !c.dropped);
    if (others.length > 0) {
      notes.unsupported(owner, `real server ${rs.address.text} has ${others.length + 1} checkers and keepalived needs all of them to pass; lvsync runs one check per real server: only ${chosen.type} (line ${chosen.at.line}) is imported`, others[0]!.at);
    }
  }
  const c: Checker = chosen;
  const type = TYPES[c.type]!;
  const pick = <K extends keyof Checker['timing']>(key: K) => c.timing[key] ?? rs.timing[key] ?? vs.timing[key];
  const retry = pick('retry') ?? (c.type === 'MISC_CHECK' ? 0 : 1);
  const delayLoopMs = pick('delayLoopMs') ?? 60000;
  const timeoutMs = c.type === 'MISC_CHECK' ? c.miscTimeoutMs ?? vs.timing.delayLoopMs ?? 60000 : pick('connectTimeoutMs') ?? 5000;
  const retryDelayMs = pick('delayBeforeRetryMs') ?? (c.type === 'HTTP_GET' || c.type === 'SSL_GET' ? 3000 : 1000);
  let fall = retry + 1;
  if (fall > MAX_FALL) {
    notes.unsupported(owner, `retry ${retry} means ${fall} failed checks in a row; lvsync's fall stops at ${MAX_FALL}`, c.timing.retryAt ?? rs.timing.retryAt ?? vs.timing.retryAt ?? c.at);
    fall = MAX_FALL;
  }
  if (fall > 1 && once('retry-pace')) {
    notes.unsupported(owner, `keepalived retries a failed check after delay_before_retry (${seconds(retryDelayMs)}), not after delay_loop: it takes a server out about ${seconds(delayLoopMs + retry * retryDelayMs)} after it fails (delay_loop + retry × delay_before_retry); lvsync checks every interval and needs fall = retry + 1 = ${fall} failures in a row, about ${seconds(fall * delayLoopMs)}. Lower interval if that is too slow`, c.timing.delayBeforeRetryAt ?? rs.timing.delayBeforeRetryAt ?? vs.timing.delayBeforeRetryAt ?? c.at, 'info');
  }
  const alpha = c.timing.alpha ?? rs.timing.alpha ?? vs.timing.alpha ?? false;
  if (alpha && once('alpha')) {
    notes.unsupported(owner, 'alpha: keepalived starts these real servers as failed until a check passes; lvsync starts them at their declared weight (health unknown until checked)', c.timing.alphaAt ?? rs.timing.alphaAt ?? vs.timing.alphaAt ?? c.at);
  }
  const warmupAt = c.timing.warmupAt ?? rs.timing.warmupAt ?? vs.timing.warmupAt;
  if (warmupAt && once('warmup')) {
    notes.unsupported(owner, 'warmup (a random delay before the first check) has no lvsync equivalent: lvsync spreads its checks by itself', warmupAt, 'info');
  }
  if (c.connectIp !== null) {
    notes.unsupported(owner, `connect_ip ${c.connectIp}: lvsync checks the real server's own address (${rs.address.text}); no equivalent`, c.connectIpAt!);
  }

  const fields: { -readonly [K in keyof WrittenHealthCheck]: WrittenHealthCheck[K] } = { type };
  if (type === 'http' || type === 'https') {
    const url = c.urls[0]!;
    fields.path = url.path!;
    const statuses = url.statuses ?? KEEPALIVED_STATUS;
    if (sameList(statuses, KEEPALIVED_STATUS)) {
      if (once('status')) notes.unsupported(owner, 'keepalived accepts the status codes 200-299 here (its default, or as written); lvsync\'s default also accepts 3xx: set expectStatus if a redirect means the server is broken', url.at, 'info');
    } else if (!sameList(statuses, LVSYNC_STATUS)) {
      fields.expectStatus = statuses.length === 1 ? statuses[0]! : statuses;
    }
    const host = url.virtualhost ?? c.virtualhost ?? rs.virtualhost ?? vs.virtualhost;
    if (host !== null) fields.host = host;
    if (url.digestAt && once('digest')) {
      notes.unsupported(owner, 'digest (the MD5 of the page, genhash) has no lvsync equivalent: lvsync checks the status and, with expectBody, a text the body contains', url.digestAt);
    }
    if (url.regex !== null) {
      if (LITERAL.test(url.regex) && !url.regexExtra) fields.expectBody = url.regex;
      else if (once('regex')) notes.unsupported(owner, `regex \`${url.regex}\`: lvsync matches a plain text (expectBody), not a regular expression or its options`, url.regexAt!);
    }
    if (c.urls.length > 1 && once('urls')) {
      notes.unsupported(owner, `${c.type} checks ${c.urls.length} urls and keepalived needs all of them to pass; lvsync checks one path: only ${url.path} is imported`, c.urls[1]!.at);
    }
    if (type === 'https' && c.enableSni && host === null && once('sni')) {
      notes.unsupported(owner, 'enable_sni without a virtualhost: lvsync sends a TLS server name only when `host` is set', c.at, 'info');
    }
  }
  if (type === 'exec') fields.command = c.command!;
  fields.interval = duration(delayLoopMs);
  fields.timeout = duration(timeoutMs);
  fields.rise = 1;
  fields.fall = fall;
  fields.onFailure = (rs.inhibit ?? vs.inhibit) ? 'quiesce' : 'remove';
  const port = type === 'exec' ? null : c.connectPort ?? rs.writtenPort;
  return { type, port, fields, at: c.at };
}

/**
 * The check of one real server in one service: `port` only where it differs from the server's
 * port there. null when lvsync could not run it (a portless fwmark server and no connect_port).
 */
export function checkFor(resolved: ResolvedCheck, serverPort: number, vs: VirtualServerDecl, rs: RealServerDecl, notes: Notes, once: Once): WrittenHealthCheck | null {
  if (resolved.type === 'exec') return resolved.fields;
  let port = resolved.port;
  if (port === null) {
    // queue_checker() copies the real server's address as written: no port there means port 0
    if (serverPort === 0) {
      if (once(`port0-${rs.at.line}`)) notes.add(vs, 'error', 'IMPORT_UNSUPPORTED', `the ${resolved.type} check of real server ${rs.address.text} has no port (the server has none and the checker no connect_port): keepalived connects to port 0, which always fails; add connect_port to the checker`, resolved.at);
      return null;
    }
    if (once(`port0-${rs.at.line}`)) {
      notes.unsupported(vs, `real server ${rs.address.text} is written without a port and its checker has no connect_port: keepalived's check connects to port 0 and always fails (check_api.c queue_checker copies the address as written); lvsync checks port ${serverPort}. Add connect_port in keepalived.conf to compare like with like`, resolved.at);
    }
    port = serverPort;
  }
  return port === serverPort ? resolved.fields : { ...withPort(resolved.fields, port) };
}

// `port` right after `type`, where a person would write it
function withPort(fields: WrittenHealthCheck, port: number): WrittenHealthCheck {
  const { type, ...rest } = fields;
  return { type, port, ...rest };
}

/**
 * The checks of a service's servers written once: when the checked servers share a type, the
 * fields they all agree on go on the service and the rest on each server (else each server has its
 * whole check); a server keepalived does not check gets `healthCheck: false`
 * when the service has a check. lvsync merges a server's fields over the service's
 * (policy.ts mergedCheck), so each server ends up with exactly its own check.
 */
export function factorChecks(checks: readonly (WrittenHealthCheck | null)[]): { service: WrittenHealthCheck | null; servers: (WrittenHealthCheck | false | null)[] } {
  const checked = checks.filter((c): c is WrittenHealthCheck => c !== null);
  if (checked.length === 0) return { service: null, servers: checks.map(() => null) };
  const first = checked[0]!;
  const common: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(first)) {
    if (checked.every((c) => key in c && same((c as Record<string, unknown>)[key], value))) common[key] = value;
  }
  // a service-level check says what kind of check it is; without a shared type each server has its own
  if (!('type' in common)) return { service: null, servers: checks.map((c) => c) };
  const servers = checks.map((c): WrittenHealthCheck | false | null => {
    if (c === null) return false;
    const own: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(c)) if (!(key in common)) own[key] = value;
    return Object.keys(own).length > 0 ? own as WrittenHealthCheck : null;
  });
  return { service: common as WrittenHealthCheck, servers };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
