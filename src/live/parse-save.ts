import type { Diagnostic } from '../diagnostics.js';
import { parseAddress, scanIpv4 } from '../model/address.js';
import { addressServiceKey, serverKey, serviceKey } from '../model/keys.js';
import { detached } from '../model/strings.js';
import { DEFAULT_PERSISTENCE_TIMEOUT, FLAG_3, flagBit } from '../model/schedulers.js';
import type { Family, ForwardMethod, Protocol, RealServer, ServiceTarget, Table, TunnelOptions, TunnelType, VirtualService } from '../model/types.js';
import { SWITCH_CHECKSUM, SWITCH_METHOD, SWITCH_PROTOCOL, splitHostPort } from './grammar.js';

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

  constructor(private readonly text: string, private readonly file: string) {}

  readAll(): void {
    const text = this.text;
    let line = 0;
    // lines as text.split(/\r?\n/) makes them: a "\r" goes only with the "\n" after it
    for (let start = 0; start <= text.length; ) {
      line++;
      const nl = text.indexOf('\n', start);
      let end = nl < 0 ? text.length : nl;
      if (nl >= 0 && end > start && text.charCodeAt(end - 1) === 13 /* \r */) end--;
      if (end > start && !this.fastLine(start, end)) this.readLine(text.slice(start, end), line);
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
    // after trim() no token is empty; most lines are single-spaced and never name ipvsadm
    let tokens = trimmed.includes('\t') || trimmed.includes('  ') ? trimmed.split(/[ \t]+/) : trimmed.split(' ');
    if (trimmed.includes('ipvsadm')) tokens = tokens.filter((t) => t !== 'ipvsadm');
    if (tokens.length === 0) return;
    const fail = (message: string): void => {
      // detached: a diagnostic must not keep the whole input alive either
      this.diagnostics.push({ severity: 'error', code: 'LIVE_PARSE', message: `${message}: ${detached(trimmed)}`, file: this.file, line, col: 1 });
    };
    try {
      if (tokens[0] === '-A' || tokens[0] === '--add-service') {
        const svc = parseServiceLine(tokens.slice(1));
        if (this.services.has(svc.key)) return fail('service listed twice');
        this.services.set(svc.key, svc);
      } else if (tokens[0] === '-a' || tokens[0] === '--add-server') {
        // consecutive -a lines name the same service: reuse its parsed target (a pure function of these tokens)
        const spec = `${tokens[1] ?? ''} ${tokens[2] ?? ''} ${tokens[3] ?? ''}`;
        if (spec !== this.lastSpec) {
          const { target, rest } = parseTarget(tokens.slice(1));
          this.lastSpec = spec;
          this.lastKey = serviceKey(target);
          this.lastUsed = tokens.length - 1 - rest.length;
        }
        const rest = tokens.slice(1 + this.lastUsed);
        const entry = this.services.get(this.lastKey);
        if (!entry) return fail('real server line before its service line');
        const server = parseServerLine(rest);
        if (entry.servers.has(server.key)) return fail('real server listed twice');
        entry.servers.set(server.key, server);
      } else {
        fail('expected an -A or -a line');
      }
    } catch (err) {
      fail(err instanceof LineError ? err.message : String(err));
    }
  }
}

class LineError extends Error {}

function parseTarget(tokens: string[]): { target: ServiceTarget; rest: string[] } {
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

function parseServiceLine(tokens: string[]): MutableService {
  const { target, rest } = parseTarget(tokens);
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
  return {
    key: serviceKey(target),
    target,
    name: null,
    // tokens are slices of the whole input: keep copies (see detached)
    scheduler: scheduler === null ? 'none' : detached(scheduler),
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

function parseServerLine(tokens: string[]): RealServer {
  if (tokens[0] !== '-r' && tokens[0] !== '--real-server') throw new LineError('expected -r after the service');
  const value = tokens[1] ?? '';
  const hp = splitHostPort(value);
  const parsed = hp ? parseAddress(hp.address) : null;
  if (!hp || !parsed) throw new LineError(`bad real server address "${value}"`);
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
  const address = detached(parsed.canonical);
  return {
    key: serverKey(address, hp.port),
    family: parsed.family,
    address,
    port: hp.port,
    method,
    weight,
    upperThreshold: upper,
    lowerThreshold: lower,
    tunnel,
  };
}
