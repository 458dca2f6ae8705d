import type { ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, sleep } from './helpers.js';
import { nsExec, nsExecAsync, run, spawnTracked, tearDown, untilHttpAnswers } from './netns-lab.js';

/**
 * A director pair for the kernel VM (issue 16, part 3): one layer-2 segment with two directors, a
 * client and DR real servers, each in its own network namespace.
 *
 *   root namespace: bridge `br-<tag>` with `<subnet>.1/24` (so a test's in-process code, e.g. an
 *                   lvsync watch daemon's health probes, reaches the real servers directly)
 *   <tag>-d1, <tag>-d2: eth0 `<subnet>.2`, `.3`; each has its own IPVS table (loadTables), and holds
 *                   the VIP on eth0 only when keepalived puts it there
 *   <tag>-c:        the client, eth0 `<subnet>.100`
 *   <tag>-rsN:      real servers, eth0 `<subnet>.1N`, busybox httpd on :port answering its name;
 *                   the VIP on lo with arp_ignore=1/arp_announce=2 (direct routing)
 *
 * Direct routing lets BOTH directors serve the same real servers: a director rewrites only the
 * destination MAC, and the real server answers the client straight over the bridge, so nothing on a
 * real server depends on which director holds the VIP. A director that does not hold the VIP never
 * sees the client's packets (the client's ARP entry for the VIP points at the holder; keepalived's
 * gratuitous ARPs move it).
 */

const HTTP_LOOP = join(REPO, 'test/kernel/fixtures/http-loop.mjs');

export type DirectorName = 'd1' | 'd2';

export interface Director {
  readonly name: DirectorName;
  readonly ns: string;
  readonly address: string;
  /** a scratch directory for this director: keepalived's config, pid files and log, track files */
  readonly dir: string;
  /** an ipvsadm wrapper that runs in this director's namespace (for lvsync's --ipvsadm / createExecIpvsadm) */
  readonly ipvsadm: string;
}

export interface RealServer { readonly name: string; readonly ns: string; readonly address: string }

export interface PairNetOptions {
  /** namespace and link prefix (keep it short: link names have 15 characters); default 'pr' */
  readonly tag?: string;
  /** the /24, as three octets; default '10.61.0' */
  readonly subnet?: string;
  /** number of real servers, 1-9; default 2 */
  readonly realServers?: number;
  /** the service port (VIP and real servers); default 80 */
  readonly port?: number;
}

/** One keepalived VRRP instance, as pair tests need it. */
export interface VrrpOptions {
  readonly instance?: string;                  // default 'VI_WEB'
  readonly state: 'MASTER' | 'BACKUP';
  readonly priority: number;
  readonly vrid?: number;                      // default 61
  readonly advertInt?: number;                 // default 1
  readonly nopreempt?: boolean;
  /** unicast to the other director (default) or multicast 224.0.0.18 */
  readonly unicast?: boolean;
  readonly trackFile?: {
    readonly path: string;
    /** the track_file block's name; default `lvsync_<instance>` */
    readonly name?: string;
    /** default 1: the file's value is added to the priority as is */
    readonly weight?: number;
    /** `init_file` and its arguments, e.g. '' (just the keyword), '0', '-100 overwrite'; default: none */
    readonly initFile?: string;
    /** the top-level keyword, default track_file; keepalived 2.2.7 also takes vrrp_track_file but logs that it is deprecated */
    readonly keyword?: 'track_file' | 'vrrp_track_file';
  };
  /** a FIFO keepalived writes state lines to */
  readonly notifyFifo?: { readonly path: string; readonly keyword?: 'notify_fifo' | 'vrrp_notify_fifo' };
  /** also write MASTER_PRIORITY/BACKUP_PRIORITY lines when the effective priority changes */
  readonly notifyPriorityChanges?: boolean;
  /** extra lines inside the vrrp_instance block */
  readonly extra?: readonly string[];
}

