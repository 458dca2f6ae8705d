import { stringify } from 'yaml';
import { sortedServers, sortedServices } from '../model/order.js';
import { flagNames } from '../model/schedulers.js';
import { DAEMON_DEFAULTS, DAEMON_ROLES, type LiveSettings, type SyncDaemon } from '../model/settings.js';
import type { RealServer, Table, VirtualService } from '../model/types.js';
import type { WrittenFile } from '../desired/written.js';
import { exportVips } from './vips.js';

/**
 * The live table as an lvsync desired-state document, so a hand-built director can be adopted.
 * Only what differs from the defaults is written, except method and weight, which a reader of
 * the file should never have to look up. Planning the result against the same table shows no changes.
 */
export function exportDesiredYaml(table: Table, header: string, ownedAddresses: readonly string[] = []): string {
  const body = stringify(exportDocument(table, ownedAddresses), YAML_OPTIONS);
  return `${header.split('\n').map((l) => `# ${l}`).join('\n')}\n${body}`;
}

/** How export writes YAML; `lvsync import` writes the same way (src/import/render.ts). */
export const YAML_OPTIONS = { lineWidth: 0 } as const;

/**
 * The document export writes, services in lvsync's canonical order (model/order.ts); `lvsync import ipvsadm` writes it too.
 * `ownedAddresses`: the VIPs lvsync bound (the inventory), exported as `vips` (export/vips.ts).
 */
export function exportDocument(table: Table, ownedAddresses: readonly string[] = []): WrittenFile {
  const vips = ownedAddresses.length ? exportVips(table.services.values(), ownedAddresses) : null;
  const services = sortedServices(table.services.values()).map((svc) => {
    const out = exportService(svc);
    if (vips?.notBound.has(svc.key)) out.bindVip = false;
    return out;
  });
  return { version: 1, ...(vips ? { vips: vips.vips } : {}), services, ...(table.settings ? exportSettings(table.settings) : {}) } as WrittenFile;
}

function exportService(svc: VirtualService): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const t = svc.target;
  if (t.kind === 'fwmark') {
    out.fwmark = t.mark;
    if (t.family === 'ipv6') out.family = 'ipv6';
  } else {
    out.protocol = t.protocol;
    out.address = t.address;
    out.port = t.port;
  }
  out.scheduler = svc.scheduler;
  const flags = flagNames(svc.scheduler, svc.schedulerFlags);
  if (flags.length) out.schedulerFlags = flags;
  if (svc.persistence) {
    const defaultMask = t.family === 'ipv6' ? '128' : '255.255.255.255';
    const p: Record<string, unknown> = { timeout: svc.persistence.timeout };
    if (svc.persistence.netmask !== defaultMask) p.netmask = t.family === 'ipv6' ? Number(svc.persistence.netmask) : svc.persistence.netmask;
    out.persistence = p;
  }
  if (svc.persistenceEngine) out.persistenceEngine = svc.persistenceEngine;
  if (svc.onePacket) out.onePacket = true;
  out.realServers = sortedServers(svc.servers.values()).map((s) => exportServer(svc, s));
  return out;
}

function exportServer(svc: VirtualService, s: RealServer): Record<string, unknown> {
  const out: Record<string, unknown> = { address: s.address };
  const defaultPort = svc.target.kind === 'address' ? svc.target.port : 0;
  if (s.port !== defaultPort) out.port = s.port;
  out.method = s.method;
  out.weight = s.weight;
  if (s.upperThreshold) out.upperThreshold = s.upperThreshold;
  if (s.lowerThreshold) out.lowerThreshold = s.lowerThreshold;
  if (s.tunnel) {
    const tun: Record<string, unknown> = { type: s.tunnel.type };
    if (s.tunnel.type === 'gue') tun.port = s.tunnel.port;
    if (s.tunnel.checksum && s.tunnel.checksum !== 'nocsum') tun.checksum = s.tunnel.checksum;
    out.tunnel = tun;
  }
  return out;
}

/**
 * Kernel settings read with the table: the timeouts, the daemons that run (a role that does not run is
 * left out, so adopting a director never starts managing it) and the sysctls that exist.
 */
function exportSettings(settings: LiveSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (settings.timeouts) out.timeouts = { ...settings.timeouts };
  const daemons: Record<string, unknown> = {};
  for (const role of DAEMON_ROLES) {
    const d = settings.daemons?.[role];
    if (d) daemons[role] = exportDaemon(d);
  }
  if (Object.keys(daemons).length) out.syncDaemon = daemons;
  const sysctls: Record<string, unknown> = {};
  for (const [name, value] of settings.sysctls) {
    if (value !== null) sysctls[name] = /^\d+$/.test(value) ? Number(value) : value;
  }
  if (Object.keys(sysctls).length) out.sysctls = sysctls;
  return out;
}

// maxLength is left to the kernel (it derives it from the MTU), the rest only where it is not the default
function exportDaemon(d: SyncDaemon): Record<string, unknown> {
  const out: Record<string, unknown> = { interface: d.interface, syncId: d.syncId };
  if (d.group !== DAEMON_DEFAULTS.group) out.group = d.group;
  if (d.port !== DAEMON_DEFAULTS.port) out.port = d.port;
  if (d.ttl !== DAEMON_DEFAULTS.ttl) out.ttl = d.ttl;
  return out;
}
