import { createRequire } from 'node:module';

/**
 * The `yaml` library and Ajv's compiler, loaded the first time they are needed. A valid file read
 * by the fast reader and checked by the build's precompiled validator needs neither, and loading
 * both was ~200 ms of every CLI run natively (several seconds in the TCG VM, issue 6). Both ship
 * CommonJS builds, so a synchronous require gives the module the ESM import would.
 */
const requireCjs = createRequire(import.meta.url);

let yaml: typeof import('yaml') | undefined;
export function yamlLibrary(): typeof import('yaml') {
  return (yaml ??= requireCjs('yaml') as typeof import('yaml'));
}

let ajv: typeof import('ajv/dist/2020.js') | undefined;
export function ajvLibrary(): typeof import('ajv/dist/2020.js') {
  return (ajv ??= requireCjs('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js'));
}
