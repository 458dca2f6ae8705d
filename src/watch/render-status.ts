import { formatDiagnostic } from '../diagnostics.js';
import type { ListingRow } from '../live/parse-listing.js';
import { describeTarget, hostPort } from '../model/keys.js';
import { sortedServers, sortedServices } from '../model/order.js';
import { flagNames } from '../model/schedulers.js';
import type { RealServer, Table, VirtualService } from '../model/types.js';
import type { DriftItem } from './drift.js';
import { formatDuration } from './duration.js';
import type { LiveStatsResult } from './live-stats.js';
import type { DaemonStatus, PassOutcome } from './status.js';

/**
 * The status page: plain HTML and CSS, no script, no build step, refreshing itself. Pure: the
 * server passes in the status, a live counters snapshot and the time.
 */

export interface StatusPageInput {
  readonly status: DaemonStatus;
  readonly ready: { readonly ready: boolean; readonly reasons: readonly string[] };
  readonly live: LiveStatsResult | null;
  readonly now: number;
  readonly nextPassAt: number | null;
  readonly version: string;
  readonly refreshSeconds?: number;
}

const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const num = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US'));

function bytes(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

function ago(now: number, at: number | null): string {
  if (at === null) return 'never';
  return `${formatDuration(Math.max(0, now - at))} ago`;
}

const METHOD: Record<string, string> = { nat: 'Masq (NAT)', dr: 'Route (DR)', tun: 'Tunnel' };
const OUTCOME_CLASS: Record<PassOutcome, string> = { 'in-sync': 'ok', applied: 'ok', 'drift-detected': 'warn', refused: 'bad', 'invalid-config': 'bad', failed: 'bad' };

function serviceMeta(svc: VirtualService): string {
  const parts = [`scheduler <b>${esc(svc.scheduler)}</b>`];
  const flags = flagNames(svc.scheduler, svc.schedulerFlags);
  if (flags.length) parts.push(`flags ${esc(flags.join(','))}`);
  if (svc.persistence) parts.push(`persistent ${esc(svc.persistence.timeout)} s`);
  if (svc.persistenceEngine) parts.push(`pe ${esc(svc.persistenceEngine)}`);
  if (svc.onePacket) parts.push('one-packet');
  return parts.join(' · ');
}

interface Counters { conns?: ListingRow | undefined; stats?: ListingRow | undefined; rates?: ListingRow | undefined }

function counterCells(c: Counters): string {
  const v = (row: ListingRow | undefined, col: string) => row?.values[col];
  return [
    `<td class="n">${num(v(c.conns, 'ActiveConn'))}</td>`,
    `<td class="n">${num(v(c.conns, 'InActConn'))}</td>`,
    `<td class="n">${num(v(c.stats, 'Conns'))}</td>`,
    `<td class="n">${num(v(c.rates, 'CPS'))}</td>`,
    `<td class="n">${num(v(c.rates, 'InPPS'))} / ${num(v(c.rates, 'OutPPS'))}</td>`,
    `<td class="n">${bytes(v(c.rates, 'InBPS'))}/s / ${bytes(v(c.rates, 'OutBPS'))}/s</td>`,
  ].join('');
}

// health and drain pills: why a weight is not the config's, and what is waiting to be deleted
function healthPills(key: string, server: RealServer, input: StatusPageInput): string {
  const id = `${key}#${server.key}`;
  const pills: string[] = [];
  const h = input.status.health.get(id);
  if (h) {
    const cls = h.state.status === 'down' ? 'bad' : h.state.status === 'up' ? 'ok' : 'muted';
    const since = h.state.since === null ? '' : ` since ${time(h.state.since)}`;
    const title = h.state.lastResult ? ` title="${esc(h.state.lastResult.detail)}"` : '';
    pills.push(`<span class="pill ${cls}"${title}>health ${esc(h.state.status)}${esc(since)}</span>`);
  }
  const adj = input.status.healthAdjustments.find((a) => a.service === key && a.server === server.key);
  if (adj) pills.push(`<span class="pill warn">${esc(adj.kind === 'fallback' ? 'fallback in use' : adj.kind === 'removed' ? 'removed (health)' : `quiesced (declared weight ${adj.declaredWeight})`)}</span>`);
  const drain = input.status.drains.find((d) => d.record.id === id || d.record.id === key);
  if (drain) pills.push(`<span class="pill warn">draining: ${esc(drain.activeConnections)} active, ${esc(formatDuration(Math.max(0, drain.record.deadline - input.now)))} left</span>`);
  return pills.join(' ');
}

function serverRow(server: RealServer, live: RealServer | undefined, counters: Counters, drift: readonly DriftItem[], managed: boolean, extra = ''): string {
  const missing = !live;
  const state = extra && !drift.length ? extra : !managed ? '<span class="pill muted">–</span>' : missing
    ? '<span class="pill bad">missing</span>'
    : drift.length
      ? drift.map((d) => `<span class="pill warn">${esc(d.field === 'presence' ? `not declared` : `${d.field} ${d.desired} → ${d.live}`)}</span>`).join(' ')
      : '<span class="pill ok">ok</span>';
  const shown = live ?? server;
  return `<tr${missing ? ' class="missing"' : ''}><td class="addr">${esc(hostPort(shown.address, shown.port))}</td><td>${esc(METHOD[shown.method] ?? shown.method)}</td>` +
    `<td class="n">${esc(shown.weight)}</td>${counterCells(missing ? {} : counters)}<td>${state}</td></tr>`;
}

function serviceCard(key: string, declared: VirtualService | undefined, live: VirtualService | undefined, input: StatusPageInput, owned: boolean): string {
  const svc = live ?? declared!;
  const ok = input.live?.ok ? input.live.stats : null;
  const drift = input.status.currentDrift.filter((d) => d.service === describeTarget(svc.target));
  const badge = !declared
    ? `<span class="pill muted">${owned ? 'owned, not declared' : 'not managed by lvsync'}</span>`
    : !live ? '<span class="pill bad">missing from the kernel</span>'
      : drift.length ? '<span class="pill warn">drift</span>' : '<span class="pill ok">in sync</span>';
  const names = new Set<string>();
  const rows: string[] = [];
  const servers = sortedServers([...(live?.servers.values() ?? []), ...[...(declared?.servers.values() ?? [])].filter((s) => !live?.servers.has(s.key))]);
  for (const s of servers) {
    if (names.has(s.key)) continue;
    names.add(s.key);
    const counters = {
      conns: ok?.conns.services.get(key)?.servers.get(s.key),
      stats: ok?.stats.services.get(key)?.servers.get(s.key),
      rates: ok?.rates.services.get(key)?.servers.get(s.key),
    };
    const sDrift = drift.filter((d) => d.server === hostPort(s.address, s.port));
    rows.push(serverRow(declared?.servers.get(s.key) ?? s, live?.servers.get(s.key), counters, sDrift, declared !== undefined, healthPills(key, s, input)));
  }
  const svcCounters = { conns: undefined, stats: ok?.stats.services.get(key), rates: ok?.rates.services.get(key) } as const;
  const svcStats = svcCounters.stats || svcCounters.rates
    ? `<span class="totals">${num(svcCounters.stats?.values['Conns'])} conns · ${num(svcCounters.rates?.values['CPS'])} conn/s · in ${bytes(svcCounters.rates?.values['InBPS'])}/s · out ${bytes(svcCounters.rates?.values['OutBPS'])}/s</span>`
    : '';
  const title = declared?.name ? `<span class="name">${esc(declared.name)}</span> ` : '';
  return `<section class="svc${declared ? '' : ' unmanaged'}">
<h3>${title}<span class="target">${esc(describeTarget(svc.target).replace(/^\w+/, (w) => w.toUpperCase()))}</span> ${badge}</h3>
<p class="meta">${serviceMeta(svc)} ${svcStats}</p>
<table><thead><tr><th>Real server</th><th>Forward</th><th class="n">Weight</th><th class="n">Active</th><th class="n">Inactive</th><th class="n">Conns</th><th class="n">Conn/s</th><th class="n">Pkt/s in / out</th><th class="n">Bytes/s in / out</th><th>State</th></tr></thead>
<tbody>${rows.join('\n') || '<tr><td colspan="10" class="empty">no real servers</td></tr>'}</tbody></table>
</section>`;
}

export function renderStatusPage(input: StatusPageInput): string {
  const { status, now } = input;
  const refresh = input.refreshSeconds ?? 5;
  const live: Table | null = input.live?.ok ? input.live.stats.table : status.live;
  const declared = status.desired?.table.services ?? new Map<string, VirtualService>();
  const keys = new Set<string>([...declared.keys(), ...(live?.services.keys() ?? [])]);
  // declared services first, then the ones lvsync does not manage
  const all = sortedServices([...keys].map((k) => live?.services.get(k) ?? declared.get(k)!));
  const ordered = [...all.filter((s) => declared.has(s.key)), ...all.filter((s) => !declared.has(s.key))];
  const owned = new Set(status.currentDrift.filter((d) => d.object === 'service' && d.field === 'presence' && d.live === 'present').map((d) => d.service));
  const cards = ordered.map((svc) => serviceCard(svc.key, declared.get(svc.key), live?.services.get(svc.key), input, owned.has(describeTarget(svc.target))));
  const last = status.passes[0];

  const configBox = status.config.valid === false
    ? `<section class="box bad"><h2>Config errors</h2><p>${status.desired ? `The files below are invalid. The last good config (loaded ${esc(time(status.config.lastGoodAt ?? now))} UTC) stays in force; nothing from these files reaches the kernel.` : 'No valid config has been loaded yet: the kernel has not been touched.'}</p>
<pre>${status.config.diagnostics.map((d) => esc(formatDiagnostic(d))).join('\n')}</pre></section>`
    : status.config.diagnostics.length
      ? `<section class="box warn"><h2>Config warnings</h2><pre>${status.config.diagnostics.map((d) => esc(formatDiagnostic(d))).join('\n')}</pre></section>`
      : '';
  const driftBox = status.currentDrift.length
    ? `<section class="box warn"><h2>Current drift</h2><p>The live table differs from the desired state${status.mode === 'detect-only' ? ' (--detect-only: reported, not corrected)' : ''}:</p><ul>${status.currentDrift.map((d) => `<li>${esc(d.text)}</li>`).join('')}</ul></section>`
    : status.lastDrift
      ? `<p class="note">Last drift found ${esc(ago(now, status.lastDrift.at))} (${esc(time(status.lastDrift.at))} UTC), ${status.lastDrift.corrected ? 'corrected' : 'not corrected'}: ${status.lastDrift.items.map((d) => esc(d.text)).join('; ')}.</p>`
      : '<p class="note">No drift seen since the daemon started.</p>';
  const failOpenBox = status.failOpen.length
    ? `<section class="box bad"><h2>All real servers failed: failing open</h2><ul>${status.failOpen.map((m) => `<li>${esc(m)}</li>`).join('')}</ul></section>`
    : '';
  const stateBox = status.stateFiles.length
    ? `<section class="box warn"><h2>State files</h2><p>Files in the state directory lvsync could not use; each was moved aside (unless it says otherwise) and replaced by its safe default:</p><ul>${status.stateFiles.map((r) => `<li>${esc(time(r.at))} UTC <code>${esc(r.file)}</code>: ${esc(r.message)}</li>`).join('')}</ul></section>`
    : '';
  const lost = status.lostInventory;
  const lostBox = lost
    ? `<section class="box warn"><h2>Inventory lost</h2><p>The inventory was lost at ${esc(time(lost.lostAt))} UTC${lost.movedTo ? ` (now <code>${esc(lost.movedTo)}</code>)` : ''}. These ${esc(lost.services.length)} live service(s) are neither declared nor inside the scope; lvsync may have created them, so it keeps them: <code>lvsync apply PATH... --lost-inventory delete</code> deletes them, <code>--lost-inventory keep</code> keeps them as not lvsync's.</p><ul>${lost.services.map((svc) => `<li><code>${esc(describeTarget(svc.target))}</code></li>`).join('')}</ul></section>`
    : '';
  const vrrpBox = vrrpSection(status) + anycastSection(status);
  const liveError = input.live && !input.live.ok ? `<section class="box bad"><h2>Live counters unavailable</h2><pre>${esc(input.live.error)}</pre></section>` : '';
  const errorBox = last?.outcome === 'failed' ? `<section class="box bad"><h2>Last pass failed</h2><pre>${esc(last.summary)}</pre><p>Retrying with backoff (${status.consecutiveFailures} failed in a row).</p></section>` : '';

  const passes = status.passes.map((p) => `<tr><td class="n">${p.seq}</td><td>${esc(time(p.startedAt))}</td><td>${esc(p.reasons.join(', '))}</td><td><span class="pill ${OUTCOME_CLASS[p.outcome]}">${esc(p.outcome)}</span></td><td class="n">${esc(formatDuration(p.durationMs))}</td><td>${esc(p.summary)}${p.configValid ? '' : ' <span class="pill bad">config invalid</span>'}</td></tr>`).join('\n');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="${refresh}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lvsync · ${esc(status.hostname)} · ${input.ready.ready ? 'ready' : 'NOT READY'}</title>
<style>${CSS}</style></head>
<body>
<header><h1>lvsync <span class="host">${esc(status.hostname)}</span></h1>
<span class="pill ${input.ready.ready ? 'ok' : 'bad'} big">${input.ready.ready ? 'ready' : 'not ready'}</span>
<span class="facts">mode <b>${esc(status.mode)}</b> · interval ${esc(formatDuration(status.intervalMs))} · last pass ${esc(ago(now, last ? last.startedAt + last.durationMs : null))}${input.nextPassAt !== null ? ` · next in ${esc(formatDuration(Math.max(0, input.nextPassAt - now)))}` : ''} · last success ${esc(ago(now, status.lastSuccessAt))}</span></header>
<main>
${input.ready.ready ? '' : `<ul class="reasons">${input.ready.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`}
${configBox}${errorBox}${failOpenBox}${stateBox}${lostBox}${driftBox}${liveError}${vrrpBox}
<h2>Virtual services <small>${declared.size} declared · ${live?.services.size ?? 0} in the kernel${input.live?.ok ? ` · counters at ${esc(time(input.live.stats.at))} UTC` : ''}</small></h2>
${cards.join('\n') || '<p class="note">The kernel table is empty and nothing is declared.</p>'}
<h2>Last passes</h2>
<table class="passes"><thead><tr><th class="n">#</th><th>Started (UTC)</th><th>Trigger</th><th>Outcome</th><th class="n">Took</th><th>Summary</th></tr></thead><tbody>
${passes || '<tr><td colspan="6" class="empty">no pass yet</td></tr>'}
</tbody></table>
</main>
<footer>lvsync ${esc(input.version)} · config ${esc(status.paths.join(', '))} · refreshes every ${refresh} s · <a href="/metrics">/metrics</a> · <a href="/readyz">/readyz</a> · <a href="/healthz">/healthz</a> · <a href="/status.json">/status.json</a> · page rendered ${esc(time(now))} UTC</footer>
</body></html>
`;
}

const CSS = `
:root{--ok:#1a7f37;--ok-bg:#dafbe1;--warn:#9a6700;--warn-bg:#fff8c5;--bad:#cf222e;--bad-bg:#ffebe9;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2328;background:var(--bg)}
header{display:flex;flex-wrap:wrap;align-items:center;gap:12px;padding:12px 24px;background:#24292f;color:#fff}
header h1{margin:0;font-size:20px}
header .host{font-weight:400;color:#d0d7de}
header .facts{color:#d0d7de;font-size:13px}
main{padding:8px 24px 24px;max-width:1400px}
h2{font-size:16px;margin:20px 0 8px}
h2 small{font-weight:400;color:var(--muted);font-size:13px}
.svc{background:#fff;border:1px solid var(--line);border-radius:6px;margin:0 0 12px;padding:10px 14px}
.svc.unmanaged{opacity:.75}
.svc h3{margin:0;font-size:15px;display:flex;gap:8px;align-items:center}
.svc .target{font-family:ui-monospace,"DejaVu Sans Mono",monospace}
.svc .meta{margin:2px 0 8px;color:var(--muted)}
.svc .totals{margin-left:12px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);white-space:nowrap}
th{font-size:12px;color:var(--muted);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.addr{font-family:ui-monospace,"DejaVu Sans Mono",monospace}
tr.missing td{color:var(--bad);background:var(--bad-bg)}
td.empty{color:var(--muted);text-align:center}
.passes{background:#fff;border:1px solid var(--line)}
.passes td:last-child{white-space:normal}
.pill{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;line-height:20px}
.pill.big{font-size:14px;line-height:24px;padding:0 12px}
.pill.ok{color:var(--ok);background:var(--ok-bg)}
.pill.warn{color:var(--warn);background:var(--warn-bg)}
.pill.bad{color:var(--bad);background:var(--bad-bg)}
.pill.muted{color:var(--muted);background:#eaeef2}
.box{border:1px solid;border-radius:6px;padding:8px 14px;margin:12px 0}
.box h2{margin:4px 0}
.box.bad{border-color:var(--bad);background:var(--bad-bg)}
.box.warn{border-color:#d4a72c;background:var(--warn-bg)}
.box.ok{border-color:var(--ok);background:var(--ok-bg)}
.box pre{white-space:pre-wrap;margin:6px 0;font-size:13px}
.reasons{color:var(--bad);font-weight:600}
.note{color:var(--muted)}
footer{padding:12px 24px;color:var(--muted);font-size:12px}
a{color:#0969da}
`;

// VRRP readiness: one row per instance, with why it is not ready and what keepalived last said
function vrrpSection(status: DaemonStatus): string {
  const v = status.vrrp;
  if (!v) return '';
  const rows = v.instances.map((i) => {
    const ka = i.keepalived ? `${esc(i.keepalived.state)}${i.keepalived.priority === null ? '' : ` (priority ${esc(i.keepalived.priority)})`} since ${esc(time(i.keepalived.at))} UTC` : (v.notifyFifo ? 'no report yet' : '–');
    const file = `<code>${esc(i.trackFile)}</code> ← ${esc(i.value)}${i.writeError ? ` <span class="pill bad">write failed: ${esc(i.writeError)}</span>` : ''}`;
    const why = i.reasons.length ? `<ul>${i.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '';
    return `<tr><td><b>${esc(i.instance)}</b></td><td><span class="pill ${i.ready ? 'ok' : 'bad'}">${i.ready ? 'ready' : 'not ready'}</span>${why}</td><td>${file}</td><td>${ka}</td></tr>`;
  }).join('\n');
  const cls = v.instances.every((i) => i.ready) ? 'ok' : 'warn';
  return `<section class="box ${cls}"><h2>VRRP${v.stopping ? ' <small>stopping: handing the VIPs over</small>' : ''}</h2>
<table class="passes"><thead><tr><th>Instance</th><th>Readiness</th><th>Track file</th><th>keepalived</th></tr></thead><tbody>
${rows}
</tbody></table></section>`;
}

// anycast: one row per VIP, announced or withdrawn and why
function anycastSection(status: DaemonStatus): string {
  const a = status.anycast;
  if (!a) return '';
  const rows = a.vips.map((v) => `<tr><td><b>${esc(v.prefix)}</b></td><td><span class="pill ${v.ready ? 'ok' : 'bad'}">${v.ready ? 'announced' : 'withdrawn'}</span>${v.reasons.length ? `<ul>${v.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}</td></tr>`).join('\n');
  const note = a.stopping ? ' <small>stopping: withdrawn, waiting for the traffic to move</small>' : a.drainedSince !== null ? ' <small>drained for maintenance (lvsync drain-director)</small>' : '';
  return `<section class="box ${a.vips.every((v) => v.ready) ? 'ok' : 'warn'}"><h2>Anycast (BGP)${note}</h2>
<table class="passes"><thead><tr><th>VIP</th><th>State</th></tr></thead><tbody>
${rows}
</tbody></table><p class="note">read by <code>lvsync exabgp</code> from <code>${esc(a.stateFile)}</code></p></section>`;
}
