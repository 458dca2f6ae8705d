import { DEFAULT_SCHEDULER, flagOwner, schedulerUsesFlags } from '../../model/schedulers.js';
import type { Rule } from './context.js';
import { persistenceEnabled, serviceFamily, toNetmask, writtenNetmask } from '../normalize.js';
import { keyAt, valueAt } from '../written.js';

/**
 * Service-level rules: combinations ipvsadm or the kernel would refuse, or would accept and then
 * ignore. Each says what ipvsadm would do and how to fix the file.
 */

function netmaskProblem(family: 'ipv4' | 'ipv6', value: string | number): string {
  const text = String(value);
  const prefix = /^\/?\d+$/.test(text) ? Number(text.replace('/', '')) : null;
  if (family === 'ipv4') {
    if (prefix !== null) return `prefix length ${prefix} does not fit an IPv4 service (1..32); write e.g. 24 or 255.255.255.0`;
    if (text.includes(':')) return `${JSON.stringify(text)} is an IPv6 mask but the service is IPv4; write a dotted mask like 255.255.255.0 or a prefix length like 24`;
    return `${JSON.stringify(text)} is not an IPv4 netmask; write a dotted mask like 255.255.255.0 or a prefix length like 24`;
  }
  if (prefix !== null) return `prefix length ${prefix} does not fit an IPv6 service (1..128); write e.g. 64`;
  return `${JSON.stringify(text)} is not an IPv6 prefix length; IPv6 services take a prefix length 1..128 (ipvsadm -M 64), e.g. 64`;
}

// NETMASK_FAMILY, NETMASK_WITHOUT_PERSISTENCE: -M must match the family, and means nothing without -p
export const netmaskRule: Rule = (ctx) => {
  for (const decl of ctx.services) {
    const mask = writtenNetmask(decl.raw.persistence);
    if (mask === undefined) continue;
    if (!persistenceEnabled(decl.raw.persistence)) {
      ctx.report('NETMASK_WITHOUT_PERSISTENCE', keyAt(decl, 'persistence', 'netmask'),
        'netmask only groups clients of a persistent service, and persistence is disabled here; remove `netmask` or set `enabled: true`');
      continue;
    }
    const family = serviceFamily(decl.raw);
    if (family && toNetmask(family, mask) === null) {
      ctx.report('NETMASK_FAMILY', valueAt(decl, 'persistence', 'netmask'), `netmask ${netmaskProblem(family, mask)}`);
    }
  }
};

// SCHEDULER_FLAG_MISMATCH (error), SCHEDULER_FLAG_UNUSED (warning): flags are named per scheduler (facts §2.2)
export const schedulerFlagRule: Rule = (ctx) => {
  for (const decl of ctx.services) {
    const scheduler = decl.raw.scheduler ?? DEFAULT_SCHEDULER;
    (decl.raw.schedulerFlags ?? []).forEach((flag, i) => {
      const at = valueAt(decl, 'schedulerFlags', i);
      const owner = flagOwner(flag);
      if (owner && owner !== scheduler) {
        ctx.report('SCHEDULER_FLAG_MISMATCH', at,
          `${flag} is a flag of the ${owner} scheduler but this service uses ${scheduler} (ipvsadm: "incompatible scheduler flag"); set \`scheduler: ${owner}\` or remove the flag`);
      } else if (flag === 'flag-3' && schedulerUsesFlags(scheduler)) {
        ctx.report('SCHEDULER_FLAG_MISMATCH', at,
          `flag-3 has no name under ${scheduler}: ipvsadm 1.31 saves it as a dangling "-b" that cannot be restored; remove flag-3`);
      } else if (!owner && !schedulerUsesFlags(scheduler)) {
        ctx.report('SCHEDULER_FLAG_UNUSED', at,
          `${flag} is accepted by the kernel but the ${scheduler} scheduler reads no flags (only sh and mh do); remove it`, { severity: 'warning' });
      }
    });
  }
};

// SCHEDULER_UNAVAILABLE (warning): twos is not in kernels before 6.x (absent in 6.1)
export const schedulerAvailableRule: Rule = (ctx) => {
  for (const decl of ctx.services) {
    if (decl.raw.scheduler !== 'twos') continue;
    ctx.report('SCHEDULER_UNAVAILABLE', valueAt(decl, 'scheduler'),
      'the twos scheduler exists only in recent kernels (not in 6.1); ipvsadm fails with "Scheduler or persistence engine not found" where ip_vs_twos is missing; check the director kernel or pick another scheduler',
      { severity: 'warning' });
  }
};

// ONE_PACKET_PROTOCOL: -o is for UDP and fwmark services only
export const onePacketRule: Rule = (ctx) => {
  for (const decl of ctx.services) {
    const { onePacket, fwmark, protocol = 'tcp' } = decl.raw;
    if (onePacket !== true || fwmark !== undefined || protocol === 'udp') continue;
    ctx.report('ONE_PACKET_PROTOCOL', valueAt(decl, 'onePacket'),
      `one-packet scheduling is only for UDP and fwmark services, and this service is ${protocol} (ipvsadm: "One-Packet Scheduling is only for UDP virtual services"); remove \`onePacket\` or use \`protocol: udp\``);
  }
};

// ZERO_PORT_NOT_PERSISTENT: port 0 means "all ports" and ipvsadm allows it only with -p
export const zeroPortRule: Rule = (ctx) => {
  for (const decl of ctx.services) {
    if (decl.raw.fwmark !== undefined || decl.raw.port !== 0 || persistenceEnabled(decl.raw.persistence)) continue;
    ctx.report('ZERO_PORT_NOT_PERSISTENT', valueAt(decl, 'port'),
      'port 0 (all ports) needs persistence (ipvsadm: "Zero port specified for non-persistent service"); add `persistence: true` or give a port');
  }
};

// ENGINE_WITHOUT_PERSISTENCE (warning): --pe is accepted but does nothing without -p
export const engineRule: Rule = (ctx) => {
  for (const decl of ctx.services) {
    if (decl.raw.persistenceEngine === undefined || persistenceEnabled(decl.raw.persistence)) continue;
    ctx.report('ENGINE_WITHOUT_PERSISTENCE', keyAt(decl, 'persistenceEngine'),
      'a persistence engine has no effect on a service without persistence; enable `persistence` or remove `persistenceEngine`',
      { severity: 'warning' });
  }
};
