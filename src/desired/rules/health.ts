import { parseAddress } from '../../model/address.js';
import { methodOf, toServerKey } from '../normalize.js';
import { HEALTH_DEFAULTS, checkPort, durationMs, mergedCheck } from '../policy.js';
import type { Rule } from './context.js';
import { forEachServer } from './context.js';
import type { ServiceDecl, WrittenServer } from '../written.js';
import { keyAt, valueAt } from '../written.js';

/**
 * Health-check and fallback rules (issue 5): what would make a check meaningless or the sorry
 * server impossible to add, caught before anything runs.
 */

// the node to point at for a server's check: its own block when it has one, else the service's
function checkAt(decl: ServiceDecl, server: WrittenServer, i: number, field?: string) {
  const own = server.healthCheck && (field === undefined || field in server.healthCheck);
  if (own) return field ? keyAt(decl, 'realServers', i, 'healthCheck', field) : keyAt(decl, 'realServers', i, 'healthCheck');
  return field ? keyAt(decl, 'healthCheck', field) : keyAt(decl, 'healthCheck');
}

const HTTP_ONLY = ['path', 'expectStatus', 'expectBody', 'host'] as const;
const MIN_INTERVAL_MS = 100;
const MIN_TIMEOUT_MS = 10;

// HEALTH_CHECK_PORT, HEALTH_CHECK_COMMAND, HEALTH_CHECK_FIELD_UNUSED, HEALTH_CHECK_TIMEOUT
export const healthCheckRule: Rule = (ctx) => {
  const reported = new Set<string>();
  // a service-level mistake is reported once, not once per server that inherits it
  const once = (spot: ReturnType<typeof keyAt>, fn: () => void) => {
    const id = `${spot.file}:${spot.line}:${spot.col}`;
    if (!reported.has(id)) { reported.add(id); fn(); }
  };
  forEachServer(ctx, (decl, server, i) => {
    const check = mergedCheck(decl.raw, server);
    if (!check) return;
    const type = check.type ?? HEALTH_DEFAULTS.type;
    if (type === 'exec' && check.command === undefined) {
      const at = checkAt(decl, server, i);
      once(at, () => ctx.report('HEALTH_CHECK_COMMAND', at, 'an exec health check needs `command`, e.g. `command: ["/usr/local/bin/check", "--quick"]` (it gets the real server in LVSYNC_RS_ADDRESS and LVSYNC_RS_PORT); add it or use type tcp/http'));
    }
    if (type !== 'exec' && checkPort(decl.raw, server, check) === 0) {
      const at = checkAt(decl, server, i);
      ctx.report('HEALTH_CHECK_PORT', at, `real server ${server.address} has no port (fwmark services forward every port), so a ${type} check does not know where to connect; set \`healthCheck.port\``);
    }
    if (type !== 'exec' && check.command !== undefined) {
      const at = checkAt(decl, server, i, 'command');
      once(at, () => ctx.report('HEALTH_CHECK_FIELD_UNUSED', at, `\`command\` is only used by exec checks and this check is ${type}; remove it or set \`type: exec\``, { severity: 'warning' }));
    }
    if (type !== 'http' && type !== 'https') {
      for (const field of HTTP_ONLY) {
        if (check[field] === undefined) continue;
        const at = checkAt(decl, server, i, field);
        once(at, () => ctx.report('HEALTH_CHECK_FIELD_UNUSED', at, `\`${field}\` is only used by http/https checks and this check is ${type}; remove it or set \`type: http\``, { severity: 'warning' }));
      }
    }
    const interval = durationMs(check.interval, HEALTH_DEFAULTS.intervalMs);
    const timeout = durationMs(check.timeout, HEALTH_DEFAULTS.timeoutMs);
    if (timeout > interval) {
      const at = checkAt(decl, server, i, check.timeout !== undefined ? 'timeout' : 'interval');
      once(at, () => ctx.report('HEALTH_CHECK_TIMEOUT', at, `the check timeout (${timeout} ms) is longer than its interval (${interval} ms), so a hanging server is checked less often than the interval says; make the timeout shorter than the interval`, { severity: 'warning' }));
    }
    if (interval < MIN_INTERVAL_MS) {
      const at = checkAt(decl, server, i, 'interval');
      once(at, () => ctx.report('HEALTH_CHECK_TIMEOUT', at, `a health check interval of ${interval} ms would check almost without pause; use at least ${MIN_INTERVAL_MS}ms (5s is the default)`));
    }
    if (timeout < MIN_TIMEOUT_MS) {
      const at = checkAt(decl, server, i, 'timeout');
      once(at, () => ctx.report('HEALTH_CHECK_TIMEOUT', at, `a health check timeout of ${timeout} ms fails every check before it can connect; use at least ${MIN_TIMEOUT_MS}ms (2s is the default)`));
    }
    if (type === 'tcp' && decl.raw.protocol === 'udp' && check.port === undefined) {
      const at = checkAt(decl, server, i);
      once(at, () => ctx.report('HEALTH_CHECK_PROTOCOL', at, 'this is a UDP service but a tcp check connects over TCP: it only passes if the real server also listens on TCP; use an exec check that speaks the protocol (e.g. dig for DNS), or set `healthCheck.port` to a TCP port it serves', { severity: 'warning' }));
    }
  });
};

// FALLBACK_CONFLICT, FALLBACK_UNUSED, and the address checks real servers get
export const fallbackRule: Rule = (ctx) => {
  ctx.services.forEach((decl, s) => {
    const fallback = decl.raw.fallback;
    if (!fallback) return;
    const at = (field: string) => valueAt(decl, 'fallback', field);
    const parsed = parseAddress(fallback.address);
    if (!parsed) {
      ctx.report('ADDRESS_INVALID', at('address'), `fallback address ${JSON.stringify(fallback.address)} is not an IP address; write an IPv4 or IPv6 address such as 127.0.0.1`);
      return;
    }
    const facts = ctx.facts[s]!;
    const family = facts.family;
    if (family && family !== parsed.family && methodOf(fallback) !== 'tun') {
      ctx.report('MIXED_FAMILY', at('address'), `the fallback server ${fallback.address} is not of the service's address family; use an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
    }
    if (decl.raw.fwmark === undefined && methodOf(fallback) !== 'nat' && fallback.port !== undefined && fallback.port !== decl.raw.port) {
      ctx.report('DR_PORT_MISMATCH', at('port'), `fallback port ${fallback.port} differs from the service port ${decl.raw.port}, but with method ${methodOf(fallback)} the kernel would store port ${decl.raw.port}; drop \`port\` or use \`method: nat\``);
    }
    const key = toServerKey(decl.raw, fallback);
    if (key && facts.servers.some((server) => server?.key === key)) {
      ctx.report('FALLBACK_CONFLICT', at('address'), `the fallback server ${fallback.address} is also one of the service's real servers; the sorry server must be a different address or port`);
    }
    const checked = (decl.raw.realServers ?? []).some((server) => mergedCheck(decl.raw, server) !== null);
    if (!checked) {
      ctx.report('FALLBACK_UNUSED', keyAt(decl, 'fallback'), 'a fallback server is used only when every health-checked real server is down, and no real server of this service has a health check; add `healthCheck` or remove `fallback`', { severity: 'warning' });
    }
  });
};
