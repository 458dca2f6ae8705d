import assert from 'node:assert/strict';
import { inspect, isDeepStrictEqual } from 'node:util';
import { jsYamlRead } from '../../bench/js-yaml-reader.js';
import type { FastParse } from '../../src/desired/yaml/fast-yaml.js';

/**
 * js-yaml 4 (bench/js-yaml-reader.ts, issue 12) against the fast reader, on a text the fast reader
 * accepted. Inside the fast reader's subset js-yaml reads what it reads, with the same service
 * positions, except in these ways (each an explicit case in js-yaml.test.ts, with what lvsync wants):
 * - a key spelt True/TRUE/False/FALSE/Null/NULL: js-yaml resolves a key, then writes it back with
 *   String() ('true', 'null'), where lvsync's `yaml` (stringKeys) keeps it as written; so two such
 *   keys can collide, and js-yaml refuses the text (duplicated mapping key);
 * - `-0`: js-yaml 0, `yaml` -0;
 * - a signed 0x/0o and any 0b: js-yaml a number, `yaml` a string (the 1.2 core schema has unsigned
 *   hex and octal, and no binary);
 * - a number out of a double's range ('1e400'): js-yaml a string, `yaml` ±Infinity;
 * - a signed float without integer digits ('+.5'): js-yaml a string, `yaml` a float.
 */
const KEY_AS_JS_YAML: ReadonlyMap<string, string> = new Map([['True', 'true'], ['TRUE', 'true'], ['False', 'false'], ['FALSE', 'false'], ['Null', 'null'], ['NULL', 'null']]);
const jsKey = (key: string): string => KEY_AS_JS_YAML.get(key) ?? key;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const RADIX: Readonly<Record<string, number>> = { b: 2, o: 8, x: 16 };

// one scalar read two ways, by one of the differences above
function knownScalar(fast: unknown, js: unknown): boolean {
  if (Object.is(fast, -0)) return js === 0;
  if (typeof fast === 'string' && typeof js === 'number') {
    const m = /^([-+]?)0([box])([0-9a-fA-F]+)$/.exec(fast);
    if (!m || (m[1] === '' && m[2] !== 'b')) return false;
    return js === (m[1] === '-' ? -1 : 1) * parseInt(m[3]!, RADIX[m[2]!]);
  }
  if (typeof fast === 'number' && typeof js === 'string') {
    return /^[-+]?[.0-9]/.test(js) && (!Number.isFinite(fast) || /^[-+]\./.test(js)) && Number(js) === fast;
  }
  return false;
}

function sameUpToKnown(fast: unknown, js: unknown): boolean {
  if (Array.isArray(fast)) return Array.isArray(js) && js.length === fast.length && fast.every((v, i) => sameUpToKnown(v, js[i]));
  if (isMap(fast)) {
    if (!isMap(js)) return false;
    const keys = Object.keys(fast);
    return Object.keys(js).length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(js, jsKey(k)) && sameUpToKnown(fast[k], js[jsKey(k)]));
  }
  return Object.is(fast, js) || knownScalar(fast, js);
}

// two keys of one map that js-yaml reads as one
function keysCollide(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(keysCollide);
  if (!isMap(v)) return false;
  const keys = Object.keys(v);
  return new Set(keys.map(jsKey)).size < keys.length || keys.some((k) => keysCollide(v[k]));
}

/** 'same' when js-yaml gives exactly the fast reader's value and positions; asserts that any other reading is a known difference. */
export function compareWithJsYaml(text: string, fast: FastParse): 'same' | 'known difference' {
  const js = jsYamlRead(text);
  if (js && isDeepStrictEqual(js, fast)) return 'same';
  const show = (v: unknown): string => inspect(v, { depth: 10, breakLength: 160 });
  const why = `js-yaml reads this text otherwise, and not by a known difference:\n${text}\nfast reader: ${show(fast.data)}\njs-yaml: ${js ? show(js.data) : 'refused'}`;
  if (!js) {
    assert.ok(keysCollide(fast.data), why);
  } else {
    assert.ok(sameUpToKnown(fast.data, js.data), why);
    assert.deepStrictEqual(js.serviceSpots, fast.serviceSpots, `js-yaml puts the services elsewhere:\n${text}`);
  }
  return 'known difference';
}
