import type { Diagnostic, DiagnosticCode } from '../diagnostics.js';
import { parseAddress } from '../model/address.js';
import type { Family, Protocol } from '../model/types.js';
import type { PortAnswer, SaveNames } from './names.js';

/**
 * What the `-S` parser does beyond `ipvsadm -S -n` text when it reads a rules file (a file for
 * `ipvsadm-restore`, or `ipvsadm -S` saved without -n): host names and service names, read the way
 * ipvsadm 1.31's parse_service reads them (see names.ts), each name looked up once and reported once.
 */

/** A name the file used, its answer, and where: one note per name, not one per line. */
export interface NameLookup {
  readonly kind: 'host' | 'port';
  readonly name: string;
  /** the protocol of a port lookup (getservbyname's second argument) */
  readonly protocol: Protocol | null;
  /** a port: its answer; a host: its IPv4 addresses (the first is used); null or []: not found */
  readonly answer: PortAnswer | readonly string[] | null;
  /** the lines that used it, in order, each once */
  readonly lines: readonly number[];
  /** the keys of the services those lines belong to (for placing a note before its service) */
  readonly services: ReadonlySet<string>;
}

/** A line ipvsadm would refuse, with the code to report it under. */
export class RulesLineError extends Error {
  constructor(message: string, readonly code: DiagnosticCode = 'LIVE_PARSE') {
    super(message);
  }
}

/** The line uses a name that is unresolved or not asked yet: its lookup reports it, once for all its lines. */
export class NameNotAnswered extends Error {}

interface MutableLookup {
  kind: 'host' | 'port';
  name: string;
  protocol: Protocol | null;
  answer: PortAnswer | readonly string[] | null;
  lines: number[];
  services: Set<string>;
}

/** An address and port as ipvsadm read them; port null when the text had none. */
export interface RulesHostPort {
  readonly address: string;
  readonly family: Family;
  readonly port: number | null;
}

export class RulesContext {
  /** host names the answers did not have yet: ask the resolver, then parse again */
  readonly pending = new Set<string>();
  private readonly lookups = new Map<string, MutableLookup>();
  private line = 0;
  private lineUses: MutableLookup[] = [];

  constructor(private readonly names: SaveNames) {}

  startLine(line: number): void {
    this.line = line;
    this.lineUses = [];
  }

  /** The line belonged to this service (null: it failed): the names it used go with that service. */
  endLine(serviceKey: string | null): void {
    if (serviceKey !== null) for (const use of this.lineUses) use.services.add(serviceKey);
  }

  /**
   * ipvsadm's parse_service: "[v6]:port", an IPv6 address alone (no port: without brackets a
   * ":port" is part of the address), or "v4-or-name[:port]"; a port is a number or a service name
   * of `protocol`. `role` names the address in messages ("virtual" or "real server").
   */
  hostPort(text: string, protocol: Protocol, role: string): RulesHostPort {
    // str_is_digit: a bare number (or nothing) is no address
    if (/^\d*$/.test(text)) throw new RulesLineError(`bad ${role} address "${text}"`);
    if (text.startsWith('[')) {
      const close = text.indexOf(']');
      if (close < 0 || text[close + 1] !== ':') throw new RulesLineError(`bad ${role} address "${text}": an address in brackets needs "]:port"`);
      const inside = text.slice(1, close);
      const parsed = parseAddress(inside);
      if (parsed?.family !== 'ipv6') {
        // parse_service looks for the port inside the brackets, finds none, and reads what is left as IPv4 or a name
        if (parsed) throw new RulesLineError(`ipvsadm reads "${text}" as ${inside} without its port; write ${inside}:${text.slice(close + 2)}`);
        throw new RulesLineError(`ipvsadm cannot read "${text}": it resolves host names to IPv4 only, through gethostbyname, and drops the port after a name in brackets; save the table with \`ipvsadm -S -n\`, or write the IPv6 address`, 'LIVE_UNRESOLVED');
      }
      return { address: parsed.canonical, family: 'ipv6', port: this.port(text.slice(close + 2), protocol) };
    }
    const whole = parseAddress(text);
    if (whole?.family === 'ipv6') return { address: whole.canonical, family: 'ipv6', port: null };
    const colon = text.lastIndexOf(':');
    const host = colon < 0 ? text : text.slice(0, colon);
    const port = colon < 0 ? null : this.port(text.slice(colon + 1), protocol);
    const v4 = parseAddress(host);
    if (v4?.family === 'ipv4') return { address: v4.canonical, family: 'ipv4', port };
    if (host === '') throw new RulesLineError(`bad ${role} address "${text}": no address before the port`);
    if (/^[\d.]+$/.test(host)) {
      throw new RulesLineError(`bad ${role} address "${host}": ipvsadm reads it with inet_aton (a leading 0 is octal, missing parts are zeros); write the address as four decimal numbers`);
    }
    return { address: this.host(host), family: 'ipv4', port };
  }

