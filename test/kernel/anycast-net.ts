import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO, sleep } from './helpers.js';
import { nsExec, nsExecAsync, run, spawnTracked, tearDown, untilHttpAnswers } from './netns-lab.js';

/**
 * Active-active directors behind a BGP ECMP router, for the kernel VM (issue 17, "Proof on the real
 * kernel"). Every box is a network namespace:
 *
 *            client ns <tag>-c: eth0 <clients>.2 .. .(1+clientAddresses), default via <clients>.1
 *                 |
 *            router ns <tag>-r: eth1 <clients>.1/24, eth0 <segment>.1/24; bird2 (passive eBGP, AS 65000,
 *                 |             hold time 3, `merge paths on` in the kernel protocol), ip_forward=1,
 *                 |             fib_multipath_hash_policy=1 (L4 hash)
 *   ------ bridge br-<tag> (root ns: <segment>.254, for the test process) ------------------------------
 *      |              |              |                     |           |           |
 *   <tag>-d1       <tag>-d2       <tag>-d3              <tag>-rs1   <tag>-rs2   <tag>-rs3
 *   <segment>.2    .3             .4                    .11         .12         .13
 *   each director: the VIP on lo, its own IPVS table     real servers (DR): the VIP on lo, arp_ignore=1,
 *   (DR to every real server), sloppy_tcp=1, ExaBGP      arp_announce=2, default via the router;
 *   (AS 65001) announcing VIP/32 next-hop self to the     busybox httpd on :port (answers its name) and
 *   router; default via the router                        an echo server on :echoPort (greets with its name)
 *
 * The router's route to the VIP is one multipath route with a nexthop per announcing director. The
 * real servers answer the clients straight through the router (direct routing), so a director only
 * ever sees the client-to-server half of a flow, and any director with the same table (same `mh`
 * lookup) can carry on a flow another one started, once sloppy_tcp lets it accept a mid-flow packet.
 *
 * ExaBGP's announcements come from its `process`: by default a scripted announcer
 * (`tail -n +1 -F <dir>/announce.ctl`) the test drives with announce()/withdraw(); lvsync's own
 * `lvsync exabgp CONFIG` goes in its place through startExabgp(d, { run: [...] }).
 */

const execFileP = promisify(execFile);
const TCP_POOL = join(REPO, 'test/kernel/fixtures/tcp-pool.mjs');

export type DirectorName = 'd1' | 'd2' | 'd3';
export const DIRECTORS: readonly DirectorName[] = ['d1', 'd2', 'd3'];

export interface Director {
  readonly name: DirectorName;
  readonly ns: string;
  readonly address: string;
  /** scratch directory: exabgp.conf, exabgp.log, announce.ctl */
  readonly dir: string;
  /** an ipvsadm wrapper that runs in this director's namespace (for lvsync's --ipvsadm) */
  readonly ipvsadm: string;
  /** the bridge port of its eth0 in the root namespace (cut()/uncut() take it down/up) */
  readonly port: string;
}

export interface RealServer { readonly name: string; readonly ns: string; readonly address: string }

export interface AnycastNetOptions {
  /** namespace and link prefix (keep it short: link names have 15 characters); default 'ac' */
  readonly tag?: string;
  /** default '10.70.0.10' */
  readonly vip?: string;
  /** the directors' and real servers' /24, three octets; default '10.70.1' */
  readonly segment?: string;
  /** the clients' /24 behind the router; default '10.70.2' */
  readonly clients?: string;
  /** addresses in the client namespace (ECMP hashes on them and on the ports); default 4 */
  readonly clientAddresses?: number;
  /** real servers, 1-9; default 3 */
  readonly realServers?: number;
  /** the HTTP service port; default 80 */
  readonly port?: number;
  /** the echo service port (long-lived connections); default 7 */
  readonly echoPort?: number;
  /** BGP hold time both sides ask for (seconds, >= 3); default 3 */
  readonly holdTime?: number;
  /**
   * 'manual' (default): each real server gets the VIP on lo and arp_ignore=1/arp_announce=2 from the
   * topology script. 'none': left out, for a test that runs `lvsync realserver CONFIG --address RIP
   * --apply` in each real server's namespace instead (servers answer on their own address meanwhile).
   */
  readonly realServerVip?: 'manual' | 'none';
  /** router AS, directors' AS; default 65000, 65001 (eBGP, every director in the same AS so bird merges their paths) */
  readonly routerAs?: number;
  readonly directorAs?: number;
}

