import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The JSON schema is the contract for the written shape (schema/desired-state.v1.schema.json).
 * It ships in the package root and is read and compiled once, on first use; after that this
 * module is a pure function of its input.
 */

/** Where the schema lives, relative to the compiled module (dist/src/desired/schema.js). */
export const SCHEMA_URL = new URL('../../../schema/desired-state.v1.schema.json', import.meta.url);

let compiled: ValidateFunction | null = null;
let rawSchema: Record<string, unknown> | null = null;

// read once: the file is part of the package and does not change while we run
export function desiredStateSchema(): Record<string, unknown> {
  rawSchema ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>;
  return rawSchema;
}

function validator(): ValidateFunction {
  if (!compiled) {
    // allErrors: report every problem in one run; verbose: errors carry the offending data and schema for messages
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    compiled = ajv.compile(desiredStateSchema());
  }
  return compiled;
}

// the raw Ajv errors for one file's data; schema-messages.ts turns them into diagnostics
export function validateWritten(data: unknown): ErrorObject[] {
  const validate = validator();
  return validate(data) ? [] : [...(validate.errors ?? [])];
}