  private port(text: string, protocol: Protocol): number {
    // string_to_number: strtol with the whole text consumed, 0..65535; anything else is a service name
    if (/^\+?\d+$/.test(text) && Number(text) <= 65535) return Number(text);
    const lookup = this.lookup('port', text, protocol, () => this.names.port(text, protocol));
    const answer = lookup.answer as PortAnswer | null;
    if (answer === null) throw new NameNotAnswered();
    return answer.port;
  }

  private host(name: string): string {
    const known = this.names.host(name);
    if (known === undefined) {
      this.pending.add(name);
      throw new NameNotAnswered();
    }
    const lookup = this.lookup('host', name, null, () => known);
    const first = (lookup.answer as readonly string[])[0];
    if (first === undefined) throw new NameNotAnswered();
    return first;
  }

  private lookup(kind: 'host' | 'port', name: string, protocol: Protocol | null, answer: () => PortAnswer | readonly string[] | null): MutableLookup {
    const key = `${kind} ${protocol ?? ''} ${name}`;
    let found = this.lookups.get(key);
    if (!found) {
      found = { kind, name, protocol, answer: answer(), lines: [], services: new Set() };
      this.lookups.set(key, found);
    }
    if (found.lines[found.lines.length - 1] !== this.line) found.lines.push(this.line);
    this.lineUses.push(found);
    return found;
  }

  /** Every name looked up, in the order first used. */
  results(): NameLookup[] {
    return [...this.lookups.values()];
  }

  /** One diagnostic per name, at the first line that used it: an error when it was not found. */
  diagnostics(file: string): Diagnostic[] {
    return this.results().map((l) => lookupDiagnostic(l, file));
  }
}

export function lookupDiagnostic(l: NameLookup, file: string): Diagnostic {
  const at = { file, line: l.lines[0] ?? 0, col: 1 };
  const where = l.lines.length > 1 ? `; used on lines ${lineList(l.lines)}` : '';
  if (l.kind === 'port') {
    const answer = l.answer as PortAnswer | null;
    if (answer === null) {
      return { severity: 'error', code: 'LIVE_UNRESOLVED', ...at, message: `no service named "${l.name}" for ${l.protocol} in the services files (getservbyname, as ipvsadm reads a port): ipvsadm -R would stop here too; write the port number, or save the table with \`ipvsadm -S -n\`${where}` };
    }
    return { severity: 'info', code: 'LIVE_RESOLVED', ...at, message: `port ${l.name} is ${answer.port}/${l.protocol} (${answer.from})${where}` };
  }
  const addresses = l.answer as readonly string[];
  if (addresses.length === 0) {
    return { severity: 'error', code: 'LIVE_UNRESOLVED', ...at, message: `host name "${l.name}" does not resolve to an IPv4 address (gethostbyname, as ipvsadm reads a host name): ipvsadm -R would stop here too; save the table with \`ipvsadm -S -n\`, or write the address${where}` };
  }
  const how = addresses.length > 1 ? `gethostbyname, as ipvsadm -R resolves it: the first of ${addresses.join(', ')}` : 'gethostbyname, as ipvsadm -R resolves it';
  return { severity: 'warning', code: 'LIVE_RESOLVED', ...at, message: `host name ${l.name} resolved to ${addresses[0]} (${how}); check that it is the address meant (\`ipvsadm -S -n\` saves addresses, not names)${where}` };
}

/** "3, 4, 9" — at most eight, then how many more. */
export function lineList(lines: readonly number[]): string {
  const shown = lines.slice(0, 8).join(', ');
  return lines.length > 8 ? `${shown} and ${lines.length - 8} more` : shown;
}
