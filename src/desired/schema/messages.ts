import type { ErrorObject } from 'ajv/dist/2020.js';
import type { Diagnostic } from '../../diagnostics.js';
import { fromPointer } from '../yaml/positions.js';
import type { Locator, Path, Spot } from '../yaml/positions.js';
import { closest } from './suggest.js';

/**
 * Turns Ajv errors into diagnostics a person can act on: the exact node, what was found,
 * what is allowed, and the closest valid spelling for typos.
 */

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number', number: 'a number', string: 'a string', boolean: 'true or false',
  array: 'a list', object: 'a mapping (key: value lines)', null: 'empty',
};

// "services[0].realServers[1].port": the same path a person would read in the file
export function describePath(path: Path): string {
  if (path.length === 0) return 'the document';
  return path.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
}

function describeFound(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (the value is empty)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value === 'number' && !Number.isInteger(value) ? 'the fractional number' : 'the value'} ${String(value)}`;
}

function typeFix(wanted: readonly string[], found: unknown): string {
  if (found === null) return 'write a value or remove the key';
  if (wanted.includes('string') && (typeof found === 'number' || typeof found === 'boolean')) return 'write it as text in quotes';
  if (wanted.includes('boolean') && (typeof found === 'string' || typeof found === 'number')) {
    return /^(yes|no|on|off|y|n)$/i.test(String(found)) ? 'write true or false (YAML 1.2 reads yes/no/on/off as text)' : 'write true or false';
  }
  if (wanted.some((t) => t === 'integer' || t === 'number') && typeof found === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(found)) return 'remove the quotes';
  return 'change the value';
}

function describeContext(path: Path): string {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (path.length === 0) return 'at the top level';
  if (typeof last === 'number') return parent === 'realServers' ? 'in a real server' : parent === 'services' ? 'in a service' : `in ${String(parent)}`;
  return `in \`${String(last)}\``;
}

function orList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function unknownKey(e: ErrorObject, path: Path): string {
  const key = String(e.params['additionalProperty']);
  const known = Object.keys((e.parentSchema?.['properties'] as Record<string, unknown> | undefined) ?? {});
  const guess = closest(key, known);
  // maps keyed by director or service names (overrides, fleet.labels) have patterns, not fixed keys
  if (known.length === 0 && e.parentSchema?.['patternProperties']) {
    return `\`${key}\` is not a valid name ${describeContext(path)}; director and label names are letters, digits, \`.\`, \`_\` and \`-\`, starting with a letter or digit`;
  }
  const sysctls = path.length === 1 && path[0] === 'sysctls';
  const fix = guess ? `did you mean \`${guess}\`?`
    : sysctls ? 'lvsync manages only the IPVS sysctls (net.ipv4.vs.*, listed in schema/desired-state.v1.schema.json), net.ipv4.ip_forward and net.ipv6.conf.all.forwarding; set other sysctls in the host configuration'
      : `valid keys here: ${known.join(', ')}`;
  return `unknown key \`${key}\` ${describeContext(path)}; ${fix}`;
}

function missingKey(e: ErrorObject, path: Path): string {
  const key = String(e.params['missingProperty']);
  if (path.length === 0 && key === 'version') return 'missing `version: 1`; add it at the top of the file';
  if (path[path.length - 2] === 'services') {
    return `service has no \`${key}\`; an address service needs \`address\` and \`port\`, a firewall-mark service needs \`fwmark\` instead`;
  }
  return `missing required key \`${key}\` ${describeContext(path)}; add it`;
}

function forbiddenKey(path: Path): string {
  const key = String(path[path.length - 1]);
  if (key === 'family') return '`family` applies only to fwmark services (an address service takes its family from `address`); remove `family`';
  return `\`${key}\` cannot be combined with \`fwmark\`: a fwmark service matches packets by mark, not by address, port or protocol; remove \`${key}\` or \`fwmark\``;
}

