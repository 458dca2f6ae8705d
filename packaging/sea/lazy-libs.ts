import type * as Installed from '../../src/lazy-libs.js';

/**
 * src/lazy-libs.ts inside the single executable: the same libraries, still loaded on first use
 * (esbuild turns each require into a call of the bundled module's initialiser), but found by esbuild
 * when it bundles rather than in node_modules at run time.
 */
let yaml: typeof import('yaml') | undefined;
export function yamlLibrary(): typeof import('yaml') {
  return (yaml ??= require('yaml') as typeof import('yaml'));
}

let ajv: typeof import('ajv/dist/2020.js') | undefined;
export function ajvLibrary(): typeof import('ajv/dist/2020.js') {
  return (ajv ??= require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js'));
}

let diff: typeof import('diff') | undefined;
export function diffLibrary(): typeof import('diff') {
  return (diff ??= require('diff') as typeof import('diff'));
}

({ yamlLibrary, ajvLibrary, diffLibrary }) satisfies typeof Installed;
