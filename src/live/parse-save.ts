import type { Diagnostic } from '../diagnostics.js';
import { parseAddress, scanIpv4 } from '../model/address.js';
import { addressServiceKey, describeTarget, hostPort, serverKey, serviceKey } from '../model/keys.js';
import { detached } from '../model/strings.js';
import { DEFAULT_PERSISTENCE_TIMEOUT, FLAG_3, flagBit } from '../model/schedulers.js';
import type { Family, ForwardMethod, Protocol, RealServer, ServiceTarget, Table, TunnelOptions, TunnelType, VirtualService } from '../model/types.js';
import { SWITCH_CHECKSUM, SWITCH_METHOD, SWITCH_PROTOCOL, splitHostPort } from './grammar.js';
import type { SaveNames } from './names.js';
import { NameNotAnswered, RulesContext, RulesLineError, type NameLookup } from './rules-mode.js';

/**
 * Parse `ipvsadm -S -n` output (and lvsync's own canonical save text, which may add -x/-y) into the model.
 * Every line must be understood: a line lvsync cannot parse is a LIVE_PARSE error naming it, never a
 * silent skip, because a skipped service would look absent and be re-added or deleted.
 */
export function parseIpvsadmSave(text: string, file = 'ipvsadm -S -n'): { table: Table; diagnostics: Diagnostic[] } {
  const reader = new SaveReader(text, file);
  reader.readAll();
  return { table: { services: reader.services }, diagnostics: reader.diagnostics };
}

/** A rules file read: the table ipvsadm -R would build from it, and what was looked up on the way. */
export interface RulesParse {
  readonly table: Table;
  /** errors (LIVE_PARSE, LIVE_UNRESOLVED, LIVE_COLLISION) and one LIVE_RESOLVED note per name, by line */
  readonly diagnostics: Diagnostic[];
  /** host names `names` had no answer for: resolve them and parse again (read-rules.ts does) */
  readonly pendingHosts: readonly string[];
  readonly lookups: readonly NameLookup[];
}

/**
 * Parse a rules file: what `ipvsadm -R` (behind `ipvsadm-restore`, which drops lines starting with
 * `#`) reads as -A and -a lines. Beyond `-S -n` text: comment lines (also indented), host and service
 * names (names.ts), and ipvsadm's own defaults and checks for hand-written lines (no -s is wlc, a
 * server without a port takes the service's, -g/-i servers take the service port, zero ports,
 * one-packet scheduling and mixed families are refused as ipvsadm refuses them). Two lines that are
 * one service, or one server of a service, are a LIVE_COLLISION naming both lines.
 */
export function parseRulesFile(text: string, file: string, names: SaveNames): RulesParse {
  const rules = new RulesContext(names);
  const reader = new SaveReader(text, file, rules);
  reader.readAll();
  const diagnostics = reader.diagnostics;
  if (reader.duplicates.length > 0) placeDuplicates(text, file, names, reader);
  diagnostics.push(...rules.diagnostics(file));
  // stable: per line, in the order found
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { table: { services: reader.services }, diagnostics, pendingHosts: [...rules.pending], lookups: rules.results() };
}

/** A second line that is the same service (server null) or the same server of a service as an earlier one. */
interface Duplicate {
  readonly index: number;
  readonly line: number;
  readonly service: string;
  readonly server: string | null;
  /** what the two lines are, as plans name it: "tcp 127.0.0.1:80", "10.0.0.2:80 in tcp 127.0.0.1:80" */
  readonly what: string;
}

/**
 * Name the first line of each duplicate. The first pass does not remember lines (most lines take the
 * fast path, and a rules file rarely has duplicates): a second pass without the fast path does.
 */
function placeDuplicates(text: string, file: string, names: SaveNames, first: SaveReader): void {
  const tracker = new SaveReader(text, file, new RulesContext(names), true);
  tracker.readAll();
  for (const d of first.duplicates) {
    const at = tracker.firstLines.get(d.server === null ? d.service : `${d.service} ${d.server}`);
    const kind = d.server === null ? 'service' : 'real server';
    first.diagnostics[d.index] = {
      severity: 'error', code: 'LIVE_COLLISION', file, line: d.line, col: 1,
      message: `this line and line ${at ?? '?'} are one ${kind}, ${d.what}, once names are looked up and ipvsadm's defaults applied: ipvsadm -R would refuse this one ("${d.server === null ? 'Service' : 'Destination'} already exists"); keep one of them`,
      ...(at === undefined ? {} : { related: { file, line: at, col: 1 } }),
    };
  }
}

