import type { WrittenHealthCheck } from '../../desired/written.js';
import { DEFAULT_CHECKTIMEOUT, DEFAULT_NEGOTIATETIMEOUT } from './globals.js';
import type { Globals } from './globals.js';
import type { Sink, Spot } from './sink.js';
import type { VirtualSpec } from './virtual.js';

/**
 * ldirectord's check of a virtual service → lvsync's `healthCheck` (ldirectord.in at bf01ad08).
 *
 * What runs is decided per check type (`_check_real`, lines 2857-2939): negotiate with service
 * http/https/http_proxy is an HTTP GET (check_http, 2975); connect is a TCP connect, or ICMP ping
 * for UDP services (2915-2923); external runs `checkcommand VIP VPORT RIP RPORT` (3486); on brings
 * every server up without checking, off checks nothing and activates nothing (2926-2931); negotiate
 * with service none is check_none, which brings the server up (3855).
 *
 * Around it: one passed check brings a server back (`_service_up` resets the failure count, 4229),
 * `failurecount` failed checks in a row take it out (4272), and the failed server is quiesced or
 * deleted by `quiescent` (4003-4006). Timeouts: connect, external and ping use checktimeout,
 * negotiate uses negotiatetimeout (3031, 3464, 3486), each defaulting to the other (2352-2385).
 */

/** One real server as the service will have it, with what ldirectord knew about it. */
export interface RealEntry {
  readonly address: string;
  /** the port written on the real= line, 0 when none (ldirectord keeps this one for its checks) */
  readonly rawPort: number;
  /** the port the kernel stores: what lvsync's check connects to by default */
  readonly storedPort: number;
  readonly request: string | null;
  readonly receive: string | null;
  readonly at: Spot;
}

export interface CheckResult {
  /** the service's check; null: the servers are not checked */
  readonly check: WrittenHealthCheck | null;
  /** per real server (same order as the entries): fields that differ from the service's check */
  readonly overrides: readonly (WrittenHealthCheck | null)[];
  /** checktype=off: ldirectord never activates the servers */
  readonly serversOff: boolean;
}

/** `ld_port_to_service` (lines 1860-1885): the service a virtual port implies when none is written */
const PORT_SERVICE: Readonly<Record<number, string>> = {
  21: 'ftp', 25: 'smtp', 53: 'dns', 80: 'http', 110: 'pop', 119: 'nntp', 143: 'imap', 389: 'ldap', 443: 'https',
  587: 'submission', 636: 'ldaps', 995: 'pops', 993: 'imaps', 1521: 'oracle', 1812: 'radius', 3128: 'http_proxy',
  3306: 'mysql', 5060: 'sip', 5432: 'pgsql',
};

/** `ld_service_to_port` (lines 1892-1918): the port a check goes to when the real= line has none */
const SERVICE_PORT: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(PORT_SERVICE).map(([port, name]) => [name, Number(port)]));

export function serviceOfPort(port: number): string {
  return PORT_SERVICE[port] ?? 'none';
}

export interface CheckInput {
  readonly spec: VirtualSpec;
  /** the service's index in the document, for comments */
  readonly index: number;
  readonly protocol: 'tcp' | 'udp' | 'fwm';
  /** the resolved virtual port (0 for a firewall mark) */
  readonly vport: number;
  readonly reals: readonly RealEntry[];
  readonly globals: Globals;
}

