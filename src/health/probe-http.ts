import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, isIP, isIPv6 } from 'node:net';
import { errorDetail, type ProbeAttempt, type ProbeOutcome } from './probe-attempt.js';
import { statusOnlyProbe } from './probe-http-status.js';
import type { HealthCheckSpec, ProbeTarget } from './types.js';

/**
 * The http and https checks: one GET, judged by its status and optionally by a substring of its
 * body. Plain http without a body to look into reads only the status line (probe-http-status.ts). It is a liveness check of one real server, so it talks to that server only: no redirects
 * followed (node:http never does), no keep-alive pool shared between checks (no agent: a socket
 * per check), and a bounded read of the body.
 */

/** The most body read when looking for expectBody: a health page, not a download. */
export const MAX_BODY_BYTES = 64 * 1024;

export const httpProbe: ProbeAttempt = (check, target, signal) => {
  // the common case, status only, on a bare socket (probe-http-status.ts)
  if (check.type === 'http' && check.expectBody === null) return statusOnlyProbe(check, target, hostHeader(check, target, 80), signal, (status) => judgeStatus(check, status));
  return requestProbe(check, target, signal);
};

/** node:http or node:https: for https, and for a body to look into */
const requestProbe: ProbeAttempt = (check, target, signal) =>
  new Promise<ProbeOutcome>((resolve) => {
    const https = check.type === 'https';
    const options: RequestOptions & { rejectUnauthorized?: boolean; servername?: string } = {
      host: target.address,
      port: target.port,
      method: 'GET',
      path: check.path === '' ? '/' : check.path,
      headers: { Host: hostHeader(check, target, https ? 443 : 80), 'User-Agent': 'lvsync-health', Connection: 'close' },
    };
    // http: no agent at all, a socket of its own per check (agent: false makes a new agent for
    // every request); https keeps agent: false, whose tls.connect sets up SNI and the certificate options
    if (https) options.agent = false;
    else options.createConnection = () => connect({ host: target.address, port: target.port });
    if (https) {
      // Real servers are addressed by IP, so their certificate can never match the name we dial,
      // and many serve a self-signed or internal certificate. The check asks "does it answer",
      // not "is it who it claims": the certificate is not verified. SNI carries check.host when
      // one is set (literal IPs are not allowed in SNI, so none is sent otherwise).
      options.rejectUnauthorized = false;
      options.servername = check.host !== null && isIP(check.host) === 0 ? check.host : '';
    }
    let settled = false;
    const done = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve({ ok, detail });
    };
    const onAbort = () => done(false, 'aborted');
    const req = (https ? httpsRequest : httpRequest)(options, (res) => judge(check, res, done));
    // 'on', not 'once': destroying the request may emit another 'error', and an unhandled one crashes the daemon
    req.on('error', (err) => done(false, errorDetail(err)));
    signal.addEventListener('abort', onAbort, { once: true });
    req.end();
  });

// --- internal ---

/** Host as a browser would send it: the check's host or the address, [IPv6], :port unless default. */
function hostHeader(check: HealthCheckSpec, target: ProbeTarget, defaultPort: number): string {
  const name = check.host ?? target.address;
  const host = isIPv6(name) ? `[${name}]` : name;
  return target.port === defaultPort ? host : `${host}:${target.port}`;
}

function statusAccepted(check: HealthCheckSpec, status: number): boolean {
  return check.expectStatus.length === 0 ? status >= 200 && status <= 399 : check.expectStatus.includes(status);
}

function judgeStatus(check: HealthCheckSpec, status: number): ProbeOutcome {
  if (statusAccepted(check, status)) return { ok: true, detail: `HTTP ${status}` };
  const expected = check.expectStatus.length === 0 ? '2xx or 3xx' : check.expectStatus.join(', ');
  return { ok: false, detail: `HTTP ${status} (expected ${expected})` };
}

function judge(check: HealthCheckSpec, res: IncomingMessage, done: (ok: boolean, detail: string) => void): void {
  const status = res.statusCode ?? 0;
  const verdict = judgeStatus(check, status);
  if (!verdict.ok) {
    done(false, verdict.detail);
    return;
  }
  if (check.expectBody === null) {
    done(true, `HTTP ${status}`);
    return;
  }
  // search the bytes, not decoded chunks: a multi-byte character may straddle two chunks
  const needle = Buffer.from(check.expectBody, 'utf8');
  const missing = `body does not contain ${JSON.stringify(check.expectBody)}`;
  let body = Buffer.alloc(0);
  res.on('data', (chunk: Buffer) => {
    body = Buffer.concat([body, chunk.subarray(0, MAX_BODY_BYTES - body.length)]);
    if (body.includes(needle)) done(true, `HTTP ${status}`);
    else if (body.length >= MAX_BODY_BYTES) done(false, `${missing} (in the first ${MAX_BODY_BYTES / 1024} KiB)`);
  });
  res.once('end', () => done(false, missing));
  res.on('error', (err) => done(false, errorDetail(err)));
  // a connection closed mid-body ends neither with 'end' nor always with 'error'
  res.once('close', () => done(false, res.complete ? missing : 'connection closed before the body ended'));
}
