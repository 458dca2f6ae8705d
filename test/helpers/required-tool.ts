import { existsSync } from 'node:fs';

/**
 * A program a test needs that a developer may not have installed. Locally its absence skips the
 * test with the reason; where LVSYNC_REQUIRE_TOOLS=1 (.ci/run, which installs it) it runs and fails,
 * so CI can never pass by skipping.
 */
export function requiredTool(path: string, install: string): { readonly path: string; readonly skip: string | false; readonly missing: string | null } {
  const missing = existsSync(path) ? null : `${path} is missing (${install})`;
  const required = process.env['LVSYNC_REQUIRE_TOOLS'] === '1';
  return { path, missing, skip: missing && !required ? missing : false };
}