export function mapCheck(input: CheckInput, sink: Sink): CheckResult {
  const { spec, index, globals: g } = input;
  const checktype = spec.checktype?.value ?? 'negotiate';
  const service = spec.service?.value ?? (input.protocol === 'fwm' ? 'none' : serviceOfPort(input.vport));
  const at: Spot = spec.checktype?.at ?? spec.service?.at ?? spec.valueAt;
  const none: CheckResult = { check: null, overrides: input.reals.map(() => null), serversOff: false };
  const unchecked = (text: string): CheckResult => {
    sink.unsupported(index, at, text, 'warning');
    return none;
  };
  const label = checktype === 'combined' ? `checktype=${spec.negotiateEvery}` : `checktype=${checktype}`;

  switch (checktype) {
    case 'on':
      return none;
    case 'off':
      sink.unsupported(index, at, 'checktype=off: ldirectord checks nothing and never activates the real servers, so they are imported with weight 0; give them their weights (and a health check) to put them in service', 'warning');
      return { ...none, serversOff: true };
    case 'ping':
      return unchecked(`checktype=ping: lvsync has no ICMP check, so the real servers are not checked; an exec check such as \`ping -c 1 -W ${timeouts(spec, g).check} "$LVSYNC_RS_ADDRESS"\` does the same`);
    case 'connect':
      if (input.protocol === 'udp') {
        return unchecked(`checktype=connect on a UDP service is an ICMP ping in ldirectord; lvsync has no ICMP check, so the real servers are not checked; an exec check such as \`ping -c 1 -W ${timeouts(spec, g).check} "$LVSYNC_RS_ADDRESS"\` does the same`);
      }
      return portCheck(input, { type: 'tcp' }, timeouts(spec, g).check, sink);
    case 'external': case 'external-perl':
      return { ...none, check: execCheck(input, checktype, sink) };
    case 'negotiate': case 'combined': {
      if (checktype === 'combined') {
        sink.unsupported(index, at, `${label}: ldirectord connects, and negotiates every ${spec.negotiateEvery} checks; lvsync runs the negotiate check every time`);
      }
      if (service === 'none') return none;
      if (service === 'http' || service === 'https') return httpCheck(input, service, sink);
      if (input.protocol === 'udp') {
        return unchecked(`${label} service=${service}: lvsync has no ${service} check and a TCP connect proves nothing for UDP, so the real servers are not checked; write an exec check${service === 'dns' ? ' (for example dig @"$LVSYNC_RS_ADDRESS" -p "$LVSYNC_RS_PORT")' : ''}`);
      }
      sink.unsupported(index, at, `${label} service=${service}: lvsync has no ${service} check; imported as a TCP connect check (the port accepts connections), write an exec check to speak ${service}`, 'warning');
      return portCheck(input, { type: 'tcp' }, timeouts(spec, g).negotiate, sink);
    }
  }
}

/** ld_setup, lines 2352-2385: each timeout falls back on the other, per virtual then global, then 5 / 30 */
function timeouts(spec: VirtualSpec, g: Globals): { check: number; negotiate: number } {
  return {
    check: spec.checktimeout?.value ?? spec.negotiatetimeout?.value ?? g.checktimeout ?? g.negotiatetimeout ?? DEFAULT_CHECKTIMEOUT,
    negotiate: spec.negotiatetimeout?.value ?? spec.checktimeout?.value ?? g.negotiatetimeout ?? g.checktimeout ?? DEFAULT_NEGOTIATETIMEOUT,
  };
}

// interval, timeout, rise, fall and onFailure: the same for every kind of check
function schedule(input: CheckInput, timeout: number, sink: Sink): WrittenHealthCheck {
  const { spec, globals: g } = input;
  // line 2815: a virtual's own checkinterval counts only in forking mode; ldirectord warns otherwise (1803)
  let interval = g.checkinterval;
  if (spec.checkinterval && g.fork) interval = spec.checkinterval.value;
  else if (spec.checkinterval) {
    sink.unsupported(input.index, spec.checkinterval.at, `checkinterval=${spec.checkinterval.value} in a virtual block is ignored by ldirectord unless fork=yes; the global checkinterval (${g.checkinterval}s) is used`, 'warning');
  }
  const quiescent = spec.quiescent?.value ?? g.quiescent;
  return {
    interval: `${interval}s`,
    timeout: `${timeout}s`,
    rise: 1,
    fall: spec.failurecount?.value ?? g.failurecount,
    onFailure: quiescent ? 'quiesce' : 'remove',
  };
}

/**
 * The port a tcp/http check connects to. ldirectord's `ld_checkport` (line 1927): checkport, else the
 * port written on the real= line, else the service's well-known port. lvsync's default is the port
 * the kernel stores, so the port is written only where the two differ.
 */
function portCheck(input: CheckInput, base: WrittenHealthCheck, timeout: number, sink: Sink): CheckResult {
  const { spec } = input;
  const service = spec.service?.value ?? (input.protocol === 'fwm' ? 'none' : serviceOfPort(input.vport));
  const overrides: (WrittenHealthCheck | null)[] = input.reals.map(() => null);
  const { type, ...rest } = base;
  const build = (port: number | null): WrittenHealthCheck =>
    ({ type, ...(port === null ? {} : { port }), ...rest, ...schedule(input, timeout, sink) });
  if (spec.checkport) return { check: build(spec.checkport.value), overrides, serversOff: false };
  const wanted = input.reals.map((r) => (r.rawPort > 0 ? r.rawPort : SERVICE_PORT[service] ?? null));
  input.reals.forEach((r, i) => {
    if (wanted[i] !== null) return;
    if (input.protocol === 'fwm') {
      sink.error('IMPORT_UNSUPPORTED', r.at, `real server ${r.address} has no port and service=${service} has no well-known one, so there is no port to check (ldirectord would check port 0 and never bring it up); add checkport= to the virtual block`);
    } else {
      sink.unsupported(input.index, r.at, `real server ${r.address} has no port and service=${service} has no well-known one: ldirectord checks port 0 here (never up); lvsync checks port ${r.storedPort}, the service's port; add checkport= if that is wrong`, 'warning');
    }
  });
  const differing = input.reals.map((r, i) => wanted[i] !== null && wanted[i] !== r.storedPort);
  let port: number | null = null;
  if (differing.some(Boolean)) {
    const ports = new Set(wanted.filter((p) => p !== null));
    if (ports.size === 1) port = [...ports][0]!;
    else input.reals.forEach((_, i) => { if (differing[i]) overrides[i] = { port: wanted[i]! }; });
  }
  return { check: build(port), overrides, serversOff: false };
}