export interface ExabgpOptions {
  /** the process's command line (absolute paths; ExaBGP splits `run` on spaces); default: the scripted announcer */
  readonly run?: readonly string[];
  /** extra environment for ExaBGP (and so for its process), e.g. { exabgp_api_ack: 'false' } */
  readonly env?: Readonly<Record<string, string>>;
  /** the host name ExaBGP and its process see (own UTS namespace, in a private /etc/hosts); default the director's name */
  readonly hostname?: string;
}

export interface Exabgp {
  readonly director: Director;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly confPath: string;
  readonly logPath: string;
  readonly startedAt: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  log(): string;
  /** signal ExaBGP's whole process group (ExaBGP and its process); SIGKILL is the hard kill */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM (ExaBGP sends a CEASE notification: the router drops the routes at once), SIGKILL after `ms` */
  stop(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RouteEvent { readonly t: number; readonly line: string }

export interface ServiceStats {
  readonly service: string;
  readonly conns: number;
  readonly inPkts: number;
  readonly realServers: Record<string, { conns: number; inPkts: number }>;
}

export interface IpvsConnection { readonly proto: string; readonly expire: string; readonly state: string; readonly client: string; readonly virtual: string; readonly realServer: string }

export interface PoolConn {
  readonly i: number;
  port: number;
  greeting: string;
  upAt: number;
  deadAt: number | null;
  reason: string | null;
  /** stalls seen by this connection: an echo arriving > 3 intervals after the previous one */
  readonly gaps: { t: number; ms: number }[];
  /** the last echo (as far as the pool reported: gaps, or the final `last` line) */
  lastEcho: number;
}

export interface ConnPool {
  readonly n: number;
  readonly conns: PoolConn[];
  readonly ticks: { t: number; alive: number; fresh: number; echoes: number }[];
  /** wait until all n are up (greeted) */
  untilUp(ms?: number): Promise<void>;
  /** wait until the pool reported `count` more echoes than now (traffic flows) */
  untilEchoes(count: number, ms?: number): Promise<void>;
  /** wait for a tick after `since` where every live connection is flowing (echoed in the last 3 intervals); returns that tick */
  untilFlowing(since: number, ms?: number): Promise<{ t: number; alive: number; fresh: number }>;
  alive(): PoolConn[];
  dead(): PoolConn[];
  /** connections alive whose longest stall started at or after `since` (ms) */
  maxGap(since: number): number;
  /** client "address:port" of connection i (as IPVS lists it) */
  clientOf(c: PoolConn): string;
  stop(): Promise<void>;
}

export class AnycastNet {
  readonly tag: string;
  readonly vip: string;
  readonly segment: string;
  readonly clientNet: string;
  readonly port: number;
  readonly echoPort: number;
  readonly holdTime: number;
  readonly routerAs: number;
  readonly directorAs: number;
  readonly realServerVip: 'manual' | 'none';
  readonly bridge: string;
  readonly hostAddress: string;
  readonly router: { readonly ns: string; readonly address: string; readonly clientSide: string; readonly ctl: string; readonly conf: string; readonly log: string };
  readonly directors: readonly [Director, Director, Director];
  readonly realServers: readonly RealServer[];
  readonly client: { readonly ns: string; readonly addresses: readonly string[] };
  readonly dir: string;
  /** `ip -o monitor route` in the router namespace, lines mentioning the VIP, stamped on arrival */
  readonly routeEvents: RouteEvent[] = [];
  private readonly exabgps = new Map<DirectorName, Exabgp>();
  private readonly children = new Set<ChildProcess>();
  private readonly pools = new Set<ConnPool>();
  private readonly namespaces: string[] = [];

  private constructor(o: AnycastNetOptions) {
    this.tag = o.tag ?? 'ac';
    this.vip = o.vip ?? '10.70.0.10';
    this.segment = o.segment ?? '10.70.1';
    this.clientNet = o.clients ?? '10.70.2';
    this.port = o.port ?? 80;
    this.echoPort = o.echoPort ?? 7;
    this.holdTime = o.holdTime ?? 3;
    this.routerAs = o.routerAs ?? 65000;
    this.directorAs = o.directorAs ?? 65001;
    this.realServerVip = o.realServerVip ?? 'manual';
    this.bridge = `br-${this.tag}`;
    this.hostAddress = `${this.segment}.254`;
    this.dir = mkdtempSync(join(tmpdir(), `lvsync-anycast-${this.tag}-`));
    this.router = {
      ns: `${this.tag}-r`, address: `${this.segment}.1`, clientSide: `${this.clientNet}.1`,
      ctl: join(this.dir, 'bird.ctl'), conf: join(this.dir, 'bird.conf'), log: join(this.dir, 'bird.log'),
    };
    const director = (name: DirectorName, host: number): Director => {
      const dir = join(this.dir, name);
      mkdirSync(dir);
      const ns = `${this.tag}-${name}`;
      const ipvsadm = join(dir, 'ipvsadm');
      writeFileSync(ipvsadm, `#!/bin/sh\nexec ip netns exec ${ns} ipvsadm "$@"\n`);
      chmodSync(ipvsadm, 0o755);
      return { name, ns, address: `${this.segment}.${host}`, dir, ipvsadm, port: `v${this.tag}-${name}` };
    };
    this.directors = [director('d1', 2), director('d2', 3), director('d3', 4)];
    const rs = o.realServers ?? 3;
    if (rs < 1 || rs > 9) throw new Error(`realServers must be 1-9, not ${rs}`);
    this.realServers = Array.from({ length: rs }, (_, i) => ({ name: `rs${i + 1}`, ns: `${this.tag}-rs${i + 1}`, address: `${this.segment}.${11 + i}` }));
    const ca = o.clientAddresses ?? 4;
    this.client = { ns: `${this.tag}-c`, addresses: Array.from({ length: ca }, (_, i) => `${this.clientNet}.${2 + i}`) };
  }

  /**
   * Build the topology (one shell script), start the real servers' httpd and echo servers, bird in
   * the router and the route monitor. No director announces yet: startExabgp() each. Call cleanup()
   * in after(), also when this throws.
   */
  static async create(o: AnycastNetOptions = {}): Promise<AnycastNet> {
    const net = new AnycastNet(o);
    await net.setUp();
    return net;
  }

  private async setUp(): Promise<void> {
    const r = this.router;
    const c = this.client;
    const lines = ['set -e',
      `ip link add ${this.bridge} type bridge`,
      `ip link set ${this.bridge} up`,
      `ip addr add ${this.hostAddress}/24 dev ${this.bridge}`];
    const addNs = (ns: string) => {
      this.namespaces.push(ns);
      lines.push(`ip netns add ${ns}`, `ip -n ${ns} link set lo up`);
    };
    const plug = (ns: string, address: string, port: string) => {
      addNs(ns);
      lines.push(`ip link add ${port} type veth peer name eth0 netns ${ns}`,
        `ip link set ${port} master ${this.bridge}`,
        `ip link set ${port} up`,
        `ip -n ${ns} addr add ${address}/24 dev eth0`,
        `ip -n ${ns} link set eth0 up`);
    };
    // the router: eth0 on the bridge, eth1 a veth straight to the client namespace
    plug(r.ns, r.address, `v${this.tag}-r`);
    addNs(c.ns);
    lines.push(`ip link add eth1 netns ${r.ns} type veth peer name eth0 netns ${c.ns}`,
      `ip -n ${r.ns} addr add ${r.clientSide}/24 dev eth1`,
      `ip -n ${r.ns} link set eth1 up`,
      ...c.addresses.map((a) => `ip -n ${c.ns} addr add ${a}/24 dev eth0`),
      `ip -n ${c.ns} link set eth0 up`,
      `ip -n ${c.ns} route add default via ${r.clientSide}`,
      `ip netns exec ${r.ns} sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0`);
    for (const d of this.directors) {
      plug(d.ns, d.address, d.port);
      lines.push(`ip -n ${d.ns} addr add ${this.vip}/32 dev lo`,
        `ip -n ${d.ns} route add default via ${r.address}`,
        `ip netns exec ${d.ns} sysctl -qw net.ipv4.vs.sloppy_tcp=1 net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.all.rp_filter=0`);
    }
    for (const rs of this.realServers) {
      plug(rs.ns, rs.address, `v${this.tag}-${rs.name}`);
      lines.push(`ip -n ${rs.ns} route add default via ${r.address}`);
      if (this.realServerVip === 'manual') {
        lines.push(`ip -n ${rs.ns} addr add ${this.vip}/32 dev lo`,
          `ip netns exec ${rs.ns} sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2`);
      }
      const root = join(this.dir, rs.name);
      mkdirSync(root);
      writeFileSync(join(root, 'index.html'), `${rs.name}\n`);
      writeFileSync(join(root, 'echo.sh'), `#!/bin/sh\necho ${rs.name}\nexec cat\n`);
      chmodSync(join(root, 'echo.sh'), 0o755);
    }
    run('sh', ['-c', lines.join('\n')], 'building the anycast topology');
    for (const rs of this.realServers) {
      const root = join(this.dir, rs.name);
      this.spawnChild(['ip', 'netns', 'exec', rs.ns, 'busybox', 'httpd', '-f', '-p', `0.0.0.0:${this.port}`, '-h', root]);
      this.spawnChild(['ip', 'netns', 'exec', rs.ns, 'busybox', 'nc', '-ll', '-p', String(this.echoPort), '-e', join(root, 'echo.sh')]);
    }
    this.monitorRoutes();
    this.startBird();
    const end = Date.now() + 60_000;
    await untilHttpAnswers(this.realServers, this.port, end);
    while (!existsSync(r.ctl)) {
      if (Date.now() > end) throw new Error(`bird never opened ${r.ctl}: ${this.birdLog()}`);
      await sleep(100);
    }
  }


  director(name: DirectorName): Director {
    const d = this.directors.find((x) => x.name === name);
    if (!d) throw new Error(`no director ${name}`);
    return d;
  }

  byAddress(address: string): Director | undefined {
    return this.directors.find((d) => d.address === address);
  }

  // ---- the router: bird2 ----------------------------------------------------------------------

  /**
   * bird's configuration: passive eBGP sessions to every director (the directors connect), hold time
   * `holdTime` with keepalives every second, a one-second error wait so a director that comes back is
   * accepted at once, and the kernel protocol merging equal BGP paths into one multipath route.
   */
  birdConf(): string {
    return `router id ${this.router.address};
log stderr all;
protocol device { scan time 10; }
protocol kernel {
  ipv4 { import none; export where source = RTS_BGP; };
  merge paths on limit 16;
}
template bgp director {
  local ${this.router.address} as ${this.routerAs};
  passive on;
  hold time ${this.holdTime};
  keepalive time 1;
  error wait time 1, 2;
  debug { states, events };
  ipv4 { import all; export none; };
}
${this.directors.map((d) => `protocol bgp ${d.name} from director { neighbor ${d.address} as ${this.directorAs}; }`).join('\n')}
`;
  }

  private startBird(): void {
    const r = this.router;
    writeFileSync(r.conf, this.birdConf());
    const fd = openSync(r.log, 'a');
    this.spawnChild(['ip', 'netns', 'exec', r.ns, 'bird', '-f', '-c', r.conf, '-s', r.ctl, '-P', join(this.dir, 'bird.pid')], ['ignore', fd, fd]);
    closeSync(fd);
  }

  birdLog(): string {
    return existsSync(this.router.log) ? readFileSync(this.router.log, 'utf8') : '';
  }

  /** `birdc -s <ctl> <command...>` (the control socket lives in the scratch dir, reachable from any namespace) */
  async birdc(command: string): Promise<string> {
    return (await execFileP('birdc', ['-s', this.router.ctl, ...command.split(' ')])).stdout;
  }

  /** the BGP sessions' states from `birdc show protocols`: d1 -> 'Established' | 'Passive' | ... */
  async sessions(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const line of (await this.birdc('show protocols')).split('\n')) {
      const m = /^(d\d)\s+BGP\s+\S+\s+(\S+)\s+\S+\s*(\S*)/.exec(line);
      if (m) out[m[1]!] = m[3] || m[2]!;
    }
    return out;
  }

  /** the directors the router's kernel route to the VIP points at now (`ip route show VIP` in the router) */
  async nexthops(): Promise<DirectorName[]> {
    const text = (await execFileP('ip', ['-n', this.router.ns, 'route', 'show', `${this.vip}/32`])).stdout;
    const via = [...text.matchAll(/via (\S+)/g)].map((m) => m[1]!);
    return via.map((a) => this.byAddress(a)?.name ?? (a as DirectorName)).sort();
  }

  /** the text of `ip route show VIP` in the router */
  async routeText(): Promise<string> {
    return (await execFileP('ip', ['-n', this.router.ns, 'route', 'show', `${this.vip}/32`])).stdout;
  }

  /**
   * Wait until the router's nexthops are exactly `want` (polled every 100 ms); return when that
   * happened: the last route event (stamped on arrival) between `since` and the poll that saw it,
   * or that poll's start when there was no event. Throws after `ms` with the route and bird's sessions.
   */
  async untilNexthops(want: readonly DirectorName[], ms = 30_000, since = 0): Promise<number> {
    const end = Date.now() + ms;
    const key = [...want].sort().join(',');
    for (;;) {
      const now = Date.now();
      if ((await this.nexthops()).join(',') === key) {
        const ev = this.routeEvents.filter((e) => e.t >= since && e.t <= Date.now());
        return ev.at(-1)?.t ?? now;
      }
      if (Date.now() > end) throw new Error(`the router's route to ${this.vip} is not via [${key}] after ${ms} ms: ${await this.routeText()} sessions ${JSON.stringify(await this.sessions().catch(() => ({})))}`);
      await sleep(100);
    }
  }

  private monitorRoutes(): void {
    const child = this.spawnChild(['ip', '-n', this.router.ns, '-o', 'monitor', 'route'], ['ignore', 'pipe', 'ignore']);
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const t = Date.now();
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.includes(this.vip)) this.routeEvents.push({ t, line });
    });
  }

  // ---- the directors: ExaBGP and IPVS ---------------------------------------------------------

  /** the announcement lvsync's `exabgp` command prints (and the scripted announcer replays) */
  announceLine(o: { med?: number | null; communities?: readonly string[]; nextHop?: string } = {}): string {
    const communities = o.communities ?? ['65000:1'];
    return `announce route ${this.vip}/32 next-hop ${o.nextHop ?? 'self'}` +
      (o.med === null ? '' : ` med ${o.med ?? 100}`) +
      (communities.length ? ` community [${communities.join(' ')}]` : '');
  }

  withdrawLine(): string {
    return `withdraw route ${this.vip}/32 next-hop self`;
  }

  /** the scripted announcer's control file: every line appended goes to ExaBGP (and is replayed when it restarts) */
  controlFile(d: DirectorName): string {
    return join(this.director(d).dir, 'announce.ctl');
  }

  /** append an API line to `d`'s control file (announce by default); returns the time */
  announce(d: DirectorName, line = this.announceLine()): number {
    appendFileSync(this.controlFile(d), `${line}\n`);
    return Date.now();
  }

  withdraw(d: DirectorName): number {
    return this.announce(d, this.withdrawLine());
  }

  /**
   * ExaBGP 4.2's configuration for `d`: one neighbor (the router), hold time `holdTime`, next-hop
   * self resolved from local-address, and one process whose text API lines become announcements.
   */
  exabgpConf(d: Director, run: readonly string[]): string {
    return `process announcer {
  run ${run.join(' ')};
  encoder text;
}
neighbor ${this.router.address} {
  router-id ${d.address};
  local-address ${d.address};
  local-as ${this.directorAs};
  peer-as ${this.routerAs};
  hold-time ${this.holdTime};
  family { ipv4 unicast; }
  api { processes [ announcer ]; }
}
`;
  }

  /**
   * Debian's ExaBGP in the foreground in `d`'s namespace, its own process group (kill() reaches its
   * process too), log (stdout) appended to `<dir>/exabgp.log`, cwd `<dir>`, host name `d1`..`d3`. Run as root without dropping
   * privileges and without the CLI FIFOs (/run/exabgp is not there); the rest is Debian's
   * /etc/exabgp/exabgp.env (api.ack true, respawn true).
   */
  startExabgp(name: DirectorName, o: ExabgpOptions = {}): Exabgp {
    const d = this.director(name);
    const ctl = this.controlFile(name);
    if (!existsSync(ctl)) writeFileSync(ctl, '');
    const confPath = join(d.dir, 'exabgp.conf');
    writeFileSync(confPath, this.exabgpConf(d, o.run ?? ['/usr/bin/tail', '-n', '+1', '-F', ctl]));
    const logPath = join(d.dir, 'exabgp.log');
    const fd = openSync(logPath, 'a');
    // its own UTS and mount namespaces, host name = the director's name, listed in a private
    // /etc/hosts: ExaBGP resolves the FQDN of the host name at start-up (util/dns.py), and an
    // unresolvable name (the VM's, in no /etc/hosts, no DNS) costs 5 s per start
    const hostname = o.hostname ?? d.name;
    const hosts = join(d.dir, 'hosts');
    writeFileSync(hosts, `127.0.0.1 localhost\n127.0.1.1 ${hostname}\n`);
    const child = spawn('ip', ['netns', 'exec', d.ns, 'unshare', '--uts', '--mount', 'sh', '-c',
      'hostname "$1" && mount --bind "$2" /etc/hosts && exec exabgp "$3"', 'sh', hostname, hosts, confPath], {
      stdio: ['ignore', fd, fd], detached: true, cwd: d.dir,
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/tmp',
        exabgp_daemon_user: 'root', exabgp_daemon_drop: 'false', exabgp_daemon_daemonize: 'false', exabgp_daemon_pid: '',
        exabgp_api_cli: 'false', exabgp_log_destination: 'stdout', ...o.env,
      },
    });
    closeSync(fd);
    this.children.add(child);
    child.on('error', () => undefined);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => { this.children.delete(child); resolve({ code, signal }); });
    });
    const pid = child.pid!;
    const kill = (signal: NodeJS.Signals = 'SIGKILL') => { try { process.kill(-pid, signal); } catch { /* gone */ } };
    const x: Exabgp = {
      director: d, child, pid, confPath, logPath, exited, startedAt: Date.now(),
      log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
      kill,
      stop: async (ms = 10_000) => {
        kill('SIGTERM');
        const timer = setTimeout(() => kill('SIGKILL'), ms);
        const r = await exited;
        clearTimeout(timer);
        kill('SIGKILL'); // its process, if it outlived ExaBGP
        if (this.exabgps.get(name) === x) this.exabgps.delete(name);
        return r;
      },
    };
    void exited.then(() => kill('SIGKILL'));
    this.exabgps.set(name, x);
    return x;
  }

  exabgp(name: DirectorName): Exabgp | undefined {
    return this.exabgps.get(name);
  }

  /**
   * A director drops off the network as a crashed box would: its bridge port goes down (its eth0
   * loses carrier, nothing it sends arrives, the router's frames to it are lost). Without this a
   * killed ExaBGP's kernel still closes the TCP session and the router learns it at once.
   */
  cut(name: DirectorName): number {
    run('ip', ['link', 'set', this.director(name).port, 'down'], `cutting ${name}`);
    return Date.now();
  }

  uncut(name: DirectorName): void {
    run('ip', ['link', 'set', this.director(name).port, 'up'], `reconnecting ${name}`);
  }

  /** the DR services (HTTP and echo) on the VIP with every real server, as `ipvsadm -R` input */
  tableSave(scheduler = 'mh'): string {
    return [this.port, this.echoPort].flatMap((p) => [`-A -t ${this.vip}:${p} -s ${scheduler}`,
      ...this.realServers.map((rs) => `-a -t ${this.vip}:${p} -r ${rs.address}:${p} -g -w 1`)]).join('\n') + '\n';
  }

  /** `ipvsadm -C` then `-R` of `save` in each director (default: all three) */
  loadTables(save = this.tableSave(), which: readonly DirectorName[] = DIRECTORS): void {
    for (const n of which) {
      const d = this.director(n);
      run('ip', ['netns', 'exec', d.ns, 'ipvsadm', '-C'], `ipvsadm -C in ${d.ns}`);
      run('ip', ['netns', 'exec', d.ns, 'ipvsadm', '-R'], `ipvsadm -R in ${d.ns}`, save);
    }
  }

  /** change every service's scheduler in place (`ipvsadm -E`), keeping the real servers and the connection entries */
  setScheduler(scheduler: string, which: readonly DirectorName[] = DIRECTORS): void {
    for (const n of which) {
      const d = this.director(n);
      for (const p of [this.port, this.echoPort]) run('ip', ['netns', 'exec', d.ns, 'ipvsadm', '-E', '-t', `${this.vip}:${p}`, '-s', scheduler], `ipvsadm -E in ${d.ns}`);
    }
  }

  /** `ipvsadm -Z` in each director: the statistics count from now */
  zeroStats(which: readonly DirectorName[] = DIRECTORS): void {
    for (const n of which) run('ip', ['netns', 'exec', this.director(n).ns, 'ipvsadm', '-Z'], `ipvsadm -Z in ${n}`);
  }

  /** `ipvsadm -L -n --stats --exact` in `d`: per service (`VIP:port`) and real server */
  async stats(name: DirectorName): Promise<Record<string, ServiceStats>> {
    const text = (await execFileP('ip', ['netns', 'exec', this.director(name).ns, 'ipvsadm', '-L', '-n', '--stats', '--exact'])).stdout;
    const out: Record<string, ServiceStats> = {};
    let current: ServiceStats | null = null;
    for (const line of text.split('\n')) {
      const svc = /^(TCP|UDP|SCTP)\s+(\S+)\s+(\d+)\s+(\d+)/.exec(line);
      if (svc) {
        current = { service: svc[2]!, conns: Number(svc[3]), inPkts: Number(svc[4]), realServers: {} };
        out[current.service] = current;
        continue;
      }
      const rs = /^\s+->\s+(\d\S*)\s+(\d+)\s+(\d+)/.exec(line);
      if (rs && current) current.realServers[rs[1]!] = { conns: Number(rs[2]), inPkts: Number(rs[3]) };
    }
    return out;
  }

  /** `ipvsadm -L -n` in `d`: ActiveConn and InActConn per service (`VIP:port`), summed over its real servers */
  async activeConns(name: DirectorName): Promise<Record<string, { active: number; inactive: number }>> {
    const text = (await execFileP('ip', ['netns', 'exec', this.director(name).ns, 'ipvsadm', '-L', '-n'])).stdout;
    const out: Record<string, { active: number; inactive: number }> = {};
    let current: { active: number; inactive: number } | null = null;
    for (const line of text.split('\n')) {
      const svc = /^(TCP|UDP|SCTP)\s+(\S+)/.exec(line);
      if (svc) { current = out[svc[2]!] = { active: 0, inactive: 0 }; continue; }
      const rs = /^\s+->\s+\d\S*\s+\S+\s+\d+\s+(\d+)\s+(\d+)/.exec(line);
      if (rs && current) { current.active += Number(rs[1]); current.inactive += Number(rs[2]); }
    }
    return out;
  }

  /** `ipvsadm -L -n -c` in `d`: the connection entries */
  async connections(name: DirectorName): Promise<IpvsConnection[]> {
    const text = (await execFileP('ip', ['netns', 'exec', this.director(name).ns, 'ipvsadm', '-L', '-n', '-c'])).stdout;
    const out: IpvsConnection[] = [];
    for (const line of text.split('\n')) {
      const m = /^(TCP|UDP|SCTP)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(line);
      if (m) out.push({ proto: m[1]!, expire: m[2]!, state: m[3]!, client: m[4]!, virtual: m[5]!, realServer: m[6]! });
    }
    return out;
  }

  /**
   * Which directors carry each client "address:port" on the echo port now: an ESTABLISHED entry whose
   * timer was reset in the last `freshS` seconds (each packet resets it to the 900 s timeout, and the
   * pool sends every 200 ms). A flow that moved leaves its old entry counting down on the director it
   * left; that one is not counted once it is older than `freshS`.
   */
  async whoCarries(freshS = 2): Promise<Map<string, DirectorName[]>> {
    const map = new Map<string, DirectorName[]>();
    const all = await Promise.all(DIRECTORS.map(async (d) => [d, await this.connections(d)] as const));
    const seconds = (expire: string) => expire.split(':').reduce((a, x) => a * 60 + Number(x), 0);
    for (const [d, conns] of all) {
      for (const c of conns) {
        if (c.virtual !== `${this.vip}:${this.echoPort}` || c.state !== 'ESTABLISHED' || seconds(c.expire) < 900 - freshS) continue;
        map.set(c.client, [...(map.get(c.client) ?? []), d]);
      }
    }
    return map;
  }

  // ---- the clients ----------------------------------------------------------------------------

  /**
   * `n` long-lived connections from the client namespace to VIP:echoPort (fixtures/tcp-pool.mjs, a
   * Node process: ~1-3 s to start under TCG), spread over the client addresses, each sending a line
   * every `intervalMs` and checking the echoes. Resolves once started (not yet up: untilUp()).
   */
  startPool(n = 30, intervalMs = 200): ConnPool {
    const child = this.spawnChild(['ip', 'netns', 'exec', this.client.ns, process.execPath, TCP_POOL,
      this.vip, String(this.echoPort), String(n), String(intervalMs), this.client.addresses.join(',')], ['ignore', 'pipe', 'ignore']);
    const conns: PoolConn[] = [];
    const ticks: { t: number; alive: number; fresh: number; echoes: number }[] = [];
    const get = (i: number) => conns[i] ??= { i, port: 0, greeting: '', upAt: 0, deadAt: null, reason: null, gaps: [], lastEcho: 0 };
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const f = line.split(' ');
        if (f[0] === 'up') Object.assign(get(Number(f[1])), { port: Number(f[2]), greeting: f[3], upAt: Number(f[4]), lastEcho: Number(f[4]) });
        else if (f[0] === 'gap') { const c = get(Number(f[1])); c.gaps.push({ ms: Number(f[2]), t: Number(f[3]) }); c.lastEcho = Number(f[3]); }
        else if (f[0] === 'dead') Object.assign(get(Number(f[1])), { deadAt: Number(f[2]), reason: f.slice(3).join(' ') });
        else if (f[0] === 'tick') ticks.push({ t: Number(f[1]), alive: Number(f[2]), fresh: Number(f[3]), echoes: Number(f[4]) });
        else if (f[0] === 'last') get(Number(f[1])).lastEcho = Number(f[2]);
      }
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const pool: ConnPool = {
      n, conns, ticks,
      untilUp: async (ms = 60_000) => {
        const end = Date.now() + ms;
        while (conns.filter((c) => c?.upAt).length < n) {
          if (Date.now() > end) throw new Error(`only ${conns.filter((c) => c?.upAt).length}/${n} pool connections up after ${ms} ms; dead: ${JSON.stringify(pool.dead())}`);
          await sleep(100);
        }
      },
      untilEchoes: async (count, ms = 30_000) => {
        const start = ticks.at(-1)?.echoes ?? 0;
        const end = Date.now() + ms;
        while ((ticks.at(-1)?.echoes ?? 0) < start + count) {
          if (Date.now() > end) throw new Error(`the pool did not get ${count} echoes within ${ms} ms; ticks ${JSON.stringify(ticks.slice(-3))}`);
          await sleep(100);
        }
      },
      untilFlowing: async (since, ms = 30_000) => {
        const end = Date.now() + ms;
        for (;;) {
          const tick = ticks.find((k) => k.t >= since && k.alive === k.fresh);
          if (tick) return tick;
          if (Date.now() > end) throw new Error(`the pool's connections were not all flowing within ${ms} ms; ticks ${JSON.stringify(ticks.slice(-3))}`);
          await sleep(100);
        }
      },
      alive: () => conns.filter((c) => c && c.upAt && c.deadAt === null),
      dead: () => conns.filter((c) => c && c.deadAt !== null),
      maxGap: (since) => Math.max(0, ...conns.flatMap((c) => c?.gaps ?? []).filter((g) => g.t - g.ms >= since - 1000 && g.t >= since).map((g) => g.ms)),
      clientOf: (c) => `${this.client.addresses[c.i % this.client.addresses.length]}:${c.port}`,
      stop: async () => {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5000)]);
        this.pools.delete(pool);
      },
    };
    this.pools.add(pool);
    return pool;
  }

  // ---- helpers --------------------------------------------------------------------------------

  exec(ns: string, script: string): string {
    return nsExec(ns, script);
  }

  async execAsync(ns: string, script: string): Promise<string> {
    return nsExecAsync(ns, script);
  }

  private spawnChild(argv: string[], stdio?: ('ignore' | 'pipe' | number)[]): ChildProcess {
    return spawnTracked(this.children, argv, stdio);
  }

  /** copy the logs (bird, each ExaBGP) into `outDir` as `<prefix>-<name>` */
  saveLogs(outDir: string, prefix = 'anycast'): void {
    const copy = (from: string, to: string) => { if (existsSync(from)) writeFileSync(join(outDir, `${prefix}-${to}`), readFileSync(from)); };
    copy(this.router.log, 'bird.log');
    for (const d of this.directors) copy(join(d.dir, 'exabgp.log'), `${d.name}-exabgp.log`);
  }

  /** stop ExaBGP (SIGTERM), the pools, bird and every child; delete the namespaces and the bridge */
  async cleanup(): Promise<void> {
    await Promise.all([...this.pools].map((p) => p.stop()));
    await Promise.all([...this.exabgps.values()].map((x) => x.stop(3000)));
    tearDown(this.children, this.namespaces, this.bridge);
  }
}

