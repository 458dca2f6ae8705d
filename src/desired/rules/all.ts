import type { Diagnostic } from '../../diagnostics.js';
import { addressRule } from './address.js';
import { fallbackRule, healthCheckRule } from './health.js';
import { duplicateNameRule, duplicateServerRule, duplicateServiceRule } from './duplicates.js';
import { drPortRule, mixedFamilyRule, thresholdRule, tunnelRule } from './server.js';
import {
  engineRule, netmaskRule, onePacketRule, schedulerAvailableRule, schedulerFlagRule, zeroPortRule,
} from './service.js';
import { serviceFacts } from '../normalize.js';
import type { ServiceFacts } from '../normalize.js';
import { createRuleContext } from './context.js';
import type { Rule } from './context.js';
import type { ServiceDecl } from '../written.js';

/**
 * Every semantic rule, by name, so a reader sees the whole list in one place. Order does not
 * matter: diagnostics are sorted by position afterwards.
 */
export const RULES: Readonly<Record<string, Rule>> = {
  addressRule,
  duplicateServiceRule,
  duplicateNameRule,
  duplicateServerRule,
  drPortRule,
  tunnelRule,
  thresholdRule,
  mixedFamilyRule,
  netmaskRule,
  schedulerFlagRule,
  schedulerAvailableRule,
  onePacketRule,
  zeroPortRule,
  engineRule,
  healthCheckRule,
  fallbackRule,
};

// runs every rule over all declarations (across files, so duplicates between files are found)
// (`facts`: serviceFacts of each service, when the caller has them already for toDesiredState)
export function runRules(services: readonly ServiceDecl[], facts: readonly ServiceFacts[] = services.map((d) => serviceFacts(d.raw))): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx = createRuleContext(services, facts, out);
  for (const rule of Object.values(RULES)) rule(ctx);
  return out;
}
