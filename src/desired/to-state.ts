import type { DesiredSettings } from '../model/settings.js';
import type { DesiredState, ScopeSpec, ServicePolicy, SourceRef, VirtualService } from '../model/types.js';
import { toService } from './normalize.js';
import type { ServiceFacts } from './normalize.js';
import { toPolicy } from './policy.js';
import { toSourceRef } from './yaml/positions.js';
import type { ServiceDecl } from './written.js';

/**
 * The last stage: declarations that passed every rule become the DesiredState the planner
 * compares with the live table. Runs only when there are no errors.
 */

/**
 * Each written service's normalised service and policy, by identity. Both depend on the written
 * value alone, and a service that did not change keeps its written object from one load to the next
 * (declare-reuse.ts), so a reload normalises only what changed; nothing mutates either side.
 */
const normalised = new WeakMap<object, { readonly service: VirtualService | null; readonly policy: ServicePolicy | null }>();

// null only if a declaration cannot be normalised, which the rules should already have reported;
// `facts`: serviceFacts of each declaration, when the rules have worked them out already
export function toDesiredState(
  decls: readonly ServiceDecl[], scope: ScopeSpec, files: readonly string[], settings: DesiredSettings | null = null,
  facts: readonly ServiceFacts[] | null = null,
): DesiredState | null {
  const services = new Map<string, VirtualService>();
  const origins = new Map<string, SourceRef>();
  const policies = new Map<string, ServicePolicy>();
  for (let i = 0; i < decls.length; i++) {
    const decl = decls[i]!;
    let known = normalised.get(decl.raw);
    if (!known) {
      const service = toService(decl.raw, facts ? facts[i] : undefined);
      known = { service, policy: service ? toPolicy(decl.raw, service) : null };
      normalised.set(decl.raw, known);
    }
    const { service, policy } = known;
    if (!service || !policy || services.has(service.key)) return null;
    services.set(service.key, service);
    origins.set(service.key, toSourceRef(decl.at));
    policies.set(service.key, policy);
  }
  return { table: { services }, scope, origins, files: [...files], ...(settings ? { settings } : {}), policies };
}
