import type { Diagnostic, DiagnosticCode, Severity } from '../../diagnostics.js';
import { toSourceRef } from '../yaml/positions.js';
import type { ServiceFacts } from '../normalize.js';
import type { Spot } from '../yaml/positions.js';
import type { ServiceDecl, WrittenServer } from '../written.js';

/**
 * The shape every semantic rule has: a small named function that reads the declarations and
 * pushes diagnostics positioned on the offending node (changesets' `type Rule = (ctx) => void`).
 */

/** What a rule sees: all declarations, and one way to report. */
export interface RuleContext {
  /** every declared service of every file, in declaration order */
  readonly services: readonly ServiceDecl[];
  /** serviceFacts of each of `services`, same order: parsed addresses and keys, worked out once for all rules */
  readonly facts: readonly ServiceFacts[];
  report(code: DiagnosticCode, at: Spot, message: string, options?: { severity?: Severity; related?: Spot }): void;
}

/** A named semantic check; it reports through the context and returns nothing. */
export type Rule = (ctx: RuleContext) => void;

// collects into `out`; rules never throw and never see each other's findings
export function createRuleContext(services: readonly ServiceDecl[], facts: readonly ServiceFacts[], out: Diagnostic[]): RuleContext {
  return {
    services, facts,
    report(code, at, message, options) {
      out.push({
        severity: options?.severity ?? 'error', code, message,
        file: at.file, line: at.line, col: at.col, path: at.pointer,
        ...(options?.related ? { related: toSourceRef(options.related) } : {}),
      });
    },
  };
}

// most server rules need the service too; this keeps the double loop out of each rule.
// Plain loops: this runs once per server per rule (a closure per service showed in the profile).
export function forEachServer(
  ctx: RuleContext,
  fn: (decl: ServiceDecl, server: WrittenServer, index: number, facts: ServiceFacts) => void,
): void {
  const { services, facts } = ctx;
  for (let s = 0; s < services.length; s++) {
    const decl = services[s]!;
    const servers = decl.raw.realServers;
    if (!servers) continue;
    for (let i = 0; i < servers.length; i++) fn(decl, servers[i]!, i, facts[s]!);
  }
}

// "a.yaml:3:5": how messages name another place
export function where(spot: Spot): string {
  return `${spot.file}:${spot.line}:${spot.col}`;
}
