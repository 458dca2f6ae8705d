import type { AnnouncedVip, AnycastState } from './state-file.js';

/**
 * `lvsync exabgp`: what to tell ExaBGP, decided purely from the state file and what this process
 * has said so far. ExaBGP runs the command as a `process` and reads its stdout as API commands
 * (encoder text). A VIP is announced while the file says it is ready AND its writer is alive AND the
 * file is fresh; anything else withdraws. A fresh process (ExaBGP restarted it) withdraws what the
 * file says is not ready, since it cannot know what its predecessor announced.
 */

/** What this process has said per prefix (true: announced), and with which attributes. */
export type Said = Map<string, { announced: boolean; vip: AnnouncedVip }>;

export type Why = 'ready' | 'not-ready' | 'writer-gone' | 'stale' | 'no-state';

export interface Decision {
  readonly prefix: string;
  readonly announce: boolean;
  readonly why: Why;
  /** the ExaBGP API line */
  readonly line: string;
}

function routeAttributes(vip: AnnouncedVip): string {
  const parts = [`next-hop ${vip.nextHop}`];
  if (vip.med !== null) parts.push(`med ${vip.med}`);
  if (vip.communities.length) parts.push(`community [${vip.communities.join(' ')}]`);
  return parts.join(' ');
}

export function announceLine(vip: AnnouncedVip): string {
  return `announce route ${vip.prefix} ${routeAttributes(vip)}`;
}

export function withdrawLine(vip: AnnouncedVip): string {
  return `withdraw route ${vip.prefix} next-hop ${vip.nextHop}`;
}

/**
 * The lines to print now. `said`: what this process last said per prefix (true: announced), updated
 * in place; a prefix that disappeared from the file is withdrawn with the attributes it was announced with.
 */
export function decide(state: AnycastState | null, now: number, writerAlive: boolean, said: Said): Decision[] {
  const out: Decision[] = [];
  const why: Why = !state ? 'no-state' : !writerAlive ? 'writer-gone' : now - state.writtenAt > state.staleAfterMs ? 'stale' : 'ready';
  const seen = new Set<string>();
  for (const vip of state?.vips ?? []) {
    seen.add(vip.prefix);
    const announce = why === 'ready' && vip.ready;
    const before = said.get(vip.prefix);
    const changedRoute = before?.announced && announce && announceLine(before.vip) !== announceLine(vip);
    if (before && before.announced === announce && !changedRoute) continue;
    said.set(vip.prefix, { announced: announce, vip });
    out.push({ prefix: vip.prefix, announce, why: announce ? 'ready' : why === 'ready' ? 'not-ready' : why, line: announce ? announceLine(vip) : withdrawLine(vip) });
  }
  for (const [prefix, before] of said) {
    if (seen.has(prefix) || !before.announced) continue;
    said.set(prefix, { announced: false, vip: before.vip });
    out.push({ prefix, announce: false, why: state ? 'not-ready' : why, line: withdrawLine(before.vip) });
  }
  return out;
}