function message(e: ErrorObject, path: Path): string {
  const label = path.length === 0 ? 'the document' : `\`${describePath(path)}\``;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': return unknownKey(e, path);
    case 'required': return missingKey(e, path);
    case 'false schema': return forbiddenKey(path);
    case 'const': return `${label} must be ${JSON.stringify(p['allowedValue'])}, found ${describeFound(e.data)}; this lvsync reads format version 1 only`;
    case 'type': {
      const wanted = ([] as unknown[]).concat(p['type']).map(String);
      const types = wanted.map((t) => TYPE_WORDS[t] ?? t);
      return `${label} must be ${types.join(' or ')}, found ${describeFound(e.data)}; ${typeFix(wanted, e.data)}`;
    }
    case 'enum': {
      const allowed = (p['allowedValues'] as unknown[] | undefined) ?? [];
      const guess = typeof e.data === 'string' ? closest(e.data, allowed.map(String)) : null;
      const hint = guess ? ` (did you mean ${JSON.stringify(guess)}?)` : '';
      return `${label} is ${describeFound(e.data)}, which is not allowed${hint}; use one of: ${orList(allowed)}`;
    }
    case 'minimum': case 'maximum': {
      const bound = e.keyword === 'minimum' ? 'at least' : 'at most';
      return `${label} must be ${bound} ${String(p['limit'])}, found ${String(e.data)}; pick a value in range`;
    }
    case 'minLength': return `${label} must not be empty; write a value or remove the key`;
    // every path-valued field (trackFile, notifyFifo) has the pattern "^/"
    case 'pattern': if (p['pattern'] === '^/') return `${label} must be an absolute path, found ${describeFound(e.data)}; write it from / (e.g. /run/lvsync/...)`;
      return `${label} ${e.message ?? 'is invalid'}; see schema/desired-state.v1.schema.json`;
    default: return `${label} ${e.message ?? 'is invalid'}; see schema/desired-state.v1.schema.json`;
  }
}

function spotFor(e: ErrorObject, path: Path, locator: Locator): Spot {
  if (e.keyword === 'additionalProperties') return locator.key([...path, String(e.params['additionalProperty'])]);
  if (e.keyword === 'false schema') return locator.key(path);
  return locator.value(path);
}

// one root cause per node: a forbidden key needs no further complaints, a wrong type explains any
// enum/range error on the same node; `if` only echoes its then/else errors
function relevant(errors: readonly ErrorObject[]): ErrorObject[] {
  const at = (keyword: string) => new Set(errors.filter((e) => e.keyword === keyword).map((e) => e.instancePath));
  const forbidden = at('false schema');
  const typed = at('type');
  // `adress: …` already says "did you mean `address`?"; a second "missing `address`" adds nothing
  const misspelt = new Set(errors.filter((e) => e.keyword === 'additionalProperties').map((e) => {
    const known = Object.keys((e.parentSchema?.['properties'] as Record<string, unknown> | undefined) ?? {});
    return `${e.instancePath}|${closest(String(e.params['additionalProperty']), known) ?? ''}`;
  }));
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (e.keyword === 'if') return false;
    if (e.keyword === 'required' && misspelt.has(`${e.instancePath}|${String(e.params['missingProperty'])}`)) return false;
    if (e.keyword !== 'false schema' && forbidden.has(e.instancePath)) return false;
    if (e.keyword !== 'type' && e.keyword !== 'false schema' && typed.has(e.instancePath)) return false;
    const id = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

// one diagnostic per Ajv error, positioned on the node (or the key) it is about
export function schemaDiagnostics(errors: readonly ErrorObject[], locator: Locator): Diagnostic[] {
  return relevant(errors).map((e) => {
    const path = fromPointer(e.instancePath);
    const at = spotFor(e, path, locator);
    const isVersion = (e.keyword === 'const' && e.instancePath === '/version')
      || (e.keyword === 'required' && e.instancePath === '' && e.params['missingProperty'] === 'version');
    return {
      severity: 'error', code: isVersion ? 'VERSION' : 'SCHEMA', message: message(e, path),
      file: at.file, line: at.line, col: at.col, path: at.pointer,
    } satisfies Diagnostic;
  });
}