type MutableService = Omit<VirtualService, 'servers'> & { servers: Map<string, RealServer> };

const SPACE = 32;
const DASH = 45;
const COLON = 58;

/**
 * One pass over the text, line by line without splitting it (issue 6: at 50k services the line array,
 * the token arrays and their slices were most of the parse time and much of the garbage).
 *
 * Each line first goes to a fast path that reads, in place, exactly the lines ipvsadm prints for the
 * common shapes (`-A -t|-u A.B.C.D:PORT -s NAME` and `-a -t|-u A.B.C.D:PORT -r A.B.C.D:PORT -m|-g -w N`,
 * single-spaced). The fast path changes nothing until it knows the line is one of those, so when it
 * declines (any other option, IPv6, fwmark, odd spacing, `ipvsadm` tokens, any error, a duplicate, a
 * server before its service) the general token reader below reads the same line from scratch and
 * decides, with every diagnostic it always gave. test/live/parse-save.differential.test.ts holds the
 * two paths together against the parser as it was before.
 */
class SaveReader {
  readonly services = new Map<string, MutableService>();
  readonly diagnostics: Diagnostic[] = [];

  /**
   * Where the service part ("-t 10.0.0.1:80") of the last -A or -a line the fast path read stands in
   * the text, and its service: ipvsadm repeats it on every -a line, so a line that starts with the same
   * characters needs no parsing. (Compared in place: startsWith with a slice was slower.)
   */
  private specStart = 0;
  private specLength = 0;
  private fastEntry: MutableService | null = null;
  /** schedulers repeat too: the last name read, so all services share one string */
  private lastScheduler = '';
  /** set by scanHostPort: where its ":" is and the port */
  private colon = 0;
  private port = 0;

  /** the general reader's own memo of the last -a service part (see readLine) */
  private lastSpec = '';
  private lastKey = '';
  private lastUsed = 0;

