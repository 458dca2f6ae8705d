import { createHash } from 'node:crypto';
import type { Ajv2020, ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020.js';
import { ajvLibrary } from '../../lazy-libs.js';
import { loadPrecompiledValidator, schemaText } from '../../package-files.js';

/**
 * The JSON schema is the contract for the written shape (schema/desired-state.v1.schema.json).
 * It ships in the package root and is read once, on first use; after that this module is a pure
 * function of its input.
 *
 * Compiling it with Ajv took ~170 ms of every run (and ~2% of `lvsync apply` in the emulated VM,
 * issue 6), so `npm run build` also writes Ajv's standalone code for it next to this module
 * (codegen.ts → dist/src/desired/schema/desired-state.validate.cjs). The generated file is never
 * committed and carries the sha256 of the schema text it was made from: it is used only when that
 * matches the schema file read at run time, otherwise (a schema edited after the build, a build
 * without the step) the schema is compiled here as before. Either way the same Ajv, options and
 * schema produce the validator, so the errors are the same.
 */

// Where the schema file and the generated validator are found: src/package-files.ts (the single
// executable embeds both instead).

// allErrors: report every problem in one run; verbose: errors carry the offending data and schema for messages
export const AJV_OPTIONS: Options = { allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true };

let compiled: ValidateFunction | null = null;
let rawSchema: Record<string, unknown> | null = null;
let schemaDigest: string | null = null;

function readSchema(): void {
  const text = schemaText();
  schemaDigest = createHash('sha256').update(text).digest('hex');
  rawSchema = JSON.parse(text) as Record<string, unknown>;
}

// read once: the file is part of the package and does not change while we run
export function desiredStateSchema(): Record<string, unknown> {
  if (!rawSchema) readSchema();
  return rawSchema!;
}

/** sha256 (hex) of the schema file's text: what a precompiled validator must have been made from. */
export function desiredStateSchemaDigest(): string {
  if (!schemaDigest) readSchema();
  return schemaDigest!;
}

/** The validator as Ajv compiles it at run time (the build step generates its code from the same call). */
export function compileDesiredSchema(options: Options = {}): { ajv: Ajv2020; validate: ValidateFunction } {
  const ajv = new (ajvLibrary().Ajv2020)({ ...AJV_OPTIONS, ...options });
  return { ajv, validate: ajv.compile(desiredStateSchema()) };
}

type Precompiled = ValidateFunction & { schemaDigest?: string };

// the build's standalone validator, when it was generated from exactly this schema text
function precompiled(): ValidateFunction | null {
  try {
    const validate = loadPrecompiledValidator() as Precompiled;
    return validate.schemaDigest === desiredStateSchemaDigest() ? validate : null;
  } catch {
    return null;
  }
}

/** Whether validation uses the build's precompiled validator (tests check the build produced one). */
export function usesPrecompiledSchema(): boolean {
  validator();
  return compiled !== null && (compiled as Precompiled).schemaDigest !== undefined;
}

function validator(): ValidateFunction {
  compiled ??= precompiled() ?? compileDesiredSchema().validate;
  return compiled;
}

// the raw Ajv errors for one file's data; messages.ts turns them into diagnostics
export function validateWritten(data: unknown): ErrorObject[] {
  const validate = validator();
  return validate(data) ? [] : [...(validate.errors ?? [])];
}