/** negotiate with service=http/https: check_http (line 2975) */
function httpCheck(input: CheckInput, type: 'http' | 'https', sink: Sink): CheckResult {
  const { spec, index } = input;
  const base: { -readonly [K in keyof WrittenHealthCheck]: WrittenHealthCheck[K] } = { type, path: spec.request?.value ?? '/' };
  if (spec.virtualhost && spec.virtualhost.value !== '') base.host = spec.virtualhost.value;
  const receive = spec.receive?.value ?? '';
  if (receive !== '') {
    base.expectBody = receive;
    warnRegex(receive, index, spec.receive!.at, sink);
  }
  if (spec.httpmethod?.value === 'HEAD') {
    sink.unsupported(index, spec.httpmethod.at, 'httpmethod=HEAD: lvsync\'s http check always sends GET', 'warning');
  }
  const result = portCheck(input, base, timeouts(spec, input.globals).negotiate, sink);
  const overrides = result.overrides.map((o, i) => perServerRequest(input, i, type, receive, o, sink));
  return { ...result, overrides };
}

// `real=… "request", "receive"`: this server's own path and expected text (line 2155)
function perServerRequest(input: CheckInput, i: number, schema: string, serviceReceive: string, override: WrittenHealthCheck | null, sink: Sink): WrittenHealthCheck | null {
  const r = input.reals[i]!;
  if (r.request === null) return override;
  // ld_setup, line 2324: a request holding a URL of the service's scheme is fetched as it is
  if (r.request.includes(`${schema}://`)) {
    sink.unsupported(input.index, r.at, `real server ${r.address}: the request ${JSON.stringify(r.request)} is a whole URL, which ldirectord fetches instead of asking the server; lvsync checks the server itself, with the service's path`, 'warning');
    return override;
  }
  const own: WrittenHealthCheck = { ...override, path: r.request };
  if (r.receive !== null && r.receive !== '') {
    warnRegex(r.receive, input.index, r.at, sink);
    return { ...own, expectBody: r.receive };
  }
  if (serviceReceive !== '') {
    sink.unsupported(input.index, r.at, `real server ${r.address} expects an empty receive string (any answer), but lvsync cannot clear the service's expectBody for one server; it expects ${JSON.stringify(serviceReceive)} there too`, 'warning');
  }
  return own;
}

// ldirectord matches receive as a Perl regular expression (line 3060); lvsync looks for the text as written
function warnRegex(receive: string, index: number, at: Spot, sink: Sink): void {
  if (!/[\\^$.|?*+()[\]{}]/.test(receive)) return;
  sink.unsupported(index, at, `receive ${JSON.stringify(receive)} is a regular expression to ldirectord; lvsync's expectBody is plain text the answer must contain as written: check it`, 'warning');
}

/** external / external-perl: `checkcommand VIP VPORT RIP RPORT` (check_external, line 3486), without a shell */
function execCheck(input: CheckInput, kind: 'external' | 'external-perl', sink: Sink): WrittenHealthCheck {
  const { spec, index } = input;
  // line 1386: /bin/true when no checkcommand is written
  const command = spec.checkcommand?.value ?? '/bin/true';
  const at = spec.checkcommand?.at ?? spec.checktype?.at ?? spec.valueAt;
  if (/\s/.test(command)) {
    sink.unsupported(index, at, `ldirectord runs checkcommand as one program path without a shell, so ${JSON.stringify(command)} (with blanks) never runs there; imported as that one path: check it`, 'warning');
  }
  if (kind === 'external-perl') {
    sink.unsupported(index, at, 'checktype=external-perl: ldirectord evaluates the script inside itself; lvsync runs it with perl, with the same arguments');
  }
  const target = spec.target;
  // a firewall-mark service is passed as its mark and port 0, as ldirectord does
  const vip = target.kind === 'fwmark' ? String(target.mark) : '"$LVSYNC_VIP"';
  const vport = target.kind === 'fwmark' ? '0' : '"$LVSYNC_VPORT"';
  const program = kind === 'external-perl' ? `perl ${shellWord(command)}` : shellWord(command);
  return {
    type: 'exec',
    command: `${program} ${vip} ${vport} "$LVSYNC_RS_ADDRESS" "$LVSYNC_RS_PORT"`,
    ...schedule(input, timeouts(spec, input.globals).check, sink),
  };
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
