import assert from 'node:assert/strict';
import { test } from 'node:test';
import { desiredStateSchema, validateWritten } from '../../src/desired/schema/schema.js';
import { closest, editDistance } from '../../src/desired/schema/suggest.js';

/**
 * The schema file is the published contract: versioned, documented field by field, and closed
 * (additionalProperties: false) everywhere so a typo is an error, not a silently ignored key.
 */

type Json = Record<string, unknown>;

function* subschemas(schema: Json, at: string): Generator<[string, Json]> {
  yield [at, schema];
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === '$defs') {
      for (const [name, sub] of Object.entries(value as Json)) {
        if (typeof sub === 'object' && sub !== null) yield* subschemas(sub as Json, `${at}/${key}/${name}`);
      }
    } else if (['items', 'then', 'else', 'if'].includes(key) && typeof value === 'object' && value !== null) {
      yield* subschemas(value as Json, `${at}/${key}`);
    }
  }
}

test('the schema carries its version in $id and uses draft 2020-12', () => {
  const schema = desiredStateSchema();
  assert.match(String(schema['$id']), /v1/);
  assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
});

test('every object schema is closed and every field is described', () => {
  for (const [at, schema] of subschemas(desiredStateSchema(), '#')) {
    const types = ([] as unknown[]).concat(schema['type'] ?? []);
    if (types.includes('object')) assert.equal(schema['additionalProperties'], false, `${at} must set additionalProperties: false`);
    if (at.includes('/properties/') && !/\/(then|else|if)\//.test(at)) {
      assert.equal(typeof schema['description'] === 'string' || typeof schema['$ref'] === 'string', true, `${at} needs a description`);
    }
    if (at.startsWith('#/$defs/') && at.split('/').length === 3) assert.equal(typeof schema['description'], 'string', `${at} needs a description`);
  }
});

test('the schema accepts the smallest file and rejects unknown keys', () => {
  assert.deepEqual(validateWritten({ version: 1 }), []);
  assert.deepEqual(validateWritten({ version: 1, services: null }), []);
  const errors = validateWritten({ version: 1, sevrices: [] });
  assert.deepEqual(errors.map((e) => [e.keyword, e.params['additionalProperty']]), [['additionalProperties', 'sevrices']]);
});

test('edit distance counts a swap of neighbours as one edit', () => {
  assert.equal(editDistance('tyep', 'type'), 1);
  assert.equal(editDistance('adress', 'address'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('same', 'same'), 0);
});

test('closest: typos and case slips get a suggestion, unrelated words do not', () => {
  const keys = ['name', 'protocol', 'address', 'port', 'persistence', 'persistenceEngine', 'realServers'];
  assert.equal(closest('adress', keys), 'address');
  assert.equal(closest('persistance', keys), 'persistence');
  assert.equal(closest('realServer', keys), 'realServers');
  assert.equal(closest('prot', keys), 'port');
  assert.equal(closest('RR', ['rr', 'wrr']), 'rr');
  assert.equal(closest('backend', keys), null);
});

test('schema enums and limits match the model constants, so the two cannot drift apart', async () => {
  const { SCHEDULERS, SCHEDULER_FLAG_NAMES, PERSISTENCE_ENGINES, MAX_PERSISTENCE_TIMEOUT } = await import('../../src/model/schedulers.js');
  const defs = desiredStateSchema()['$defs'] as Record<string, Json>;
  const props = (def: string) => (defs[def]?.['properties'] ?? {}) as Record<string, Json>;
  assert.deepEqual([...(props('service')['scheduler']?.['enum'] as string[])].sort(), [...SCHEDULERS].sort());
  assert.deepEqual([...((props('service')['schedulerFlags']?.['items'] as Json)['enum'] as string[])].sort(), [...SCHEDULER_FLAG_NAMES].sort());
  assert.deepEqual(props('service')['persistenceEngine']?.['enum'], [...PERSISTENCE_ENGINES]);
  assert.equal(props('persistence')['timeout']?.['maximum'], MAX_PERSISTENCE_TIMEOUT);
});
