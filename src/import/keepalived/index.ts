import type { WrittenFile, WrittenService } from '../../desired/written.js';
import type { ImportComment, ImportNote, ImportResult, ImportSources, SourcePos } from '../types.js';
import { Notes } from './notes.js';
import { readConfig } from './reader.js';
import type { BuiltService } from './services.js';
import { buildServices, readGroups } from './services.js';
import { readSettings } from './settings.js';
import { buildTree } from './tree.js';
import { posOf, textOf } from './values.js';
import { parseVirtualServer } from './virtual-server.js';
import { trackEdits } from './track.js';
import { keepVrrp } from './vrrp.js';

/**
 * `lvsync import keepalived PATH`: the virtual_server side of a keepalived 2.2.7 configuration as
 * an lvsync desired-state document. Pure: files come through `sources`.
 *
 *   reader.ts          the files as keepalived reads them (comments, includes, definitions)
 *   tree.ts            the blocks, with keepalived's syntax errors (IMPORT_SYNTAX) and unknown keywords
 *   virtual-server.ts  one virtual_server as keepalived's handlers read it; checkers.ts its checkers
 *   services.ts        → lvsync services (groups expanded by addresses.ts); health.ts → health checks
 *   settings.ts        global_defs → timeouts, syncDaemon
 *   vrrp.ts            the VRRP part written back out (--keep-vrrp)
 */
export function importKeepalived(path: string, sources: ImportSources, options: { keepVrrp?: string }): ImportResult & { vrrp?: string } {
  const read = readConfig(path, sources);
  const tree = buildTree(read.items);
  const notes = new Notes();
  notes.notes.push(...read.notes, ...tree.notes);

  const groups = readGroups(tree.nodes, notes);
  const settings = readSettings(tree.nodes, notes);
  const built: BuiltService[] = [];
  for (const node of tree.nodes) {
    if (node.keyword !== 'virtual_server') continue;
    const vs = parseVirtualServer(node, notes);
    if (vs) built.push(...buildServices(vs, groups, notes));
  }

  const instances = tree.nodes.filter((n) => n.keyword === 'vrrp_instance');
  if (instances.length > 0) {
    const names = instances.map((n) => textOf(n)[1] ?? '?').join(', ');
    const where = options.keepVrrp ? `its configuration, without the virtual_server blocks, is written to ${options.keepVrrp}` : '--keep-vrrp FILE writes its configuration without the virtual_server blocks';
    notes.add(null, 'info', 'IMPORT_KEPT', `VRRP stays with keepalived (lvsync does not run VRRP): keep keepalived for the VIPs of ${instances.length === 1 ? 'vrrp_instance' : 'vrrp_instances'} ${names}; ${where}`, posOf(instances[0]!));
  }
  const failOpen = built.find(({ service }) => !service.fallback && (service.healthCheck || service.realServers?.some((s) => s.healthCheck)));
  if (failOpen) {
    notes.comment(null, 'when every real server of a service fails, keepalived leaves it with none (or the sorry_server); lvsync keeps them at their weights (fail open) unless `fallback` is set', failOpen.owner.at);
  }

  const services: WrittenService[] = built.map((b) => b.service);
  const document: { -readonly [K in keyof WrittenFile]: WrittenFile[K] } = { version: 1 };
  if (services.length > 0) document.services = services;
  if (settings.timeouts) document.timeouts = settings.timeouts;
  if (settings.syncDaemon) document.syncDaemon = settings.syncDaemon;

  const order = fileOrder(read.files);
  const firstIndex = new Map<object, number>();
  built.forEach((b, index) => { if (!firstIndex.has(b.owner)) firstIndex.set(b.owner, index); });
  const comments: ImportComment[] = notes.comments
    .map((c) => ({ service: c.owner === null ? null : firstIndex.get(c.owner) ?? null, text: c.text, at: c.at }))
    .sort((a, b) => (a.service ?? -1) - (b.service ?? -1) || order(a.at, b.at));
  const sortedNotes: ImportNote[] = [...notes.notes].sort((a, b) => order(a.at, b.at));

  if (options.keepVrrp === undefined) return { document, comments, notes: sortedNotes };
  // the kept VRRP configuration tracks lvsync's readiness, and the desired state declares the same instances
  const edits = trackEdits(tree.nodes);
  if (edits.vrrp) {
    document.vrrp = edits.vrrp;
    for (const name of edits.skipped) {
      sortedNotes.push({ severity: 'warning', code: 'IMPORT_KEPT', message: `vrrp_instance ${name} is written on one line, so lvsync import did not add its track_file; add \`track_file { lvsync_${name} }\` to it by hand`, at: posOf(instances.find((n) => textOf(n)[1] === name)!) });
    }
  }
  return { document, comments, notes: sortedNotes, vrrp: keepVrrp(tree.nodes, read.lines, path, edits) };
}

// positions in the order keepalived reads the files: the main file, then the included ones
function fileOrder(files: readonly string[]): (a: SourcePos, b: SourcePos) => number {
  const rank = (f: string) => { const k = files.indexOf(f); return k < 0 ? files.length : k; };
  return (a, b) => rank(a.file) - rank(b.file) || a.line - b.line || (a.col ?? 0) - (b.col ?? 0);
}
