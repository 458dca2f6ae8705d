import type { NameResolver } from './names.js';
import { saveNames } from './names.js';
import { parseRulesFile, type RulesParse } from './parse-save.js';

/**
 * A rules file read with its host names resolved: parse (port names are answered on the spot),
 * resolve the host names that parse met, all at once, and parse again with the answers, until a parse
 * meets no new name. A line stops at its first unknown name, so a line naming a service host and a
 * server host takes two rounds; a file with no host name (any `-S -n` text) is parsed once. No I/O of
 * its own: the resolver does the lookups.
 */
export async function readRulesFile(text: string, file: string, resolver: NameResolver): Promise<RulesParse> {
  const answers = new Map<string, readonly string[]>();
  for (;;) {
    const parsed = parseRulesFile(text, file, saveNames(resolver.port, answers));
    // every pending name is new: an answered one is never pending again
    if (parsed.pendingHosts.length === 0) return parsed;
    const resolved = await Promise.all(parsed.pendingHosts.map(async (name) => [name, await resolver.host(name)] as const));
    for (const [name, addresses] of resolved) answers.set(name, addresses);
  }
}
