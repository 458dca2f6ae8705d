import { builtinServices } from '../../src/live/etc-services.js';
import { portLookup, type NameResolver } from '../../src/live/names.js';

/**
 * A NameResolver for tests: host names from an /etc/hosts-like text (IPv4 answers only, in file
 * order, as gethostbyname gives them), port names from the built-in services table presented as
 * /etc/services. No test resolves a name through the system.
 */
export function fakeNames(hostsText = '127.0.0.1 localhost\n'): NameResolver & { readonly asked: string[] } {
  const hosts = new Map<string, string[]>();
  for (const raw of hostsText.split('\n')) {
    const [address, ...names] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (!address || address.includes(':')) continue;
    for (const name of names) hosts.set(name, [...(hosts.get(name) ?? []), address]);
  }
  const asked: string[] = [];
  return {
    asked,
    port: portLookup({ path: '/etc/services', entries: builtinServices() }, builtinServices()),
    host: async (name) => {
      asked.push(name);
      return hosts.get(name) ?? [];
    },
  };
}

/** For tests that expect no host name at all: ports answered, any host lookup fails the test. */
export const noHostNames: NameResolver = {
  port: portLookup({ path: '/etc/services', entries: builtinServices() }, builtinServices()),
  host: async (name) => { throw new Error(`this test did not expect a host name lookup (${name})`); },
};