  /** rules mode: the duplicates found, placed by placeDuplicates */
  readonly duplicates: Duplicate[] = [];
  /** with `track`: the line of each service (key) and server ("service-key server-key") first read */
  readonly firstLines = new Map<string, number>();

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly rules: RulesContext | null = null,
    private readonly track = false,
  ) {}

  readAll(): void {
    const text = this.text;
    let line = 0;
    // lines as text.split(/\r?\n/) makes them: a "\r" goes only with the "\n" after it
    for (let start = 0; start <= text.length; ) {
      line++;
      const nl = text.indexOf('\n', start);
      let end = nl < 0 ? text.length : nl;
      if (nl >= 0 && end > start && text.charCodeAt(end - 1) === 13 /* \r */) end--;
      if (end > start && (this.track || !this.fastLine(start, end))) this.readLine(text.slice(start, end), line);
      start = nl < 0 ? text.length + 1 : nl + 1;
    }
  }

  // ---- fast path: text[start, end) read in place; false, having changed nothing, for anything else ----

  private fastLine(start: number, end: number): boolean {
    const t = this.text;
    if (end - start < 4 || t.charCodeAt(start) !== DASH || t.charCodeAt(start + 2) !== SPACE) return false;
    const op = t.charCodeAt(start + 1);
    if (op === 65 /* A */) return this.fastService(start + 3, end);
    if (op === 97 /* a */) return this.fastServer(start + 3, end);
    return false;
  }

  /** "-t " / "-u " at p; the long forms and --sctp-service are left to the general reader */
  private protocolAt(p: number): Protocol | null {
    const t = this.text;
    if (t.charCodeAt(p) !== DASH || t.charCodeAt(p + 2) !== SPACE) return null;
    const c = t.charCodeAt(p + 1);
    return c === 116 /* t */ ? 'tcp' : c === 117 /* u */ ? 'udp' : null;
  }

  /**
   * "A.B.C.D:PORT" at p, ending at a space or at end, read the way splitHostPort + parseAddress read it
   * (strict dotted quad, one to five port digits, at most 65535). Returns the position after it and sets
   * this.colon and this.port, or returns -1.
   */
  private scanHostPort(p: number, end: number): number {
    const t = this.text;
    const colon = t.indexOf(':', p);
    if (colon < 0 || colon >= end || scanIpv4(t, p, colon) < 0) return -1;
    let q = colon + 1;
    let port = 0;
    for (; q < end; q++) {
      const d = t.charCodeAt(q) - 48;
      if (d < 0 || d > 9) break;
      port = port * 10 + d;
    }
    const digits = q - colon - 1;
    if (digits < 1 || digits > 5 || port > 65535 || (q < end && t.charCodeAt(q) !== SPACE)) return -1;
    this.colon = colon;
    this.port = port;
    return q;
  }

  /** "-A " already read; p is at the service switch */
  private fastService(p: number, end: number): boolean {
    const t = this.text;
    const protocol = this.protocolAt(p);
    if (protocol === null) return false;
    const q = this.scanHostPort(p + 3, end);
    // then exactly " -s NAME" to the end of the line
    if (q < 0 || q + 4 >= end || !t.startsWith(' -s ', q)) return false;
    const name = q + 4;
    for (let i = name; i < end; i++) {
      // printable ASCII only: no tab to split on and nothing trim() would remove
      const c = t.charCodeAt(i);
      if (c <= SPACE || c >= 127) return false;
    }
    // the general reader drops a token "ipvsadm", which leaves -s without its value
    if (end - name === 7 && t.startsWith('ipvsadm', name)) return false;
    const address = detached(t.slice(p + 3, this.colon));
    const port = this.port;
    // a zero port without -p is refused by ipvsadm: the general reader says so
    if (port === 0 && this.rules !== null) return false;
    const key = addressServiceKey(protocol, address, port);
    if (this.services.has(key)) return false;
    const svc: MutableService = {
      key,
      target: { kind: 'address', protocol, family: 'ipv4', address, port },
      name: null,
      scheduler: this.schedulerName(name, end),
      schedulerFlags: 0,
      persistence: null,
      persistenceEngine: null,
      onePacket: false,
      servers: new Map(),
    };
    this.services.set(key, svc);
    this.remember(p, q, svc);
    return true;
  }

  private remember(start: number, end: number, entry: MutableService): void {
    this.specStart = start;
    this.specLength = end - start;
    this.fastEntry = entry;
  }

  /** whether the remembered service part, then a space, stands at p */
  private sameSpec(p: number, end: number): boolean {
    const t = this.text;
    const n = this.specLength;
    if (p + n >= end || t.charCodeAt(p + n) !== SPACE) return false;
    const s = this.specStart;
    for (let i = 0; i < n; i++) if (t.charCodeAt(p + i) !== t.charCodeAt(s + i)) return false;
    return true;
  }

  private schedulerName(start: number, end: number): string {
    const last = this.lastScheduler;
    if (last.length === end - start && this.text.startsWith(last, start)) return last;
    this.lastScheduler = detached(this.text.slice(start, end));
    return this.lastScheduler;
  }

  /** "-a " already read; p is at the service switch */
  private fastServer(p: number, end: number): boolean {
    const t = this.text;
    let entry = this.fastEntry;
    let q: number;
    if (entry !== null && this.sameSpec(p, end)) {
      q = p + this.specLength;
    } else {
      const protocol = this.protocolAt(p);
      if (protocol === null) return false;
      q = this.scanHostPort(p + 3, end);
      if (q < 0 || q === end) return false;
      entry = this.services.get(addressServiceKey(protocol, t.slice(p + 3, this.colon), this.port)) ?? null;
      // no such service: the general reader names the error
      if (entry === null) return false;
      this.remember(p, q, entry);
    }
    // " -r A.B.C.D:PORT"
    if (!t.startsWith(' -r ', q)) return false;
    const a = q + 4;
    const r = this.scanHostPort(a, end);
    if (r < 0 || r === end) return false;
    const colon = this.colon;
    const port = this.port;
    // " -m" or " -g" (-i brings tunnel options: general reader)
    let method: ForwardMethod;
    if (t.startsWith(' -m ', r)) method = 'nat';
    else if (t.startsWith(' -g ', r)) method = 'dr';
    else return false;
    // "-w N" to the end of the line; more than 10 digits (leading zeros, overflow) goes the general way
    if (!t.startsWith('-w ', r + 4)) return false;
    // ipvsadm gives a -g server the service's port: the general reader does that
    if (method === 'dr' && this.rules !== null && entry.target.kind === 'address' && port !== entry.target.port) return false;
    const w = r + 7;
    if (end - w < 1 || end - w > 10) return false;
    let weight = 0;
    for (let i = w; i < end; i++) {
      const d = t.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return false;
      weight = weight * 10 + d;
    }
    if (weight > 2147483647) return false;
    // The key is made from the address where it stands in the input; slicing the address back out of
    // the key makes V8 flatten the key into a string of its own first, so neither keeps the input
    // alive, and the address costs no copy of its own (what detached would do, one allocation less).
    const key = serverKey(t.slice(a, colon), port);
    const address = key.slice(0, colon - a);
    if (entry.servers.has(key)) return false;
    entry.servers.set(key, {
      key,
      family: 'ipv4',
      address,
      port,
      method,
      weight,
      upperThreshold: null,
      lowerThreshold: null,
      tunnel: null,
    });
    return true;
  }

  // ---- general path: any line ipvsadm or lvsync may write, token by token ----

  private readLine(raw: string, line: number): void {
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const rules = this.rules;
    // ipvsadm-restore drops lines starting with "#" (grep -v '^#'); an indented one means the same
    if (rules !== null && trimmed.startsWith('#')) return;
    // after trim() no token is empty; most lines are single-spaced and never name ipvsadm
    let tokens = trimmed.includes('\t') || trimmed.includes('  ') ? trimmed.split(/[ \t]+/) : trimmed.split(' ');
    if (trimmed.includes('ipvsadm')) tokens = tokens.filter((t) => t !== 'ipvsadm');
    if (tokens.length === 0) return;
    const fail = (message: string): void => {
      // detached: a diagnostic must not keep the whole input alive either
      this.diagnostics.push({ severity: 'error', code: 'LIVE_PARSE', message: `${message}: ${detached(trimmed)}`, file: this.file, line, col: 1 });
    };
    rules?.startLine(line);
    let serviceOfLine: string | null = null;
    try {
      if (tokens[0] === '-A' || tokens[0] === '--add-service') {
        const svc = parseServiceLine(tokens.slice(1), rules);
        serviceOfLine = svc.key;
        if (this.services.has(svc.key)) return rules === null ? fail('service listed twice') : this.collision(line, svc.key, null, describeTarget(svc.target));
        this.services.set(svc.key, svc);
        if (this.track) this.firstLines.set(svc.key, line);
      } else if (tokens[0] === '-a' || tokens[0] === '--add-server') {
        // consecutive -a lines name the same service: reuse its parsed target (a pure function of these
        // tokens; in a rules file the names in it are recorded per line, so it is read every time)
        const spec = `${tokens[1] ?? ''} ${tokens[2] ?? ''} ${tokens[3] ?? ''}`;
        if (spec !== this.lastSpec || rules !== null) {
          const { target, rest } = parseTarget(tokens.slice(1), rules);
          this.lastSpec = spec;
          this.lastKey = serviceKey(target);
          this.lastUsed = tokens.length - 1 - rest.length;
        }
        const rest = tokens.slice(1 + this.lastUsed);
        const entry = this.services.get(this.lastKey);
        if (!entry) return fail('real server line before its service line');
        serviceOfLine = entry.key;
        const server = parseServerLine(rest, rules === null ? null : { rules, service: entry });
        if (entry.servers.has(server.key)) {
          return rules === null ? fail('real server listed twice') : this.collision(line, entry.key, server.key, `${hostPort(server.address, server.port)} in ${describeTarget(entry.target)}`);
        }
        entry.servers.set(server.key, server);
        if (this.track) this.firstLines.set(`${entry.key} ${server.key}`, line);
      } else {
        fail('expected an -A or -a line');
      }
    } catch (err) {
      // a name not found is reported once, by its lookup, for every line that used it
      if (err instanceof NameNotAnswered) return;
      if (err instanceof RulesLineError) {
        this.diagnostics.push({ severity: 'error', code: err.code, message: `${err.message}: ${detached(trimmed)}`, file: this.file, line, col: 1 });
        return;
      }
      fail(err instanceof LineError ? err.message : String(err));
    } finally {
      rules?.endLine(serviceOfLine);
    }
  }

  /** A second line for one object of a rules file: a LIVE_COLLISION, completed by placeDuplicates once the first line is known. */
  private collision(line: number, service: string, server: string | null, what: string): void {
    this.duplicates.push({ index: this.diagnostics.length, line, service, server, what });
    // a placeholder, replaced once the first line is known
    this.diagnostics.push({ severity: 'error', code: 'LIVE_COLLISION', message: 'duplicate', file: this.file, line, col: 1 });
  }
}

