import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findCycles, importsOutside, readImportGraph } from './import-graph.js';

/**
 * The tree stays free of import cycles: each shared name has one owner, and a module that needs it
 * imports the owner, never its own caller. Run on the .ts sources (type imports and lazy imports
 * count). When this fails, move the shared name to the lower of the two modules, or to a module of
 * its own below both; do not silence it here.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const graph = readImportGraph(root, ['src', 'test', 'bench']);

test('the sources have no import cycle', () => {
  assert.ok(graph.size > 100, `read only ${graph.size} modules from ${root}`);
  assert.deepEqual(findCycles(graph).map((c) => c.join(' ⇄ ')), []);
});

test('src/model is the ground floor: it imports nothing outside itself', () => {
  assert.deepEqual(importsOutside(graph, 'src/model/', ['src/model/']), []);
});

test('the cycle finder finds a cycle through type imports, lazy imports and self-imports', () => {
  const g = new Map<string, string[]>([
    ['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []],
    ['e', ['e']],
    ['f', ['g']], ['g', []],
  ]);
  assert.deepEqual(findCycles(g), [['a', 'b', 'c'], ['e']]);
});

test('the import reader sees type-only, re-export and dynamic imports', () => {
  // src/health/types.ts re-exports the model's check types with `export type … from`
  assert.ok(graph.get('src/health/types.ts')?.includes('src/model/health-check.ts'));
  // src/model/types.ts reaches health-check.ts through `import type` only
  assert.ok(graph.get('src/model/types.ts')?.includes('src/model/health-check.ts'));
  // src/cli/run.ts loads every command with `await import()`
  assert.ok(graph.get('src/cli/run.ts')?.includes('src/cli/commands/plan.ts'));
});
