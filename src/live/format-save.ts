import { createHash } from 'node:crypto';
import { hostPort } from '../model/keys.js';
import { sortedServers, sortedServices } from '../model/order.js';
import { flagNames } from '../model/schedulers.js';
import type { RealServer, Table, VirtualService } from '../model/types.js';
import { CHECKSUM_SWITCH, METHOD_SWITCH, serviceSpecArgs } from './grammar.js';

/**
 * Canonical save text: the `ipvsadm -S -n` grammar in a stable order, plus `-x/-y` when thresholds are
 * set (ipvsadm -S never prints them). It is valid `ipvsadm -R` input, parses back to the same table,
 * and is what plans diff and digest.
 */

/** -s … -p … -M … --pe … -o … -b …, in the order -S prints them; the complete set, as -E needs (facts §4.1). */
export function serviceAttributeArgs(svc: VirtualService): string[] {
  const args = ['-s', svc.scheduler];
  if (svc.persistence) {
    args.push('-p', String(svc.persistence.timeout));
    const defaultMask = svc.target.family === 'ipv6' ? '128' : '255.255.255.255';
    if (svc.persistence.netmask !== defaultMask) args.push('-M', svc.persistence.netmask);
  }
  if (svc.persistenceEngine) args.push('--pe', svc.persistenceEngine);
  if (svc.onePacket) args.push('-o');
  const flags = flagNames(svc.scheduler, svc.schedulerFlags);
  if (flags.length > 0) args.push('-b', flags.join(','));
  return args;
}

/** -r … -g|-m|-i -w … [-x … -y …] [--tun-type …]: the complete set, as -e needs (facts §4.2). */
export function serverAttributeArgs(server: RealServer): string[] {
  const args = ['-r', hostPort(server.address, server.port), METHOD_SWITCH[server.method], '-w', String(server.weight)];
  if (server.upperThreshold) args.push('-x', String(server.upperThreshold));
  if (server.lowerThreshold) args.push('-y', String(server.lowerThreshold));
  if (server.tunnel) {
    args.push('--tun-type', server.tunnel.type);
    if (server.tunnel.type === 'gue') args.push('--tun-port', String(server.tunnel.port));
    if (server.tunnel.checksum) args.push(CHECKSUM_SWITCH[server.tunnel.checksum]);
  }
  return args;
}

export function formatServiceLine(svc: VirtualService): string {
  return ['-A', ...serviceSpecArgs(svc.target), ...serviceAttributeArgs(svc)].join(' ');
}

export function formatServerLine(svc: VirtualService, server: RealServer): string {
  return ['-a', ...serviceSpecArgs(svc.target), ...serverAttributeArgs(server)].join(' ');
}

export function formatSave(table: Table): string {
  const out: string[] = [];
  for (const svc of sortedServices(table.services.values())) {
    out.push(formatServiceLine(svc));
    // formatServerLine's text, with the service part built once per service (plans digest two such texts)
    const prefix = `-a ${serviceSpecArgs(svc.target).join(' ')} `;
    for (const server of sortedServers(svc.servers.values())) out.push(prefix + serverAttributeArgs(server).join(' '));
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** sha256 of the canonical text: equal tables have equal digests, whatever order ipvsadm printed. */
export function tableDigest(table: Table): string {
  return `sha256:${createHash('sha256').update(formatSave(table)).digest('hex')}`;
}
