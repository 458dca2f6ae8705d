/**
 * The real servers of the health benchmark, in a process of their own (forked by the checker in
 * bench/health.ts, so that neither side's sockets count against the other's open-file limit).
 *
 * It listens on loopback only: `count` listeners spread over 127.20.x.y addresses, a few ports
 * each. Every listener answers a request with HTTP 200 until it is told to hang; the listeners
 * marked `flip` then accept connections and never answer (the failure mode that holds a check
 * until its timeout). A hung connection is closed when the checker gives up on it.
 *
 * Messages (IPC): in `{ type: 'flip' }` and `{ type: 'stop' }`; out `{ type: 'ready', listeners }`
 * and `{ type: 'flipped', at }` (Date.now() when the listeners stopped answering).
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface BenchListener {
  readonly address: string;
  readonly port: number;
  /** answers until the flip, then hangs */
  readonly flip: boolean;
}

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n');
const BASE_PORT = 20_000;
const PORTS_PER_ADDRESS = 10;

/** Listener i: address 127.20.(i / 2500).(…) and one of PORTS_PER_ADDRESS ports; every `flipEvery`-th one flips. */
export function listenerLayout(count: number, flipEvery: number): BenchListener[] {
  const out: BenchListener[] = [];
  for (let i = 0; i < count; i++) {
    const host = Math.floor(i / PORTS_PER_ADDRESS);
    out.push({ address: `127.20.${Math.floor(host / 250)}.${(host % 250) + 1}`, port: BASE_PORT + (i % PORTS_PER_ADDRESS), flip: i % flipEvery === flipEvery - 1 });
  }
  return out;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const flipEvery = Number(process.argv[3] ?? 10);
  const layout = listenerLayout(count, flipEvery);
  let hanging = false;
  const held = new Set<Socket>();
  const servers: Server[] = [];
  const serve = (flip: boolean) => (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    if (flip && hanging) {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
      // read and drop what the checker sends; never answer
      socket.on('data', () => undefined);
      return;
    }
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\r\n\r\n')) socket.end(RESPONSE);
    });
  };
  await Promise.all(layout.map((l) => new Promise<void>((resolve, reject) => {
    const server = createServer({ allowHalfOpen: false }, serve(l.flip));
    server.once('error', reject);
    server.listen({ host: l.address, port: l.port, backlog: 4096 }, () => resolve());
    servers.push(server);
  })));
  process.on('message', (m: { type: string }) => {
    if (m.type === 'flip') {
      hanging = true;
      process.send?.({ type: 'flipped', at: Date.now() });
    } else if (m.type === 'stop') {
      for (const s of held) s.destroy();
      for (const s of servers) s.close();
      process.exit(0);
    }
  });
  // the checker died without telling us: do not outlive it
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', listeners: layout });
}

if (process.argv[1]?.endsWith('health-targets.js')) await main();