export interface Keepalived {
  readonly director: Director;
  readonly child: ChildProcess;
  readonly confPath: string;
  readonly logPath: string;
  /** the VRRP child's pid (from its -r pid file), once it has written it */
  vrrpPid(): number | null;
  /** its console log so far (-l -D, no syslog) */
  log(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (what systemctl stop sends) and wait for the exit, SIGKILL after `ms` */
  stop(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface VipEvent { readonly t: number; readonly director: DirectorName; readonly added: boolean }

export interface Request { readonly start: number; readonly end: number; readonly ok: boolean; readonly detail: string }

export interface ClientLoop {
  readonly records: Request[];
  /** wait for `n` more successful requests than now (traffic flows) */
  untilSuccesses(n: number, ms?: number): Promise<void>;
  /**
   * Requests started in [from, to): how many failed, and the failure window: the longest time
   * between the starts of two consecutive successful requests (one interval when nothing failed).
   */
  window(from: number, to?: number): { requests: number; failed: number; windowMs: number; servedBy: Record<string, number> };
  stop(): Promise<void>;
}

export interface FifoReader {
  readonly lines: { readonly t: number; readonly line: string }[];
  /** wait for a line matching `re` that arrived at or after `since`; return it */
  until(re: RegExp, since?: number, ms?: number): Promise<{ t: number; line: string }>;
  close(): Promise<void>;
}

export class PairNet {
  readonly tag: string;
  readonly subnet: string;
  readonly port: number;
  readonly vip: string;
  readonly bridge: string;
  readonly hostAddress: string;
  readonly directors: readonly [Director, Director];
  readonly client: { readonly ns: string; readonly address: string };
  readonly realServers: readonly RealServer[];
  /** the scratch directory of this topology */
  readonly dir: string;
  /** the VIP appearing on/leaving a director's eth0, as `ip monitor address` reports it, stamped on arrival */
  readonly vipEvents: VipEvent[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly keepaliveds = new Set<Keepalived>();
  private readonly namespaces: string[] = [];
  private readonly clients = new Set<ClientLoop>();
  private readonly fifos = new Set<FifoReader>();

  private constructor(opts: PairNetOptions) {
    this.tag = opts.tag ?? 'pr';
    this.subnet = opts.subnet ?? '10.61.0';
    this.port = opts.port ?? 80;
    this.vip = `${this.subnet}.10`;
    this.bridge = `br-${this.tag}`;
    this.hostAddress = `${this.subnet}.1`;
    this.dir = mkdtempSync(join(tmpdir(), `lvsync-pair-${this.tag}-`));
    const director = (name: DirectorName, host: number): Director => {
      const dir = join(this.dir, name);
      mkdirSync(dir);
      const ns = `${this.tag}-${name}`;
      const ipvsadm = join(dir, 'ipvsadm');
      writeFileSync(ipvsadm, `#!/bin/sh\nexec ip netns exec ${ns} ipvsadm "$@"\n`);
      chmodSync(ipvsadm, 0o755);
      return { name, ns, address: `${this.subnet}.${host}`, dir, ipvsadm };
    };
    this.directors = [director('d1', 2), director('d2', 3)];
    this.client = { ns: `${this.tag}-c`, address: `${this.subnet}.100` };
    const count = opts.realServers ?? 2;
    if (count < 1 || count > 9) throw new Error(`realServers must be 1-9, not ${count}`);
    this.realServers = Array.from({ length: count }, (_, i) => ({ name: `rs${i + 1}`, ns: `${this.tag}-rs${i + 1}`, address: `${this.subnet}.${11 + i}` }));
  }

  /**
   * Build the topology (one shell script, so TCG pays for few processes), start the real servers'
   * httpd and the VIP monitors. Call cleanup() in after(), also when this throws.
   */
  static async create(opts: PairNetOptions = {}): Promise<PairNet> {
    const net = new PairNet(opts);
    await net.setUp();
    return net;
  }

  private async setUp(): Promise<void> {
    const lines = ['set -e',
      `ip link add ${this.bridge} type bridge`,
      `ip link set ${this.bridge} up`,
      `ip addr add ${this.hostAddress}/24 dev ${this.bridge}`];
    const plug = (ns: string, address: string, port: string) => {
      this.namespaces.push(ns);
      lines.push(`ip netns add ${ns}`,
        `ip link add ${port} type veth peer name eth0 netns ${ns}`,
        `ip link set ${port} master ${this.bridge}`,
        `ip link set ${port} up`,
        `ip netns exec ${ns} sh -c 'ip link set lo up && ip addr add ${address}/24 dev eth0 && ip link set eth0 up'`);
    };
    for (const d of this.directors) plug(d.ns, d.address, `v${this.tag}-${d.name}`);
    plug(this.client.ns, this.client.address, `v${this.tag}-c`);
    for (const rs of this.realServers) {
      plug(rs.ns, rs.address, `v${this.tag}-${rs.name}`);
      lines.push(`ip netns exec ${rs.ns} sh -c 'ip addr add ${this.vip}/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2'`);
      const root = join(this.dir, rs.name);
      mkdirSync(root);
      writeFileSync(join(root, 'index.html'), `${rs.name}\n`);
    }
    run('sh', ['-c', lines.join('\n')], 'building the pair topology');
    for (const rs of this.realServers) {
      this.spawnChild(['ip', 'netns', 'exec', rs.ns, 'busybox', 'httpd', '-f', '-p', `0.0.0.0:${this.port}`, '-h', join(this.dir, rs.name)]);
    }
    for (const d of this.directors) this.monitorVip(d);
    // the real servers answer (from the root namespace, over the bridge)
    const end = Date.now() + 60_000;
    await untilHttpAnswers(this.realServers, this.port, end);
  }


  director(name: DirectorName): Director {
    return name === 'd1' ? this.directors[0] : this.directors[1];
  }

  other(name: DirectorName): Director {
    return name === 'd1' ? this.directors[1] : this.directors[0];
  }

  /** a shell script inside a namespace; throws with stderr on failure */
  exec(ns: string, script: string): string {
    return nsExec(ns, script);
  }

  async execAsync(ns: string, script: string): Promise<string> {
    return nsExecAsync(ns, script);
  }

  /** the DR service on the VIP with every real server, as `ipvsadm -R` input */
  tableSave(scheduler = 'rr'): string {
    return [`-A -t ${this.vip}:${this.port} -s ${scheduler}`,
      ...this.realServers.map((rs) => `-a -t ${this.vip}:${this.port} -r ${rs.address}:${this.port} -g -w 1`)].join('\n') + '\n';
  }

  /** `ipvsadm -R` of `save` in each director's namespace (default: both, the DR service) */
  loadTables(save = this.tableSave(), which: readonly Director[] = this.directors): void {
    for (const d of which) run('ip', ['netns', 'exec', d.ns, 'ipvsadm', '-R'], `ipvsadm -R in ${d.ns}`, save);
  }

  /** keepalived's config for `d` (VRRP only), on eth0 with the VIP /32; unicast to the twin by default */
  keepalivedConf(d: Director, o: VrrpOptions): string {
    const instance = o.instance ?? 'VI_WEB';
    const out: string[] = ['global_defs {', `  router_id ${this.tag}_${d.name}`, '  script_user root'];
    if (o.notifyFifo) out.push(`  ${o.notifyFifo.keyword ?? 'vrrp_notify_fifo'} ${o.notifyFifo.path}`);
    out.push('}');
    const track = o.trackFile;
    const trackName = track?.name ?? `lvsync_${instance}`;
    if (track) {
      out.push(`${track.keyword ?? 'track_file'} ${trackName} {`, `  file ${track.path}`, `  weight ${track.weight ?? 1}`);
      if (track.initFile !== undefined) out.push(`  init_file ${track.initFile}`.trimEnd());
      out.push('}');
    }
    out.push(`vrrp_instance ${instance} {`,
      `  state ${o.state}`,
      '  interface eth0',
      `  virtual_router_id ${o.vrid ?? 61}`,
      `  priority ${o.priority}`,
      `  advert_int ${o.advertInt ?? 1}`);
    if (o.nopreempt) out.push('  nopreempt');
    if (o.notifyPriorityChanges) out.push('  notify_priority_changes');
    if (o.unicast ?? true) out.push(`  unicast_src_ip ${d.address}`, '  unicast_peer {', `    ${this.other(d.name).address}`, '  }');
    out.push('  virtual_ipaddress {', `    ${this.vip}/32 dev eth0`, '  }');
    if (track) out.push('  track_file {', `    ${trackName}`, '  }');
    for (const l of o.extra ?? []) out.push(`  ${l}`);
    out.push('}');
    return out.join('\n') + '\n';
  }

  /**
   * keepalived, VRRP only, in the foreground in `d`'s namespace: `keepalived -P -n -l -D -G -f CONF
   * -p PID -r VRRPPID`, console log to `<dir>/keepalived.log` (appended: several runs share it).
   */
  startKeepalived(d: Director, conf: string): Keepalived {
    const confPath = join(d.dir, 'keepalived.conf');
    writeFileSync(confPath, conf);
    const logPath = join(d.dir, 'keepalived.log');
    const fd = openSync(logPath, 'a');
    const child = this.spawnChild(['ip', 'netns', 'exec', d.ns, 'keepalived', '-P', '-n', '-l', '-D', '-G', '-f', confPath,
      '-p', join(d.dir, 'keepalived.pid'), '-r', join(d.dir, 'vrrp.pid')], ['ignore', fd, fd]);
    closeSync(fd);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const k: Keepalived = {
      director: d, child, confPath, logPath, exited,
      log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
      vrrpPid: () => {
        const file = join(d.dir, 'vrrp.pid');
        const pid = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
        return Number.isInteger(pid) && pid > 0 ? pid : null;
      },
      stop: async (ms = 10_000) => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), ms);
        const r = await exited;
        clearTimeout(timer);
        this.keepaliveds.delete(k);
        return r;
      },
    };
    this.keepaliveds.add(k);
    return k;
  }

  /** the track file's new content: in place (open, truncate, write, close) or atomically (write a temporary file, rename it over) */
  writeTrack(path: string, value: number | string, how: 'in-place' | 'rename' = 'in-place'): number {
    const text = `${value}\n`;
    if (how === 'rename') {
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, path);
    } else {
      writeFileSync(path, text);
    }
    return Date.now();
  }

