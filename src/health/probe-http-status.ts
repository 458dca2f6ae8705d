import { connect } from 'node:net';
import { errorDetail, type ProbeOutcome } from './probe-attempt.js';
import type { HealthCheckSpec, ProbeTarget } from './types.js';

/**
 * The http check without expectBody, the common case, on a bare socket: the same GET that
 * node:http sends, and the status line of the answer read by hand, nothing more. node:http's
 * request, parser and response objects were more than a third of the CPU of such a check (issue
 * 13: 10k–50k servers every 5 s); the headers and the body of the answer are never looked at
 * here, so nothing is lost by not parsing them. Informational answers (1xx, e.g. 103 Early Hints)
 * are skipped as node:http skips them. Judged as probe-http.ts judges the status.
 */

/** a status line longer than this is not an HTTP server's */
export const MAX_STATUS_HEAD_BYTES = 8 * 1024;

/** node:http's rules for what may be sent: a path without spaces or controls, header values without CR/LF */
const UNESCAPED_PATH = /[^\u0021-\u00ff]/;
const INVALID_HEADER_VALUE = /[^\t\u0020-\u007e\u0080-\u00ff]/;
const STATUS_LINE = /^HTTP\/\d\.\d (\d{3})(?: |$)/;

export function statusOnlyProbe(check: HealthCheckSpec, target: ProbeTarget, host: string, signal: AbortSignal, judge: (status: number) => ProbeOutcome): Promise<ProbeOutcome> {
  const path = check.path === '' ? '/' : check.path;
  if (UNESCAPED_PATH.test(path)) return Promise.resolve({ ok: false, detail: 'ERR_UNESCAPED_CHARACTERS: Request path contains unescaped characters' });
  if (INVALID_HEADER_VALUE.test(host)) return Promise.resolve({ ok: false, detail: 'ERR_INVALID_CHAR: Invalid character in header content ["Host"]' });
  const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: lvsync-health\r\nConnection: close\r\n\r\n`, 'latin1');
  return new Promise<ProbeOutcome>((resolve) => {
    let settled = false;
    let head = '';
    const done = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = () => done({ ok: false, detail: 'aborted' });
    // IPv6 literals work as host as they are, no brackets
    const socket = connect({ host: target.address, port: target.port });
    // 'on', not 'once': an unhandled second 'error' would crash the daemon
    socket.on('error', (err) => done({ ok: false, detail: errorDetail(err) }));
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      for (;;) {
        const eol = head.indexOf('\n');
        if (eol < 0) {
          if (head.length > MAX_STATUS_HEAD_BYTES) done({ ok: false, detail: `not an HTTP response (no status line in the first ${MAX_STATUS_HEAD_BYTES / 1024} KiB)` });
          return;
        }
        const line = head.slice(0, eol).replace(/\r$/, '');
        const m = STATUS_LINE.exec(line);
        if (!m) {
          done({ ok: false, detail: `not an HTTP response: ${JSON.stringify(line.slice(0, 40))}` });
          return;
        }
        const status = Number(m[1]);
        if (status < 100 || status >= 200) {
          done(judge(status));
          return;
        }
        // 1xx: its head ends with an empty line, and the real answer follows
        const end = head.indexOf('\r\n\r\n', eol - 1);
        if (end < 0) {
          if (head.length > MAX_STATUS_HEAD_BYTES) done({ ok: false, detail: `not an HTTP response (no final status in the first ${MAX_STATUS_HEAD_BYTES / 1024} KiB)` });
          return;
        }
        head = head.slice(end + 4);
      }
    });
    // closed before a status line: what node:http says then
    socket.on('end', () => done({ ok: false, detail: 'ECONNRESET: socket hang up' }));
    socket.on('close', () => done({ ok: false, detail: 'ECONNRESET: socket hang up' }));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.write(request);
  });
}