class LineError extends Error {}

function parseTarget(tokens: string[], rules: RulesContext | null = null): { target: ServiceTarget; rest: string[] } {
  const sw = tokens[0] ?? '';
  const value = tokens[1];
  if (value === undefined) throw new LineError(`missing value after ${sw || 'service switch'}`);
  if (sw === '-f' || sw === '--fwmark-service') {
    if (!/^-?\d+$/.test(value)) throw new LineError(`bad fwmark "${value}"`);
    // ipvsadm 1.31 prints marks >= 2^31 as negative numbers (facts §2.7)
    const mark = Number(value) < 0 ? Number(value) + 2 ** 32 : Number(value);
    const ipv6 = tokens[2] === '-6' || tokens[2] === '--ipv6';
    return { target: { kind: 'fwmark', family: ipv6 ? 'ipv6' : 'ipv4', mark }, rest: tokens.slice(ipv6 ? 3 : 2) };
  }
  const protocol = SWITCH_PROTOCOL[sw];
  if (!protocol) throw new LineError(`unknown service switch "${sw}"`);
  if (rules !== null) {
    // no port: port 0, which only a persistent service may have (parseServiceLine checks)
    const read = rules.hostPort(value, protocol, 'virtual');
    return { target: { kind: 'address', protocol, family: read.family, address: detached(read.address), port: read.port ?? 0 }, rest: tokens.slice(2) };
  }
  const hp = splitHostPort(value);
  const parsed = hp ? parseAddress(hp.address) : null;
  if (!hp || !parsed) throw new LineError(`bad virtual address "${value}"`);
  return { target: { kind: 'address', protocol, family: parsed.family, address: detached(parsed.canonical), port: hp.port }, rest: tokens.slice(2) };
}

