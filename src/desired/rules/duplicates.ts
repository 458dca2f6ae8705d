import { describeTarget, hostPort } from '../../model/keys.js';
import type { RealServer } from '../../model/types.js';
import type { Rule } from './context.js';
import { where } from './context.js';
import { methodOf } from '../normalize.js';
import type { Spot } from '../yaml/positions.js';
import type { ServiceDecl } from '../written.js';
import { valueAt } from '../written.js';

/**
 * Identity rules: two declarations of the same kernel object (after normalisation, so
 * differently written forms of one address or port collide) can never both be applied.
 */

// DUPLICATE_SERVICE: same family/protocol/VIP/port or fwmark, in one file or across files
export const duplicateServiceRule: Rule = (ctx) => {
  const first = new Map<string, Spot>();
  ctx.services.forEach((decl, s) => {
    const { target, key } = ctx.facts[s]!;
    if (!target || key === null) return;
    const earlier = first.get(key);
    if (!earlier) { first.set(key, decl.at); return; }
    ctx.report('DUPLICATE_SERVICE', decl.at,
      `service ${describeTarget(target)} is declared at ${where(earlier)} and again at ${where(decl.at)}; keep one declaration (move the real servers into it)`,
      { related: earlier });
  });
};

// DUPLICATE_NAME: names identify services in plans and logs, so they must be unique everywhere
export const duplicateNameRule: Rule = (ctx) => {
  // declarations, not positions: a position is only worked out for a duplicate (it walks the YAML tree)
  const first = new Map<string, ServiceDecl>();
  for (const decl of ctx.services) {
    if (decl.raw.name === undefined) continue;
    const earlierDecl = first.get(decl.raw.name);
    if (!earlierDecl) { first.set(decl.raw.name, decl); continue; }
    const at = valueAt(decl, 'name');
    const earlier = valueAt(earlierDecl, 'name');
    ctx.report('DUPLICATE_NAME', at,
      `service name ${JSON.stringify(decl.raw.name)} is already used at ${where(earlier)}; names must be unique across all files, rename one`,
      { related: earlier });
  }
};

// the index of an earlier server with the same key, or -1. A linear scan for the usual handful of
// servers (no Map per service); a Map once a service has many, so 1k×256 tables stay linear.
const SCAN_LIMIT = 16;
function earlierWithKey(servers: readonly (RealServer | null)[], i: number, seen: Map<string, number> | null): number {
  const key = servers[i]!.key;
  if (seen) {
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, i);
    return earlier ?? -1;
  }
  for (let j = 0; j < i; j++) if (servers[j]?.key === key) return j;
  return -1;
}

// DUPLICATE_SERVER: same address and *stored* port inside one service (dr/tun ports are rewritten)
export const duplicateServerRule: Rule = (ctx) => {
  ctx.services.forEach((decl, s) => {
    const servers = ctx.facts[s]!.servers;
    // indexes, not positions: a position is only worked out for a duplicate (it walks the YAML tree)
    const seen = servers.length > SCAN_LIMIT ? new Map<string, number>() : null;
    for (let i = 0; i < servers.length; i++) {
      const server = servers[i];
      if (!server) continue;
      const earlierIndex = earlierWithKey(servers, i, seen);
      if (earlierIndex === -1) continue;
      const written = decl.raw.realServers![i]!;
      const at = valueAt(decl, 'realServers', i);
      const earlier = valueAt(decl, 'realServers', earlierIndex);
      const rewritten = methodOf(written) !== 'nat' && decl.raw.fwmark === undefined;
      const why = rewritten ? ` (with method ${methodOf(written)} the port is always the service port ${decl.raw.port ?? 0})` : '';
      const fix = rewritten ? 'remove one, or use `method: nat` to reach a different port' : 'remove one of them';
      ctx.report('DUPLICATE_SERVER', at,
        `real server ${hostPort(server.address, server.port)} is listed twice in this service, first at ${where(earlier)}${why}; ${fix}`,
        { related: earlier });
    }
  });
};
