import { connect } from 'node:net';
import { errorDetail, type ProbeAttempt } from './probe-attempt.js';

/**
 * The tcp check: the server is up when a connection to it completes. Nothing is sent and the
 * socket is closed at once: the handshake is the whole question.
 */
export const tcpProbe: ProbeAttempt = (_check, target, signal) =>
  new Promise((resolve) => {
    // IPv6 literals work as host as they are, no brackets
    const socket = connect({ host: target.address, port: target.port });
    const done = (ok: boolean, detail: string) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ ok, detail });
    };
    const onAbort = () => done(false, 'aborted');
    socket.once('connect', () => done(true, 'connected'));
    // 'on', not 'once': an unhandled second 'error' would crash the daemon
    socket.on('error', (err) => done(false, errorDetail(err)));
    signal.addEventListener('abort', onAbort, { once: true });
  });
