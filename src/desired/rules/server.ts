import type { Rule } from './context.js';
import { forEachServer } from './context.js';
import { methodOf } from '../normalize.js';
import { keyAt, valueAt } from '../written.js';

/**
 * Real-server rules: port rewriting, tunnel options, thresholds and address families, each
 * mirroring what ipvsadm or the kernel does with the same input (facts §3.2).
 */

// DR_PORT_MISMATCH: ipvsadm silently stores the service port for dr/tun servers of address services
export const drPortRule: Rule = (ctx) => {
  forEachServer(ctx, (decl, server, i) => {
    const method = methodOf(server);
    const servicePort = decl.raw.port;
    if (decl.raw.fwmark !== undefined || method === 'nat' || server.port === undefined || servicePort === undefined) return;
    if (server.port === servicePort) return;
    ctx.report('DR_PORT_MISMATCH', valueAt(decl, 'realServers', i, 'port'),
      `real server port ${server.port} differs from the service port ${servicePort}, but with method ${method} the kernel would silently store port ${servicePort}; drop \`port\`, or use \`method: nat\` to forward to port ${server.port}`);
  });
};

// TUNNEL_WITHOUT_TUN, TUNNEL_OPTIONS: the --tun-* combinations ipvsadm refuses
export const tunnelRule: Rule = (ctx) => {
  forEachServer(ctx, (decl, server, i) => {
    const tunnel = server.tunnel;
    if (tunnel === undefined) return;
    const at = (...sub: string[]) => valueAt(decl, 'realServers', i, 'tunnel', ...sub);
    if (methodOf(server) !== 'tun') {
      ctx.report('TUNNEL_WITHOUT_TUN', keyAt(decl, 'realServers', i, 'tunnel'),
        `tunnel options apply only to \`method: tun\` and this server uses ${methodOf(server)} (ipvsadm: "Tunnel options conflict with forward method"); set \`method: tun\` or remove \`tunnel\``);
      return;
    }
    const type = tunnel.type ?? 'ipip';
    const typeNote = tunnel.type === undefined ? ' (the tunnel type defaults to ipip)' : '';
    if (type === 'gue' && tunnel.port === undefined) {
      ctx.report('TUNNEL_OPTIONS', at('type'), 'a gue tunnel needs `port`, the UDP port the real server decapsulates on (e.g. 6080); add `port`');
    }
    if (type !== 'gue' && tunnel.port !== undefined) {
      ctx.report('TUNNEL_OPTIONS', at('port'), `${type === 'ipip' ? 'an' : 'a'} ${type} tunnel has no port${typeNote}; remove \`port\` or use \`type: gue\``);
    }
    if (type === 'ipip' && tunnel.checksum !== undefined) {
      ctx.report('TUNNEL_OPTIONS', at('checksum'), `an ipip tunnel has no checksum option${typeNote}; remove \`checksum\` or use \`type: gue\` or \`gre\``);
    }
    if (type === 'gre' && tunnel.checksum === 'remcsum') {
      ctx.report('TUNNEL_OPTIONS', at('checksum'), 'remcsum exists only for gue tunnels; use `checksum: csum` or `nocsum` with gre');
    }
  });
};

// THRESHOLD_ORDER: the kernel returns ERANGE when -y exceeds -x, including -y with -x 0 (unset)
export const thresholdRule: Rule = (ctx) => {
  forEachServer(ctx, (decl, server, i) => {
    const lower = server.lowerThreshold ?? 0;
    const upper = server.upperThreshold ?? 0;
    if (lower <= upper) return;
    const why = upper === 0
      ? `lowerThreshold ${lower} is set but upperThreshold is 0 (unset)`
      : `lowerThreshold ${lower} is above upperThreshold ${upper}`;
    ctx.report('THRESHOLD_ORDER', valueAt(decl, 'realServers', i, 'lowerThreshold'),
      `${why}; the kernel refuses this ("Numerical result out of range"); set upperThreshold to at least ${lower} or lower lowerThreshold`);
  });
};

// MIXED_FAMILY: a server of the other family is allowed only when tunnelled
export const mixedFamilyRule: Rule = (ctx) => {
  forEachServer(ctx, (decl, server, i, facts) => {
    const serviceFam = facts.family;
    const serverFam = facts.servers[i]?.family;
    if (!serviceFam || !serverFam || serviceFam === serverFam || methodOf(server) === 'tun') return;
    const [svcName, rsName] = [serviceFam, serverFam].map((f) => (f === 'ipv4' ? 'IPv4' : 'IPv6'));
    ctx.report('MIXED_FAMILY', valueAt(decl, 'realServers', i, 'address'),
      `real server ${server.address} is ${rsName} but the service is ${svcName}; mixing families works only with \`method: tun\` (ipvsadm: "Different address family is allowed only for tunneling servers"); use an ${svcName} address or \`method: tun\``);
  });
};
