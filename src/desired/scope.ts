import type { Diagnostic } from '../diagnostics.js';
import { formatIpv4, formatIpv6, parseCidr } from '../model/address.js';
import type { ScopeSpec } from '../model/types.js';
import { toSourceRef } from './yaml/positions.js';
import type { Spot } from './yaml/positions.js';
import type { ScopeDecl } from './written.js';
import { valueAt } from './written.js';

/**
 * The ownership scope: which live services lvsync may delete. Scopes from all files are merged;
 * since it guards deletion, anything ambiguous here is an error rather than a guess.
 */

export const DEFAULT_MAX_DELETE_SHARE = 0.5;
const MAX_FWMARK = 4294967295;

type Result<T> = { ok: T } | { error: string };

// canonical "network/prefix" text; host bits set are refused because the intent is unclear
export function parseScopeAddress(text: string): Result<string> {
  const cidr = parseCidr(text);
  if (!cidr) return { error: `${JSON.stringify(text)} is not a CIDR or an IP address; write e.g. "192.168.10.0/24", "2001:db8::/64" or a bare address` };
  const base = cidr.family === 'ipv4'
    ? formatIpv4(Number(cidr.base))
    : formatIpv6(Array.from({ length: 8 }, (_, i) => Number((cidr.base >> BigInt(112 - 16 * i)) & 0xffffn)));
  const canonical = `${base}/${cidr.prefix}`;
  const addressPart = text.includes('/') ? text.slice(0, text.indexOf('/')) : text;
  if (parseCidr(addressPart)?.base !== cidr.base) {
    const single = `${addressPart}/${cidr.family === 'ipv4' ? 32 : 128}`;
    return { error: `${JSON.stringify(text)} has host bits set; write the network "${canonical}", or "${single}" for that single address` };
  }
  return { ok: canonical };
}

// "1-99", "200" or 200 → inclusive range of marks
export function parseFwmarkRange(item: string | number): Result<{ from: number; to: number }> {
  const m = typeof item === 'number' ? [String(item), String(item), undefined] : /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(item);
  const fix = 'write a mark 1..4294967295 or a range like "1-99"';
  if (!m) return { error: `${JSON.stringify(item)} is not a fwmark range; ${fix}` };
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < 1 || to > MAX_FWMARK) return { error: `${JSON.stringify(item)} is outside 1..4294967295; ${fix}` };
  if (from > to) return { error: `${JSON.stringify(item)} starts after it ends; write it as "${to}-${from}"` };
  return { ok: { from, to } };
}

function settle<K extends 'prune' | 'maxDeleteShare'>(decls: readonly ScopeDecl[], key: K, fallback: number | boolean, out: Diagnostic[]): number | boolean {
  let first: { value: number | boolean; at: Spot } | null = null;
  for (const decl of decls) {
    const value = decl.raw[key];
    if (value === undefined) continue;
    const at = valueAt(decl, key);
    if (!first) { first = { value, at }; continue; }
    if (value === first.value) continue;
    const message = `scope.${key} is ${String(value)} here but ${String(first.value)} at ${first.at.file}:${first.at.line}:${first.at.col}; `
      + `scopes from all files are merged, so set the same value in both places or keep it in one file only`;
    out.push({ severity: 'error', code: 'SCOPE_CONFLICT', message, file: at.file, line: at.line, col: at.col, path: at.pointer, related: toSourceRef(first.at) });
  }
  return first ? first.value : fallback;
}

// one ScopeSpec from every file's `scope`; SCOPE_INVALID / SCOPE_CONFLICT go to `out`
export function mergeScopes(decls: readonly ScopeDecl[], out: Diagnostic[]): ScopeSpec {
  const addresses: string[] = [];
  const fwmarks: { from: number; to: number }[] = [];
  const invalid = (at: Spot, message: string): void => {
    out.push({ severity: 'error', code: 'SCOPE_INVALID', message, file: at.file, line: at.line, col: at.col, path: at.pointer });
  };
  for (const decl of decls) {
    (decl.raw.addresses ?? []).forEach((text, i) => {
      const r = parseScopeAddress(text);
      if ('ok' in r) addresses.push(r.ok); else invalid(valueAt(decl, 'addresses', i), `scope address ${r.error}`);
    });
    (decl.raw.fwmarks ?? []).forEach((item, i) => {
      const r = parseFwmarkRange(item);
      if ('ok' in r) fwmarks.push(r.ok); else invalid(valueAt(decl, 'fwmarks', i), `scope fwmark ${r.error}`);
    });
  }
  const prune = settle(decls, 'prune', true, out) as boolean;
  const maxDeleteShare = settle(decls, 'maxDeleteShare', DEFAULT_MAX_DELETE_SHARE, out) as number;
  return { prune, addresses, fwmarks, maxDeleteShare };
}
