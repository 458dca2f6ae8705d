import type { Protocol } from '../model/types.js';
import { lookupService, type ServiceEntry } from './etc-services.js';

/**
 * The names a rules file may hold where `ipvsadm -S -n` prints numbers: `ipvsadm -S` without -n
 * writes `10.0.0.1:http`, `localhost:https`, `[2001:db8::1]:gsiftp`, and `ipvsadm -R` reads them
 * back by looking them up. lvsync looks them up the way ipvsadm 1.31 does (ipvsadm.c parse_service):
 *
 * - a port that is not a number goes through getservbyname(name, proto), proto being the service's
 *   own protocol: "tcp" for -t, "udp" for -u, "sctp" for --sctp-service, and "tcp" for -f (ipvsadm
 *   sets a fwmark service's protocol to TCP), for the -r port as for the service's;
 * - an address that is neither IPv6 nor inet_aton text goes through gethostbyname(name): IPv4 only,
 *   the first address it returns. No IPv6 name is ever resolved.
 *
 * The parser is pure, so it takes the answers (SaveNames): port names from a services table, host
 * names answered beforehand by an async step at the edge (read-rules.ts), which uses a NameResolver.
 */

/** A port name looked up: the number and where it was found (for the note that says so). */
export interface PortAnswer {
  readonly port: number;
  readonly from: string;
}

/** What the -S parser may ask about a rules file's names, answered synchronously. */
export interface SaveNames {
  /** getservbyname(name, protocol), or null when no services table has it */
  port(name: string, protocol: Protocol): PortAnswer | null;
  /** the IPv4 addresses `name` resolved to ([] when it does not resolve), or undefined when not asked yet */
  host(name: string): readonly string[] | undefined;
}

/** The edge's resolver: port names synchronously from a services table, host names asynchronously. */
export interface NameResolver {
  port(name: string, protocol: Protocol): PortAnswer | null;
  /** gethostbyname(name): its IPv4 addresses in the resolver's order, [] when it does not resolve */
  host(name: string): Promise<readonly string[]>;
}

export const BUILTIN_SERVICES = "lvsync's built-in services table (Debian netbase)";

/**
 * getservbyname over a host's services file, then the built-in table for a name the file lacks
 * (or when there is no file: `file` null).
 */
export function portLookup(file: { readonly path: string; readonly entries: readonly ServiceEntry[] } | null, builtin: readonly ServiceEntry[]): NameResolver['port'] {
  return (name, protocol) => {
    const own = file === null ? undefined : lookupService(file.entries, name, protocol);
    if (own !== undefined) return { port: own, from: file!.path };
    const fallback = lookupService(builtin, name, protocol);
    return fallback === undefined ? null : { port: fallback, from: BUILTIN_SERVICES };
  };
}

/** SaveNames from a resolver's port lookup and the host answers gathered so far. */
export function saveNames(port: NameResolver['port'], hosts: ReadonlyMap<string, readonly string[]>): SaveNames {
  return { port, host: (name) => hosts.get(name) };
}
