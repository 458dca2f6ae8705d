import schemaTextEmbedded from 'lvsync-embedded:schema-text';
import type * as Installed from '../../src/package-files.js';

/**
 * src/package-files.ts inside the single executable, which has no installation tree: the bundle
 * (packaging/bundle.ts) carries the stamp, the schema text and the precompiled validator. The
 * requires are resolved by esbuild when it bundles, not at run time.
 */
export function buildInfo(): Installed.BuildInfo {
  return require('../../src/build-info.json') as Installed.BuildInfo;
}

export function schemaText(): string {
  return schemaTextEmbedded;
}

export function loadPrecompiledValidator(): unknown {
  return require('../../src/desired/schema/desired-state.validate.cjs') as unknown;
}

// the functions the program calls are those of the module this one replaces, with the same types
({ buildInfo, schemaText, loadPrecompiledValidator }) satisfies Pick<typeof Installed, 'buildInfo' | 'schemaText' | 'loadPrecompiledValidator'>;