/** Walks "switch [value]" pairs; `take` insists on a value. */
class Cursor {
  private i = 0;
  constructor(private readonly tokens: string[]) {}
  next(): string | undefined { return this.tokens[this.i++]; }
  take(sw: string): string {
    const v = this.tokens[this.i++];
    if (v === undefined) throw new LineError(`missing value after ${sw}`);
    return v;
  }
  peekIsValue(): boolean { const v = this.tokens[this.i]; return v !== undefined && !v.startsWith('-'); }
}

function int(text: string, what: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max) throw new LineError(`bad ${what} "${text}"`);
  return Number(text);
}

function parseServiceLine(tokens: string[], rules: RulesContext | null): MutableService {
  const { target, rest } = parseTarget(tokens, rules);
  let scheduler: string | null = null;
  let flags = 0;
  let timeout: number | null = null;
  let netmask: string | null = null;
  let engine: string | null = null;
  let onePacket = false;
  const c = new Cursor(rest);
  for (let sw = c.next(); sw !== undefined; sw = c.next()) {
    switch (sw) {
      case '-s': case '--scheduler': scheduler = c.take(sw); break;
      case '-p': case '--persistent': timeout = c.peekIsValue() ? int(c.take(sw), 'persistence timeout', 2678400) : DEFAULT_PERSISTENCE_TIMEOUT; break;
      case '-M': case '--netmask': netmask = c.take(sw); break;
      case '--pe': engine = c.take(sw); break;
      case '-o': case '--ops': onePacket = true; break;
      case '-b': case '--sched-flags': {
        // 1.31 prints a dangling "-b" when only flag-3 is set under sh/mh (facts §2.2)
        if (!c.peekIsValue()) { flags |= FLAG_3; break; }
        for (const name of c.take(sw).split(',')) {
          const bit = flagBit(name);
          if (bit === undefined) throw new LineError(`unknown scheduler flag "${name}"`);
          flags |= bit;
        }
        break;
      }
      default: throw new LineError(`unexpected "${sw}"`);
    }
  }
  const family: Family = target.family;
  if (rules !== null) {
    // ipvsadm's own checks on -A (ipvsadm.c process_options), with its words
    if (target.kind === 'address' && target.port === 0 && timeout === null) throw new RulesLineError('Zero port specified for non-persistent service (ipvsadm refuses it; only a persistent service may have port 0)');
    if (onePacket && target.kind === 'address' && target.protocol !== 'udp') throw new RulesLineError('One-Packet Scheduling is only for UDP virtual services (ipvsadm refuses -o here)');
  }
  return {
    key: serviceKey(target),
    target,
    name: null,
    // tokens are slices of the whole input: keep copies (see detached); ipvsadm's default is wlc
    scheduler: scheduler === null ? (rules === null ? 'none' : 'wlc') : detached(scheduler),
    schedulerFlags: flags,
    persistence: timeout === null ? null : { timeout, netmask: detached(normaliseLiveNetmask(netmask, family)) },
    persistenceEngine: engine === null ? null : detached(engine),
    onePacket,
    servers: new Map(),
  };
}

