import type { Diagnostic, DiagnosticCode, Severity } from '../diagnostics.js';
import { toSourceRef } from './positions.js';
import type { Spot } from './positions.js';
import type { ServiceDecl, WrittenServer } from './written.js';

/**
 * The shape every semantic rule has: a small named function that reads the declarations and
 * pushes diagnostics positioned on the offending node (changesets' `type Rule = (ctx) => void`).
 */

/** What a rule sees: all declarations, and one way to report. */
export interface RuleContext {
  /** every declared service of every file, in declaration order */
  readonly services: readonly ServiceDecl[];
  report(code: DiagnosticCode, at: Spot, message: string, options?: { severity?: Severity; related?: Spot }): void;
}

/** A named semantic check; it reports through the context and returns nothing. */
export type Rule = (ctx: RuleContext) => void;

// collects into `out`; rules never throw and never see each other's findings
export function createRuleContext(services: readonly ServiceDecl[], out: Diagnostic[]): RuleContext {
  return {
    services,
    report(code, at, message, options) {
      out.push({
        severity: options?.severity ?? 'error', code, message,
        file: at.file, line: at.line, col: at.col, path: at.pointer,
        ...(options?.related ? { related: toSourceRef(options.related) } : {}),
      });
    },
  };
}

// most server rules need the service too; this keeps the double loop out of each rule
export function forEachServer(ctx: RuleContext, fn: (decl: ServiceDecl, server: WrittenServer, index: number) => void): void {
  for (const decl of ctx.services) (decl.raw.realServers ?? []).forEach((server, i) => fn(decl, server, i));
}

// "a.yaml:3:5": how messages name another place
export function where(spot: Spot): string {
  return `${spot.file}:${spot.line}:${spot.col}`;
}
