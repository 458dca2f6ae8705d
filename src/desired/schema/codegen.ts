/**
 * Build step (`npm run build`): writes Ajv's standalone validator for the desired-state schema to
 * dist/src/desired/schema/desired-state.validate.cjs, stamped with the sha256 of the schema text, so a run
 * does not compile the schema (schema.ts uses the file only while the stamp matches the schema).
 * Generated at every build from the schema in the tree; never committed.
 */
import { writeFileSync } from 'node:fs';
import standalone from 'ajv/dist/standalone/index.js';
import { PRECOMPILED_URL } from '../../package-files.js';
import { compileDesiredSchema, desiredStateSchemaDigest } from './schema.js';

const { ajv, validate } = compileDesiredSchema({ code: { source: true } });
// the CommonJS module's default export, as TypeScript sees it from ESM
const code = standalone.default(ajv, validate);
writeFileSync(PRECOMPILED_URL, `${code}\nmodule.exports.schemaDigest = ${JSON.stringify(desiredStateSchemaDigest())};\n`);