  /** the directors whose eth0 holds the VIP now (`ip -o addr` in each namespace) */
  async whereIsVip(): Promise<DirectorName[]> {
    const held = await Promise.all(this.directors.map(async (d) =>
      (await this.execAsync(d.ns, 'ip -o -4 addr show dev eth0')).includes(` ${this.vip}/`)));
    return this.directors.filter((_, i) => held[i]).map((d) => d.name);
  }

  /**
   * Wait until exactly `name` holds the VIP (`null`: nobody), confirmed by whereIsVip(). Returns the
   * time the VIP arrived on `name` (its `ip monitor` event at or after `since`, stamped on arrival),
   * or now when no such event was seen (it was already there). Throws after `ms` with where the VIP is.
   */
  async untilVip(name: DirectorName | null, ms = 15_000, since = 0): Promise<number> {
    const end = Date.now() + ms;
    for (;;) {
      const where = await this.whereIsVip();
      if (where.length === (name ? 1 : 0) && (name === null || where[0] === name)) {
        return (name && this.vipEvent(since, name, true)?.t) || Date.now();
      }
      if (Date.now() > end) throw new Error(`the VIP is on [${where.join(', ')}], not on ${name ?? 'no director'}, after ${ms} ms`);
      await sleep(100);
    }
  }

