import { nonUnicastReason, parseAddress } from '../../model/address.js';
import type { DiagnosticCode } from '../../diagnostics.js';
import type { Rule } from './context.js';
import { forEachServer } from './context.js';
import { valueAt } from '../written.js';

/**
 * Address rules for VIPs and RIPs: the text must be an IP address in a form we can compare with
 * `ipvsadm -S -n` output, and the kernel must accept it (unicast only).
 */

// the common ways people write something that is almost an address, each with its own fix
export function addressHint(text: string): string {
  if (/^\d+(\.\d+){3}$/.test(text) && /(^|\.)0\d/.test(text)) {
    const fixed = text.split('.').map((p) => String(Number(p))).join('.');
    return `leading zeros are not allowed (ipvsadm would read 010 as octal 8); write ${fixed}`;
  }
  if (/^\d+(\.\d+){0,2}$/.test(text)) return 'shorthand forms are not accepted; write all four parts of a dotted quad, e.g. 10.0.0.1';
  if (text.includes('[') || /^\d+(\.\d+){3}:\d+$/.test(text)) return 'write the bare address and put the port in `port:`';
  if (/^[a-z][a-z0-9.-]*$/i.test(text) && !/^[0-9a-f:]+$/i.test(text)) return 'host names are not resolved; write the IP address';
  return 'write an IPv4 dotted quad such as 192.0.2.10 or an IPv6 address such as 2001:db8::10';
}

// the finding for an address text, or null when it is a unicast IP address; `valid` is whether it
// parsed (the pass's facts know). The caller works out the position only for a finding: positions
// cost a walk of the YAML tree, and this runs for every server.
function addressFinding(text: string, valid: boolean, what: string): { code: DiagnosticCode; message: string } | null {
  if (!valid) return { code: 'ADDRESS_INVALID', message: `${what} ${JSON.stringify(text)} is not an IP address; ${addressHint(text)}` };
  const reason = nonUnicastReason(text);
  if (!reason) return null;
  return {
    code: 'ADDRESS_NOT_UNICAST',
    message: `${what} ${text} is ${reason}; the kernel accepts only unicast addresses ("Invalid operation ... address not unicast"); use a unicast address`,
  };
}

// ADDRESS_INVALID, ADDRESS_NOT_UNICAST on service and real-server addresses
export const addressRule: Rule = (ctx) => {
  for (const decl of ctx.services) {
    if (decl.raw.address === undefined) continue;
    const found = addressFinding(decl.raw.address, parseAddress(decl.raw.address) !== null, 'service address');
    if (found) ctx.report(found.code, valueAt(decl, 'address'), found.message);
  }
  forEachServer(ctx, (decl, server, i, facts) => {
    const found = addressFinding(server.address, facts.servers[i] !== null, 'real server address');
    if (found) ctx.report(found.code, valueAt(decl, 'realServers', i, 'address'), found.message);
  });
};
