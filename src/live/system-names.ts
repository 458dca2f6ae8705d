import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { builtinServices, parseServices } from './etc-services.js';
import { portLookup, type NameResolver } from './names.js';

/**
 * The host's own answers, as ipvsadm gets them: port names from /etc/services (then lvsync's
 * built-in table for a name it lacks), host names from the system resolver (getaddrinfo: /etc/hosts,
 * then DNS, as nsswitch says; gethostbyname reads the same sources), IPv4 only. Only the CLI uses it;
 * tests inject their own resolver.
 */
export function createSystemResolver(servicesPath = '/etc/services'): NameResolver {
  let ports: NameResolver['port'] | undefined;
  return {
    port: (name, protocol) => {
      // read when the first port name is met: a -S -n file never needs it
      ports ??= portLookup(readServicesFile(servicesPath), builtinServices());
      return ports(name, protocol);
    },
    host: async (name) => {
      try {
        return (await lookup(name, { family: 4, all: true, verbatim: true })).map((a) => a.address);
      } catch {
        // ENOTFOUND, EAI_AGAIN...: not resolved, which the parse reports with the line
        return [];
      }
    },
  };
}

function readServicesFile(path: string): { path: string; entries: ReturnType<typeof parseServices> } | null {
  try {
    return { path, entries: parseServices(readFileSync(path, 'utf8')) };
  } catch {
    return null;
  }
}
