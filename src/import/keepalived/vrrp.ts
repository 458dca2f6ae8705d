import type { PhysicalLine } from './reader.js';
import { decomment } from './text.js';
import type { TrackEdits } from './track.js';
import type { Node } from './tree.js';

/**
 * `--keep-vrrp FILE`: the configuration keepalived keeps once lvsync owns the IPVS table. It is the
 * input as written (comments and layout kept), in one file with the includes inlined where they
 * stood, without what belongs to IPVS: the virtual_server and virtual_server_group blocks, the SSL
 * block of SSL_GET, and the IPVS settings of global_defs and vrrp_instance (lvs_sync_daemon,
 * lvs_sync_daemon_interface, lvs_timeouts, lvs_flush*), so keepalived no longer touches IPVS and
 * manages only the VIPs.
 */

const REMOVED_BLOCKS = new Set(['virtual_server', 'virtual_server_group', 'SSL']);
const REMOVED_SETTINGS = new Set(['lvs_sync_daemon', 'lvs_sync_daemon_interface', 'lvs_timeouts', 'lvs_flush', 'lvs_flush_onstop', 'lvs_flush_on_stop']);

/** A span of the input, from (seq, col) to (seq, col), both inclusive. */
interface Span {
  readonly from: { readonly seq: number; readonly col: number };
  readonly to: { readonly seq: number; readonly col: number };
}

function spanOf(node: Node, lines: readonly PhysicalLine[]): Span {
  const from = { seq: node.item.seq, col: node.item.at.col };
  if (node.children !== null) {
    if (node.close) return { from, to: { seq: node.close.seq, col: node.close.at.col } };
    return { from, to: { seq: lines.length - 1, col: Infinity } };
  }
  return { from, to: { seq: node.item.seq, col: node.item.endCol - 1 } };
}

export function keepVrrp(nodes: readonly Node[], lines: readonly PhysicalLine[], source: string, edits: TrackEdits | null = null): string {
  const spans: Span[] = [];
  for (const node of nodes) {
    if (REMOVED_BLOCKS.has(node.keyword)) { spans.push(spanOf(node, lines)); continue; }
    for (const child of node.children ?? []) {
      if (REMOVED_SETTINGS.has(child.keyword)) spans.push(spanOf(child, lines));
    }
  }
  // the columns removed from each physical line
  const cuts = new Map<number, [number, number][]>();
  const cut = (seq: number, a: number, b: number) => {
    const list = cuts.get(seq) ?? [];
    list.push([a, b]);
    cuts.set(seq, list);
  };
  for (const { from, to } of spans) {
    for (let seq = from.seq; seq <= to.seq; seq++) {
      cut(seq, seq === from.seq ? from.col : 1, seq === to.seq ? to.col : Infinity);
    }
  }

  const out = [
    `! keepalived configuration for VRRP only, written by \`lvsync import keepalived ${source}\`.`,
    '! lvsync manages the IPVS table now: the virtual_server and virtual_server_group blocks and the',
    '! lvs_* settings were removed, and included files are inlined where they were included.',
    ...(edits?.vrrp ? [
      '! Each vrrp_instance tracks the file lvsync watch writes for it (track_file lvsync_*): the',
      '! director whose lvsync is not healthy (invalid config, failed pass, drift, a service without',
      '! healthy real servers, stopping) lowers its priority and its twin takes the VIPs.',
    ] : []),
    '!',
    ...(edits?.prepend ?? []),
  ];
  let file = lines[0]?.file;
  for (const line of lines) {
    const added = edits?.inserts.get(line.seq);
    if (added) {
      // what is added belongs to the file this line is in
      if (line.file !== file) { out.push(`! ---- ${line.file} ----`); file = line.file; }
      out.push(...added);
    }
    const spansHere = cuts.get(line.seq);
    let text = line.text;
    if (spansHere) {
      // keep what lies outside the removed columns; a rest that is only blanks or a comment goes too
      let kept = '';
      for (let i = 0; i < text.length; i++) {
        const col = i + 1;
        if (!spansHere.some(([a, b]) => col >= a && col <= b)) kept += text[i];
      }
      if (decomment(kept).text.length === 0) continue;
      text = kept.replace(/\s+$/, '');
    }
    if (line.file !== file) {
      out.push(`! ---- ${line.file} ----`);
      file = line.file;
    }
    if (line.include && !spansHere) {
      out.push(`! ${text.trim()}  (inlined below by lvsync import)`);
      continue;
    }
    // removing blocks leaves the blank lines around them: one is enough
    if (text.trim() === '' && (out[out.length - 1] ?? '').trim() === '') continue;
    out.push(text);
  }
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  return `${out.join('\n')}\n`;
}
