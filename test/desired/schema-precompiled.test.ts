import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { compileDesiredSchema, usesPrecompiledSchema, validateWritten } from '../../src/desired/schema/schema.js';
import { servicesArb } from '../helpers/arbitraries.js';

/**
 * `npm run build` generates Ajv's standalone validator for the schema (src/desired/schema/codegen.ts); lvsync uses
 * it instead of compiling the schema on every run. It must report exactly the errors the run-time
 * compiled validator reports (same objects: paths, params, data, schema, parentSchema).
 */
const RUNS = Number(process.env.LVSYNC_PROPERTY_RUNS ?? 1000);
const runtime = compileDesiredSchema().validate;
const runtimeErrors = (data: unknown) => (runtime(data) ? [] : [...(runtime.errors ?? [])]);

test('the build generated the precompiled validator from the current schema, and it is the one in use', () => {
  assert.equal(usesPrecompiledSchema(), true);
});

test('precompiled and run-time compiled validators give the same errors on every fixture, example and golden input', () => {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : /\.ya?ml$/.test(name) ? [path] : [];
  });
  for (const file of ['examples', 'test/fixtures', 'test/golden'].flatMap(walk)) {
    let data: unknown;
    try { data = parse(readFileSync(file, 'utf8')); } catch { continue; }
    assert.deepStrictEqual(validateWritten(data), runtimeErrors(data), file);
  }
});

const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 70000 }), fc.constantFrom('x', '10.0.0.1', 'tcp', 'wrr', ''), fc.constant([]), fc.constant({}));
test(`precompiled and run-time compiled validators agree on generated configs with random fields replaced (${RUNS} cases)`, () => {
  fc.assert(fc.property(servicesArb, fc.nat(), fc.constantFrom('protocol', 'port', 'address', 'scheduler', 'weight', 'realServers', 'persistence', 'extra', 'fwmark'), junk, (services, pick, field, value) => {
    const list = services.map((s) => ({ ...s }));
    if (list.length) list[pick % list.length]![field] = value;
    const data = { version: pick % 7 === 0 ? 2 : 1, services: list, ...(pick % 5 === 0 ? { timeouts: { tcp: value } } : {}) };
    assert.deepStrictEqual(validateWritten(data), runtimeErrors(data));
  }), { numRuns: RUNS });
});
