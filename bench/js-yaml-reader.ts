/**
 * js-yaml 4 as a candidate replacement for the fast reader (src/desired/fast-yaml.ts), issue 12: the
 * bench times it next to the fast reader and test/desired/fast-yaml.test.ts checks it against the
 * fast reader and the `yaml` library. It is not used by lvsync itself (js-yaml is a devDependency).
 *
 * `jsYamlLoad` is js-yaml's parse alone. `jsYamlRead` is what replacing the fast reader would take:
 * the fast reader hands the pipeline more than a value, so the same work is done here too:
 * - where each item of the top-level `services` list starts (declareFile's `at`, the plan's
 *   origins): js-yaml has no node positions in its result, so a `listener` records them as the
 *   nodes open;
 * - strings of 13 or more characters copied out of the text (model/strings.ts `detached`): js-yaml
 *   cuts scalars with `slice`, and V8 keeps a long slice as a view that holds the whole file's text.
 * The fast reader also shares one string per repeated short word (word-cache.ts); that changes
 * allocations, not values, and is not redone here (js-yaml's allocations are part of its time).
 */
import { createRequire } from 'node:module';
import type { LoadOptions, Schema, State, Type } from 'js-yaml';
import type { FastParse, FastSpot } from '../src/desired/yaml/fast-yaml.js';
import { detached } from '../src/model/strings.js';

// (js-yaml exports its built-in types as `types`; @types/js-yaml does not declare it)
type JsYaml = typeof import('js-yaml') & { readonly types: { readonly merge: Type } };

// the CommonJS build (lib/), loaded as lvsync loads `yaml` (src/lazy-libs.ts)
const requireCjs = createRequire(import.meta.url);
let lib: JsYaml | undefined;
function jsYaml(): JsYaml {
  return (lib ??= requireCjs('js-yaml') as JsYaml);
}

let schema: Schema | undefined;
/**
 * The closest js-yaml schema to how lvsync reads YAML (`yaml` 2, core schema, `merge: true`): js-yaml's
 * CORE_SCHEMA (null, bool, int, float of YAML 1.2; no timestamps, binary, sets, omap, pairs) plus
 * the `<<` merge key, which DEFAULT_SCHEMA would bring only together with timestamps (a date-like
 * string would become a Date).
 */
export function lvsyncSchema(): Schema {
  return (schema ??= jsYaml().CORE_SCHEMA.extend({ implicit: [jsYaml().types.merge] }));
}

/** js-yaml's value of the text; throws js-yaml's YAMLException as `load` does. */
export function jsYamlLoad(text: string, options: Omit<LoadOptions, 'schema'> = {}): unknown {
  return jsYaml().load(text, { ...options, schema: lvsyncSchema() });
}

// copies of the long strings, in place (the tree is fresh from load: no one else holds it)
function detachAll(value: unknown): unknown {
  if (typeof value === 'string') return detached(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'string') { if (v.length >= 13) value[i] = detached(v); } else if (v !== null && typeof v === 'object') detachAll(v);
    }
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (typeof v === 'string') { if (v.length >= 13) obj[k] = detached(v); } else if (v !== null && typeof v === 'object') detachAll(v);
    }
  }
  return value;
}

/**
 * What the fast reader gives the pipeline, read by js-yaml: the value and where each service starts,
 * or null when js-yaml refuses the text or its top level is not a mapping (the fast reader's null:
 * "parse it with `yaml`").
 *
 * js-yaml calls the listener with 'open' as each node starts (its `state.depth` already counts it)
 * and 'close' when it ends, with the node in `state.result`. The document is depth 1, a top-level
 * value depth 2 and an item of a top-level list depth 3; a block sequence item opens at its first
 * character (after `- `), where the `yaml` library's node range starts too. So: the depth-3
 * openings since the last depth-2 opening, kept for the depth-2 node that closes as an array.
 */
export function jsYamlRead(text: string): FastParse | null {
  const spotsOf = new Map<unknown, FastSpot[]>();
  let spots: FastSpot[] = [];
  const listener = (event: 'open' | 'close', state: State): void => {
    const depth = (state as State & { depth: number }).depth;
    if (event === 'open') {
      if (depth === 3) spots.push({ line: state.line + 1, col: state.position - state.lineStart + 1 });
      else if (depth === 2) spots = [];
    } else if (depth === 2 && Array.isArray(state.result)) spotsOf.set(state.result, spots);
  };
  let data: unknown;
  try {
    data = jsYaml().load(text, { schema: lvsyncSchema(), listener });
  } catch {
    return null;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const services = (data as Record<string, unknown>)['services'];
  const serviceSpots = Array.isArray(services) ? spotsOf.get(services) ?? [] : [];
  if (Array.isArray(services) && serviceSpots.length !== services.length) return null;
  return { data: detachAll(data) as Record<string, unknown>, serviceSpots };
}
