import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatDiagnostic } from '../diagnostics.js';
import { describeTarget } from '../model/keys.js';
import type { Table } from '../model/types.js';
import type { LiveStatsReader } from './live-stats.js';
import type { DaemonMetrics } from './metrics.js';
import { renderStatusPage } from './render-status.js';
import { readiness, type DaemonStatus } from './status.js';

/**
 * The daemon's HTTP endpoints, loopback by default: /metrics, /healthz, /readyz, /status.json
 * and the status page at /. Read-only: no endpoint changes anything.
 */

export interface ServerDeps {
  readonly status: DaemonStatus;
  readonly metrics: DaemonMetrics;
  readonly liveStats: LiveStatsReader;
  readonly now: () => number;
  readonly nextPassAt: () => number | null;
  readonly version: string;
}

export interface StatusServer {
  /** http://host:port */
  readonly url: string;
  close(): Promise<void>;
}

function tableJson(table: Table | null) {
  if (!table) return null;
  return [...table.services.values()].map((s) => ({ ...s, servers: [...s.servers.values()] }));
}

/** /status.json: what the page shows, for scripts. */
export function statusJson(status: DaemonStatus) {
  return {
    ...readiness(status),
    mode: status.mode,
    intervalMs: status.intervalMs,
    paths: status.paths,
    startedAt: new Date(status.startedAt).toISOString(),
    config: { ...status.config, diagnostics: status.config.diagnostics.map((d) => ({ ...d, text: formatDiagnostic(d) })) },
    desired: tableJson(status.desired?.table ?? null),
    live: tableJson(status.live),
    passes: status.passes.map((p) => ({ ...p, startedAt: new Date(p.startedAt).toISOString() })),
    currentDrift: status.currentDrift,
    lastDrift: status.lastDrift,
    lastSuccessAt: status.lastSuccessAt === null ? null : new Date(status.lastSuccessAt).toISOString(),
    lastError: status.lastError,
    consecutiveFailures: status.consecutiveFailures,
    health: [...status.health.values()].map(({ target, state }) => ({
      id: target.id, service: target.service, address: target.address, port: target.serverPort, checkPort: target.port,
      status: state.status, since: state.since === null ? null : new Date(state.since).toISOString(),
      consecutiveOk: state.consecutiveOk, consecutiveFail: state.consecutiveFail, lastResult: state.lastResult,
      lastCheckAt: state.lastCheckAt === null ? null : new Date(state.lastCheckAt).toISOString(),
    })),
    healthAdjustments: status.healthAdjustments,
    failOpen: status.failOpen,
    stateFiles: status.stateFiles.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
    lostInventory: status.lostInventory && {
      lostAt: new Date(status.lostInventory.lostAt).toISOString(), movedTo: status.lostInventory.movedTo,
      services: status.lostInventory.services.map((svc) => ({ key: svc.key, target: describeTarget(svc.target) })),
    },
    vrrp: status.vrrp && {
      stopping: status.vrrp.stopping,
      notifyFifo: status.vrrp.notifyFifo,
      instances: status.vrrp.instances.map((i) => ({
        ...i, writtenAt: i.writtenAt === null ? null : new Date(i.writtenAt).toISOString(),
        keepalived: i.keepalived && { ...i.keepalived, at: new Date(i.keepalived.at).toISOString() },
      })),
    },
    anycast: status.anycast && { ...status.anycast, drainedSince: status.anycast.drainedSince === null ? null : new Date(status.anycast.drainedSince).toISOString() },
    drains: status.drains.map((d) => ({
      target: d.record.what, service: d.record.service, server: d.record.server, state: d.state, activeConnections: d.activeConnections,
      startedAt: new Date(d.record.startedAt).toISOString(), deadline: new Date(d.record.deadline).toISOString(),
    })),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: ServerDeps): Promise<void> {
  const send = (code: number, type: string, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'only GET and HEAD\n', { allow: 'GET, HEAD' });
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  switch (path) {
    case '/healthz':
      return send(200, 'text/plain; charset=utf-8', 'ok\n');
    case '/readyz': {
      const r = readiness(deps.status);
      const lines = r.ready ? ['ready'] : ['not ready', ...r.reasons.map((x) => `- ${x}`), ...deps.status.config.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)];
      return send(r.ready ? 200 : 503, 'text/plain; charset=utf-8', `${lines.join('\n')}\n`);
    }
    case '/metrics':
      return send(200, deps.metrics.registry.contentType, await deps.metrics.registry.metrics());
    case '/status.json':
      return send(200, 'application/json; charset=utf-8', `${JSON.stringify(statusJson(deps.status), null, 2)}\n`);
    case '/': {
      const live = await deps.liveStats.read();
      const html = renderStatusPage({ status: deps.status, ready: readiness(deps.status), live, now: deps.now(), nextPassAt: deps.nextPassAt(), version: deps.version });
      return send(200, 'text/html; charset=utf-8', html, { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
    }
    default:
      return send(404, 'text/plain; charset=utf-8', 'not found: try /, /metrics, /healthz, /readyz or /status.json\n');
  }
}

export async function startStatusServer(listen: { host: string; port: number }, deps: ServerDeps): Promise<StatusServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res, deps).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** "127.0.0.1:9110", "[::1]:9110", ":9110" (all interfaces, said explicitly) → host and port; null when unreadable. */
export function parseListen(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}
