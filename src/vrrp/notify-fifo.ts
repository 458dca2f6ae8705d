import { execa } from 'execa';
import { constants, openSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { VRRP_STATES, type VrrpState } from '../model/vrrp.js';

/**
 * keepalived's notify_fifo, read by lvsync watch: keepalived writes one line per state change, e.g.
 * `INSTANCE "VI_WEB" MASTER 150` (type, quoted name, state, priority). The parsing is pure; the
 * reader is the edge. The FIFO is opened read-write and non-blocking: opening never waits for
 * keepalived, and lvsync holding a writer itself means keepalived restarting is not an end of file.
 */

export interface VrrpNotification {
  /** INSTANCE or GROUP (sync groups) */
  readonly type: 'INSTANCE' | 'GROUP';
  readonly name: string;
  readonly state: VrrpState;
  /** the priority keepalived reported (instances only) */
  readonly priority: number | null;
}

const LINE = /^(INSTANCE|GROUP) "((?:[^"\\]|\\.)*)" (\w+)(?: (\d+))?\s*$/;

/** One notify_fifo line, or null for lines that are not about a VRRP instance or group (checker lines: VS, RS). */
export function parseNotifyLine(line: string): VrrpNotification | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const state = m[3] as VrrpState;
  if (!(VRRP_STATES as readonly string[]).includes(state)) return null;
  return { type: m[1] as 'INSTANCE' | 'GROUP', name: m[2]!, state, priority: m[4] === undefined ? null : Number(m[4]) };
}

export interface NotifyReader {
  close(): Promise<void>;
}

/** Makes the FIFO if nothing is at the path; refuses anything that is not a FIFO (never replaces a file). */
async function ensureFifo(path: string): Promise<void> {
  try {
    const info = await lstat(path);
    if (!info.isFIFO()) throw new Error(`${path} exists and is not a FIFO; remove it or point vrrp.notifyFifo elsewhere`);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const made = await execa('mkfifo', ['-m', '0600', path], { reject: false });
  if (made.exitCode !== 0) throw new Error(`cannot create the FIFO ${path}: ${String(made.stderr).trim() || `mkfifo exited ${made.exitCode}`}`);
}

/** Reads notifications until closed. `onLine` gets every line; `onNotification` those about instances and groups. */
export async function readNotifyFifo(path: string, handlers: { onNotification: (n: VrrpNotification) => void; onError: (err: Error) => void }): Promise<NotifyReader> {
  await ensureFifo(path);
  // a plain descriptor, not a FileHandle: the socket owns it, and a FileHandle would close it when collected
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  const socket = new Socket({ fd, readable: true, writable: false });
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const n = parseNotifyLine(line);
      if (n) handlers.onNotification(n);
    }
  });
  socket.on('error', (err) => handlers.onError(err));
  return {
    async close() {
      socket.destroy(); // closes the descriptor
    },
  };
}
