import { parseAddress } from '../model/address.js';
import { describeTarget, hostPort, serviceKey } from '../model/keys.js';
import type { Rule } from './rule-context.js';
import { where } from './rule-context.js';
import { methodOf, storedServerPort, toServerKey, toTarget } from './normalize.js';
import type { Spot } from './positions.js';
import type { ServiceDecl } from './written.js';
import { valueAt } from './written.js';

/**
 * Identity rules: two declarations of the same kernel object (after normalisation, so
 * differently written forms of one address or port collide) can never both be applied.
 */

// DUPLICATE_SERVICE: same family/protocol/VIP/port or fwmark, in one file or across files
export const duplicateServiceRule: Rule = (ctx) => {
  const first = new Map<string, Spot>();
  for (const decl of ctx.services) {
    const target = toTarget(decl.raw);
    if (!target) continue;
    const key = serviceKey(target);
    const earlier = first.get(key);
    if (!earlier) { first.set(key, decl.at); continue; }
    ctx.report('DUPLICATE_SERVICE', decl.at,
      `service ${describeTarget(target)} is declared at ${where(earlier)} and again at ${where(decl.at)}; keep one declaration (move the real servers into it)`,
      { related: earlier });
  }
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

// DUPLICATE_SERVER: same address and *stored* port inside one service (dr/tun ports are rewritten)
export const duplicateServerRule: Rule = (ctx) => {
  for (const decl of ctx.services) {
    // indexes, not positions: a position is only worked out for a duplicate (it walks the YAML tree)
    const first = new Map<string, number>();
    (decl.raw.realServers ?? []).forEach((server, i) => {
      const key = toServerKey(decl.raw, server);
      if (key === null) return;
      const earlierIndex = first.get(key);
      if (earlierIndex === undefined) { first.set(key, i); return; }
      const address = parseAddress(server.address)?.canonical;
      if (address === undefined) return;
      const at = valueAt(decl, 'realServers', i);
      const earlier = valueAt(decl, 'realServers', earlierIndex);
      const rewritten = methodOf(server) !== 'nat' && decl.raw.fwmark === undefined;
      const why = rewritten ? ` (with method ${methodOf(server)} the port is always the service port ${decl.raw.port ?? 0})` : '';
      const fix = rewritten ? 'remove one, or use `method: nat` to reach a different port' : 'remove one of them';
      ctx.report('DUPLICATE_SERVER', at,
        `real server ${hostPort(address, storedServerPort(decl.raw, server))} is listed twice in this service, first at ${where(earlier)}${why}; ${fix}`,
        { related: earlier });
    });
  }
};
