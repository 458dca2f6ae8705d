import { createRequire } from 'node:module';

/**
 * Libraries loaded the first time they are needed, not when lvsync starts: a valid file read by the
 * fast reader and checked by the build's precompiled validator needs neither `yaml` nor Ajv's
 * compiler, and only `plan --diff` needs `diff`. Loading them was ~200 ms of every CLI run natively
 * (several seconds in the TCG VM, issue 6). All three ship CommonJS builds, so a synchronous
 * require gives the module the ESM import would, from synchronous code.
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

let diff: typeof import('diff') | undefined;
export function diffLibrary(): typeof import('diff') {
  return (diff ??= requireCjs('diff') as typeof import('diff'));
}