  /** the VIP stays where it is for `ms` (no VIP event, and whereIsVip agrees at the end) */
  async vipStays(name: DirectorName | null, ms: number): Promise<boolean> {
    const before = this.vipEvents.length;
    await sleep(ms);
    const where = await this.whereIsVip();
    return this.vipEvents.length === before && where.length === (name ? 1 : 0) && (name === null || where[0] === name);
  }

  /** the first VIP event at or after `since` matching director/added */
  vipEvent(since: number, director: DirectorName, added: boolean): VipEvent | undefined {
    return this.vipEvents.find((e) => e.t >= since && e.director === director && e.added === added);
  }

  private monitorVip(d: Director): void {
    const child = this.spawnChild(['ip', 'netns', 'exec', d.ns, 'ip', '-o', 'monitor', 'address'], ['ignore', 'pipe', 'ignore']);
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const t = Date.now();
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^(Deleted )?\d+: eth0\s+inet (\S+)\//.exec(line);
        if (m && m[2] === this.vip) this.vipEvents.push({ t, director: d.name, added: !m[1] });
      }
    });
  }

  /**
   * The client loop (fixtures/http-loop.mjs, a Node process in the client namespace: ~1-3 s to start
   * under TCG) requesting http://VIP:port/ every `intervalMs`, each with a `timeoutMs` limit.
   */
  async startClient(intervalMs = 75, timeoutMs = 900): Promise<ClientLoop> {
    const child = this.spawnChild(['ip', 'netns', 'exec', this.client.ns, process.execPath, HTTP_LOOP,
      `http://${this.vip}:${this.port}/`, String(intervalMs), String(timeoutMs)], ['ignore', 'pipe', 'ignore']);
    const records: Request[] = [];
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [start, end, status, ...rest] = line.split(' ');
        records.push({ start: Number(start), end: Number(end), ok: status === 'ok', detail: rest.join(' ') });
      }
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const loop: ClientLoop = {
      records,
      untilSuccesses: async (n, ms = 30_000) => {
        const target = records.filter((r) => r.ok).length + n;
        const end = Date.now() + ms;
        while (records.filter((r) => r.ok).length < target) {
          if (Date.now() > end) throw new Error(`the client had no ${n} successful requests through ${this.vip} within ${ms} ms; last: ${JSON.stringify(records.slice(-5))}`);
          await sleep(100);
        }
      },
      window: (from, to = Infinity) => {
        const inRange = records.filter((r) => r.start >= from && r.start < to).sort((a, b) => a.start - b.start);
        const ok = inRange.filter((r) => r.ok);
        let windowMs = 0;
        for (let i = 1; i < ok.length; i++) windowMs = Math.max(windowMs, ok[i]!.start - ok[i - 1]!.start);
        // failures before the first success or after the last one count up to it / the range's end
        const failed = inRange.filter((r) => !r.ok);
        if (failed.length && ok.length) {
          const firstOk = ok[0]!.start;
          const lastOk = ok.at(-1)!.start;
          if (failed[0]!.start < firstOk) windowMs = Math.max(windowMs, firstOk - failed[0]!.start);
          if (failed.at(-1)!.start > lastOk) windowMs = Math.max(windowMs, failed.at(-1)!.start - lastOk);
        }
        const servedBy: Record<string, number> = {};
        for (const r of ok) servedBy[r.detail] = (servedBy[r.detail] ?? 0) + 1;
        return { requests: inRange.length, failed: failed.length, windowMs, servedBy };
      },
      stop: async () => {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(3000)]);
        this.clients.delete(loop);
      },
    };
    this.clients.add(loop);
    await loop.untilSuccesses(1, 60_000).catch(() => undefined); // started (or the caller's own check fails with the records)
    return loop;
  }

  /**
   * Read a FIFO from the test process through `cat` (a blocking read on a FIFO would hold one of
   * libuv's threads), once it exists (keepalived creates it at start-up); each line is stamped on
   * arrival. The open blocks until a writer has the FIFO open.
   */
  async readFifo(path: string, ms = 15_000): Promise<FifoReader> {
    const end = Date.now() + ms;
    while (!isFifo(path)) {
      if (Date.now() > end) throw new Error(`${path} is not a FIFO after ${ms} ms`);
      await sleep(100);
    }
    const child = this.spawnChild(['cat', path], ['ignore', 'pipe', 'ignore']);
    const lines: { t: number; line: string }[] = [];
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const t = Date.now();
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) lines.push({ t, line });
    });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const reader: FifoReader = {
      lines,
      until: async (re, since = 0, ms = 15_000) => {
        const end = Date.now() + ms;
        for (;;) {
          const hit = lines.find((l) => l.t >= since && re.test(l.line));
          if (hit) return hit;
          if (Date.now() > end) throw new Error(`no line matching ${re} on ${path} within ${ms} ms; lines: ${JSON.stringify(lines.map((l) => l.line))}`);
          await sleep(50);
        }
      },
      close: async () => {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(2000)]);
        this.fifos.delete(reader);
      },
    };
    this.fifos.add(reader);
    return reader;
  }

  private spawnChild(argv: string[], stdio?: ('ignore' | 'pipe' | number)[]): ChildProcess {
    return spawnTracked(this.children, argv, stdio);
  }

  /** stop keepalived (SIGTERM: it removes its VIPs), every child, the namespaces and the bridge */
  async cleanup(): Promise<void> {
    await Promise.all([...this.keepaliveds].map((k) => k.stop(5000)));
    await Promise.all([...this.clients].map((c) => c.stop()));
    await Promise.all([...this.fifos].map((f) => f.close()));
    tearDown(this.children, this.namespaces, this.bridge);
  }
}

export function isFifo(path: string): boolean {
  try {
    return statSync(path).isFIFO();
  } catch {
    return false;
  }
}

/**
 * How process `pid` holds `path` open: the access mode and O_NONBLOCK from /proc/PID/fdinfo (null:
 * not open). E.g. keepalived's VRRP process and its notify FIFO. The link is compared by its end: in
 * the VM, a process started by `ip netns exec` shows its files under /host (the chroot's parent).
 */
export function openMode(pid: number, path: string): { fd: number; mode: 'r' | 'w' | 'rw'; nonblock: boolean } | null {
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
    if (target !== path && !target.endsWith(path)) continue;
    const flags = parseInt(/^flags:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0', 8);
    const mode = (['r', 'w', 'rw'] as const)[flags & 3] ?? 'r';
    return { fd: Number(fd), mode, nonblock: (flags & 0o4000) !== 0 };
  }
  return null;
}

