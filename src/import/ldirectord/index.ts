import type { WrittenService } from '../../desired/written.js';
import type { ImportResult, ImportSources } from '../types.js';
import { defaultGlobals, readGlobal } from './globals.js';
import { readConfig } from './read.js';
import { wellKnownPort } from './resolve.js';
import type { PortLookup } from './resolve.js';
import { mapVirtual } from './service.js';
import { Sink } from './sink.js';
import type { Spot } from './sink.js';
import { readVirtual } from './virtual.js';

/**
 * `lvsync import ldirectord PATH`: an ldirectord.cf → a desired-state document. ldirectord's own
 * parser (resource-agents, ldirectord/ldirectord.in, `read_config`) is the reference: what it
 * refuses is refused here (IMPORT_SYNTAX), what it reads is read the same way, including its odd
 * corners (comments, indentation, `real=a->b` ranges); then every virtual block becomes a service.
 *
 *   lines.ts    the line reader: top-level and virtual-block lines, with positions
 *   read.ts     the file's structure: globals and virtual blocks, or a refusal of a foreign file
 *   globals.ts, virtual.ts, values.ts, real.ts   each directive as ldirectord checks it
 *   resolve.ts  host names, service names as ports, address ranges
 *   service.ts, check.ts   the mapping to lvsync's format
 */

export interface LdirectordImportOptions {
  /** service name → port (`:www`); the default knows a small table of common names */
  readonly port?: PortLookup;
}

export type { PortLookup };

export function importLdirectord(path: string, sources: ImportSources, options: LdirectordImportOptions = {}): ImportResult {
  const sink = new Sink(path);
  const text = sources.read(path);
  if (text === null) {
    sink.error('IMPORT_SYNTAX', { line: 1 }, `cannot read ${path}`);
    return finish(sink, []);
  }
  const config = readConfig(text, sink);
  if (!config) return finish(sink, []);
  const lookup = options.port ?? wellKnownPort;
  const globals = defaultGlobals();
  for (const d of config.globals) readGlobal(globals, d, sink, lookup);
  const ctx = { sink, globals, lookup };
  const services: WrittenService[] = [];
  const identities = new Map<string, Spot>();
  const names = new Map<string, number>();
  for (const block of config.virtuals) {
    const index = services.length;
    const commentsBefore = sink.comments.length;
    const spec = readVirtual(block.head, block.body, index, sink);
    const mapped = spec ? mapVirtual(spec, index, ctx) : null;
    const at: Spot = { line: block.head.line, col: block.head.valueCol };
    const earlier = mapped ? identities.get(mapped.identity) : undefined;
    if (!mapped || earlier) {
      // line 1665: ldirectord refuses a second block for the same service
      if (earlier) sink.error('IMPORT_COLLISION', at, `duplicate virtual server: ${mapped!.identity} is already declared on line ${earlier.line}`, earlier);
      // no service for this block: what was said about it moves to the top
      sink.comments.splice(commentsBefore, Infinity, ...sink.comments.slice(commentsBefore).map((c) => ({ ...c, service: null })));
      continue;
    }
    identities.set(mapped.identity, at);
    services.push(uniqueName(mapped.service, names, mapped.nameAt ?? at, index, sink));
  }
  return finish(sink, services);
}

// lvsync names are unique; ldirectord's servicename is only a label for its e-mails
function uniqueName(service: WrittenService, names: Map<string, number>, at: Spot, index: number, sink: Sink): WrittenService {
  if (service.name === undefined) return service;
  const first = names.get(service.name);
  if (first === undefined) {
    names.set(service.name, at.line);
    return service;
  }
  const { name, ...rest } = service;
  sink.unsupported(index, at, `servicename=${name} is already the name of the service on line ${first}; lvsync names are unique, so this service has none`, 'warning');
  return rest;
}

function finish(sink: Sink, services: WrittenService[]): ImportResult {
  const notes = [...sink.notes].sort((a, b) => a.at.line - b.at.line || (a.at.col ?? 0) - (b.at.col ?? 0));
  // comments in the order of the file within each place (a block's check note comes after its lines)
  const place = (s: number | null) => (s === null ? -1 : s);
  const comments = [...sink.comments].sort((a, b) => place(a.service) - place(b.service) || a.at.line - b.at.line);
  return { document: { version: 1, services }, comments, notes };
}
