import { serverAttributeArgs, serviceAttributeArgs } from '../live/format-save.js';
import { serviceSpecArgs } from '../live/grammar.js';
import { hostPort } from '../model/keys.js';
import type { Operation } from './types.js';

/**
 * The ipvsadm arguments for one operation. Edits carry the complete attribute set because -E/-e
 * replace everything and default what is missing (facts §4). The service spec always comes first
 * (-M is reset by a later -t [v6] or -6, facts §3.1). Deletes name the stored port (facts §3.2).
 */
export function operationToArgv(op: Operation): string[] {
  const spec = serviceSpecArgs(op.service.target);
  switch (op.kind) {
    case 'add-service': return ['-A', ...spec, ...serviceAttributeArgs(op.service)];
    case 'edit-service': return ['-E', ...spec, ...serviceAttributeArgs(op.service)];
    case 'delete-service': return ['-D', ...spec];
    case 'add-server': return ['-a', ...spec, ...serverAttributeArgs(op.server)];
    case 'edit-server': return ['-e', ...spec, ...serverAttributeArgs(op.server)];
    case 'delete-server': return ['-d', ...spec, '-r', hostPort(op.server.address, op.server.port)];
  }
}

/** One line of `ipvsadm -R` input. Tokens never contain spaces, so no quoting is needed (-R has none). */
export function operationToRestoreLine(op: Operation): string {
  return operationToArgv(op).join(' ');
}
