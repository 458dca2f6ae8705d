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

// serverAttributeArgs(server).join(' '), without the array (it runs for every server of both tables in a plan)
function serverAttributeText(server: RealServer): string {
  let text = `-r ${hostPort(server.address, server.port)} ${METHOD_SWITCH[server.method]} -w ${server.weight}`;
  if (server.upperThreshold) text += ` -x ${server.upperThreshold}`;
  if (server.lowerThreshold) text += ` -y ${server.lowerThreshold}`;
  if (server.tunnel) {
    text += ` --tun-type ${server.tunnel.type}`;
    if (server.tunnel.type === 'gue') text += ` --tun-port ${server.tunnel.port}`;
    if (server.tunnel.checksum) text += ` ${CHECKSUM_SWITCH[server.tunnel.checksum]}`;
  }
  return text;
}

export function formatServiceLine(svc: VirtualService): string {
  return ['-A', ...serviceSpecArgs(svc.target), ...serviceAttributeArgs(svc)].join(' ');
}

export function formatServerLine(svc: VirtualService, server: RealServer): string {
  return ['-a', ...serviceSpecArgs(svc.target), ...serverAttributeArgs(server)].join(' ');
}

// every line of the canonical text, in order; formatServerLine's text, with the service part built once per service
function eachSaveLine(table: Table, emit: (line: string) => void): void {
  for (const svc of sortedServices(table.services.values())) {
    emit(formatServiceLine(svc));
    const prefix = `-a ${serviceSpecArgs(svc.target).join(' ')} `;
    for (const server of sortedServers(svc.servers.values())) emit(prefix + serverAttributeText(server));
  }
}

export function formatSave(table: Table): string {
  const out: string[] = [];
  eachSaveLine(table, (line) => out.push(line));
  return out.length ? `${out.join('\n')}\n` : '';
}

/**
 * sha256 (hex) of `formatSave(table) + suffix`, hashed in chunks as the lines are made. Plans digest
 * both tables: building the two 250k-line texts (an array of lines, the joined text and its copy with
 * the settings appended) was ~110 MB of the peak at 50k services (issue 6); the bytes hashed are the same.
 */
export function saveTextSha256(table: Table, suffix = ''): string {
  const hash = createHash('sha256');
  let chunk = '';
  eachSaveLine(table, (line) => {
    chunk += `${line}\n`;
    if (chunk.length >= 65536) { hash.update(chunk); chunk = ''; }
  });
  hash.update(chunk + suffix);
  return hash.digest('hex');
}

/** sha256 of the canonical text: equal tables have equal digests, whatever order ipvsadm printed. */
export function tableDigest(table: Table): string {
  return `sha256:${saveTextSha256(table)}`;
}