function normaliseLiveNetmask(mask: string | null, family: Family): string {
  if (family === 'ipv6') return mask ?? '128';
  return mask ?? '255.255.255.255';
}

function parseServerLine(tokens: string[], rules: { rules: RulesContext; service: MutableService } | null): RealServer {
  if (tokens[0] !== '-r' && tokens[0] !== '--real-server') throw new LineError('expected -r after the service');
  const value = tokens[1] ?? '';
  const read = readServerAddress(value, rules);
  let method: ForwardMethod = 'dr';
  let weight = 1;
  let upper: number | null = null;
  let lower: number | null = null;
  let tunType: TunnelType | null = null;
  let tunPort = 0;
  let checksum: TunnelOptions['checksum'] = null;
  const c = new Cursor(tokens.slice(2));
  for (let sw = c.next(); sw !== undefined; sw = c.next()) {
    const m = SWITCH_METHOD[sw];
    const cs = SWITCH_CHECKSUM[sw];
    if (m) method = m;
    else if (cs) checksum = cs;
    else if (sw === '-w' || sw === '--weight') weight = int(c.take(sw), 'weight', 2147483647);
    else if (sw === '-x' || sw === '--u-threshold') upper = int(c.take(sw), 'upper threshold', 2147483647);
    else if (sw === '-y' || sw === '--l-threshold') lower = int(c.take(sw), 'lower threshold', 2147483647);
    else if (sw === '--tun-type') {
      const t = c.take(sw);
      if (t !== 'ipip' && t !== 'gue' && t !== 'gre') throw new LineError(`unknown tunnel type "${t}"`);
      tunType = t;
    } else if (sw === '--tun-port') tunPort = int(c.take(sw), 'tunnel port', 65535);
    else throw new LineError(`unexpected "${sw}"`);
  }
  let port = read.port;
  if (rules !== null) {
    const target = rules.service.target;
    // ipvsadm: "The destination port must be equal to the service port if ... TUNNEL or DROUTE"
    if (target.kind === 'address' && method !== 'nat') port = target.port;
    if (read.family !== target.family && method !== 'tun') throw new RulesLineError('Different address family is allowed only for tunneling servers (ipvsadm refuses it without -i)');
  }
  let tunnel: TunnelOptions | null = null;
  if (method === 'tun') {
    // pre-1.31 ipvsadm printed "-i" alone: that is ipip (facts §9)
    const type = tunType ?? 'ipip';
    tunnel = { type, port: type === 'gue' ? tunPort : 0, checksum: type === 'ipip' ? null : checksum ?? 'nocsum' };
  } else if (tunType !== null) {
    throw new LineError('tunnel options on a server that is not -i');
  }
  // the key from the copy too: a key made from the token kept the whole input alive (Map hashing
  // does not flatten it)
  const address = detached(read.address);
  return {
    key: serverKey(address, port),
    family: read.family,
    address,
    port,
    method,
    weight,
    upperThreshold: upper,
    lowerThreshold: lower,
    tunnel,
  };
}

/**
 * The -r value: as ipvsadm -S -n prints it, or, in a rules file, as ipvsadm reads it (names, no port:
 * the service's port, 0 for a fwmark service, as ipvsadm copies the service's).
 */
function readServerAddress(value: string, rules: { rules: RulesContext; service: MutableService } | null): { address: string; family: Family; port: number } {
  if (rules !== null) {
    const target = rules.service.target;
    // ipvsadm reads a fwmark service's names as TCP
    const read = rules.rules.hostPort(value, target.kind === 'address' ? target.protocol : 'tcp', 'real server');
    return { address: read.address, family: read.family, port: read.port ?? (target.kind === 'address' ? target.port : 0) };
  }
  const hp = splitHostPort(value);
  const parsed = hp ? parseAddress(hp.address) : null;
  if (!hp || !parsed) throw new LineError(`bad real server address "${value}"`);
  return { address: parsed.canonical, family: parsed.family, port: hp.port };
}
