import type { WrittenVrrp, WrittenVrrpInstance } from '../../desired/written.js';
import { defaultTrackFile } from '../../model/vrrp.js';
import type { Node } from './tree.js';
import { textOf } from './values.js';

/**
 * `--keep-vrrp` with readiness (issue 16): each vrrp_instance of the kept configuration tracks the
 * file lvsync watch writes for it, and the imported desired state declares the same instances by
 * their VIPs. keepalived adds the file's number to the instance's priority (weight 1), so the
 * director whose lvsync is unhealthy hands the VIPs to its twin. The notify FIFO is keepalived's
 * own if the configuration has one, or lvsync's default.
 */

export const DEFAULT_NOTIFY_FIFO = '/run/lvsync/vrrp.fifo';

/** The keepalived name of the track file of an instance: prefixed, so it cannot clash with the operator's. */
export function trackName(instance: string): string {
  return `lvsync_${instance}`;
}

/** Lines to add to the kept configuration, each list inserted before the physical line `seq`. */
export interface TrackEdits {
  readonly inserts: ReadonlyMap<number, readonly string[]>;
  /** lines for the top of the file (a global_defs block when there was none) */
  readonly prepend: readonly string[];
  /** the `vrrp` block of the imported desired state; null without vrrp_instance */
  readonly vrrp: WrittenVrrp | null;
  /** instances that could not be edited (a one-line block), for a note */
  readonly skipped: readonly string[];
}

function vipsOf(instance: Node): string[] {
  const out: string[] = [];
  for (const child of instance.children ?? []) {
    if (child.keyword !== 'virtual_ipaddress' && child.keyword !== 'virtual_ipaddress_excluded') continue;
    // `192.168.10.100/24 dev eth0 label eth0:1`: the address is the first word
    for (const vip of child.children ?? []) if (!out.includes(vip.keyword)) out.push(vip.keyword);
  }
  return out;
}

// the indentation of a block's statements (its first child's column), for lines added to it
function innerIndent(block: Node, fallback: string): string {
  const first = block.children?.[0];
  return first ? ' '.repeat(Math.max(0, first.item.at.col - 1)) : fallback;
}

export function trackEdits(nodes: readonly Node[]): TrackEdits {
  const inserts = new Map<number, string[]>();
  const insert = (seq: number, lines: string[]) => inserts.set(seq, [...(inserts.get(seq) ?? []), ...lines]);
  const instances = nodes.filter((n) => n.keyword === 'vrrp_instance' && n.children !== null);
  if (instances.length === 0) return { inserts, prepend: [], vrrp: null, skipped: [] };

  const globals = nodes.find((n) => n.keyword === 'global_defs' && n.children !== null);
  const ownFifo = globals?.children?.find((c) => c.keyword === 'vrrp_notify_fifo' || c.keyword === 'notify_fifo');
  const notifyFifo = ownFifo ? textOf(ownFifo)[1] ?? DEFAULT_NOTIFY_FIFO : DEFAULT_NOTIFY_FIFO;
  const fifoLine = `vrrp_notify_fifo ${DEFAULT_NOTIFY_FIFO}   # lvsync watch reads the VRRP states here (vrrp.notifyFifo)`;
  let prepend: string[] = [];
  if (!ownFifo) {
    if (globals?.close && globals.close.seq !== globals.item.seq) insert(globals.close.seq, [`${innerIndent(globals, '    ')}${fifoLine}`]);
    else prepend = ['global_defs {', `    ${fifoLine}`, '}', ''];
  }

  const written: Record<string, WrittenVrrpInstance> = {};
  const skipped: string[] = [];
  const definitions: string[] = [];
  for (const instance of instances) {
    const name = textOf(instance)[1];
    if (!name) continue;
    const addresses = vipsOf(instance);
    written[name] = addresses.length ? { addresses } : {};
    if (!instance.close || instance.close.seq === instance.item.seq) { skipped.push(name); continue; }
    definitions.push(
      `track_file ${trackName(name)} {   # written by lvsync watch: 0 when ready, vrrp.instances.${name}.weight when not`,
      `    file ${defaultTrackFile(name)}`,
      '    weight 1',
      '}',
      '',
    );
    const indent = innerIndent(instance, '    ');
    insert(instance.close.seq, [`${indent}track_file {   # lvsync watch: hand the VIPs over when lvsync is not healthy`, `${indent}${indent}${trackName(name)}`, `${indent}}`]);
  }
  // the definitions go before the first instance that uses them
  const first = instances[0]!;
  insert(first.item.seq, definitions);
  return { inserts, prepend, vrrp: { notifyFifo, instances: written }, skipped };
}
