/**
 * A faithful emulation of Debian's ipvsadm 1.31 command line (process_options / parse_options /
 * restore_table in ipvsadm.c, ipvs_strerror in libipvs) on top of FakeKernel. It reproduces the
 * binary's quirks on purpose — defaults re-applied by -E/-e, the -g/-i port rewrite, order-dependent
 * -M, exit statuses 2/255/1 — because lvsync's tests use it as the stand-in for the real tool.
 */
import type { RawAddr } from './addr.js';
import { inetPton4, inetPton6, isMulticast, v4, v6 } from './addr.js';
import { ENOENT, EEXIST, ESRCH, IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_PERSISTENT } from './kernel.js';
import type { DaemonRequest, DestRequest, FakeKernel, FwdMethod, ServiceId, ServiceRequest, TunCsum, TunType } from './kernel.js';
import {
  FMT_EXACT,
  FMT_NOSORT,
  FMT_NUMERIC,
  FMT_PERSISTENTCONN,
  FMT_RATE,
  FMT_RULE,
  FMT_STATS,
  FMT_THRESHOLDS,
  FMT_TUN_INFO,
  listAll,
  listConnections,
  listDaemon,
  listTimeout,
  printServiceEntry,
  printTitle,
} from './listing.js';
import { COMMAND_OPTIONS, OPT_NAMES, POPT_TABLE, TAG, optIndex } from './options.js';
import type { Command, OptName } from './options.js';
import {
  INT_MAX,
  IpvsadmExit,
  MAX_TIMEOUT,
  SERVICE_ADDR,
  atoi,
  parseFwmark,
  parseNetmask,
  parseSchedFlags,
  parseService,
  stringToNumber,
} from './parse-args.js';
import type { SvcEntry } from './parse-args.js';
import { Popt } from './popt.js';
import { readConfigStream } from './restore.js';
import { VERSION_LINE, usageText } from './usage.js';

export interface IpvsadmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** behave like a host without IPVS: every call fails during initialisation */
  readonly unavailable?: boolean;
  /** argv[0] as the binary would see it (appears in "Try `ipvsadm -h'..." and -h output) */
  readonly programName?: string;
}

interface DestEntry {
  af: 'inet' | 'inet6' | null;
  addr: RawAddr;
  port: number;
  fwd: FwdMethod;
  weight: number;
  uThreshold: number;
  lThreshold: number;
  tunType: TunType;
  tunPort: number;
  tunFlags: number;
}

interface DaemonEntry {
  state: 'master' | 'backup';
  mcastIfn: string;
  syncid: number;
  syncMaxlen: number;
  mcastAf: 'inet' | 'inet6' | null;
  mcastGroup: RawAddr | null;
  mcastPort: number;
  mcastTtl: number;
}

interface CommandEntry {
  cmd: Command | null;
  svc: SvcEntry;
  dest: DestEntry;
  timeout: { tcp: number; tcpfin: number; udp: number };
  daemon: DaemonEntry;
}

type LibFunc =
  | 'add_service'
  | 'update_service'
  | 'del_service'
  | 'zero_service'
  | 'add_dest'
  | 'update_dest'
  | 'del_dest'
  | 'set_timeout'
  | 'start_daemon'
  | 'stop_daemon'
  | 'flush'
  | 'get_service';

const STRERROR_BY_FUNC: Array<[LibFunc, number, string]> = [
  ['add_service', EEXIST, 'Service already exists'],
  ['add_service', ENOENT, 'Scheduler or persistence engine not found'],
  ['update_service', ESRCH, 'No such service'],
  ['update_service', ENOENT, 'Scheduler or persistence engine not found'],
  ['del_service', ESRCH, 'No such service'],
  ['zero_service', ESRCH, 'No such service'],
  ['add_dest', ESRCH, 'Service not defined'],
  ['add_dest', EEXIST, 'Destination already exists'],
  ['update_dest', ESRCH, 'Service not defined'],
  ['update_dest', ENOENT, 'No such destination'],
  ['del_dest', ESRCH, 'Service not defined'],
  ['del_dest', ENOENT, 'No such destination'],
  ['start_daemon', EEXIST, 'Daemon has already run'],
  ['stop_daemon', ESRCH, 'No daemon is running'],
  ['get_service', ESRCH, 'No such service'],
];

const STRERROR_ANY: Record<number, string> = {
  1: 'Permission denied (you must be root)',
  22: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
  92: 'Protocol not available',
  12: 'Memory allocation problem',
  95: 'Operation not supported with IPv6',
  97: 'Operation not supported with specified address family',
  90: 'Module is wrong version',
};

/** glibc strerror() for the errnos the fake kernel can return */
const GLIBC_STRERROR: Record<number, string> = {
  2: 'No such file or directory',
  3: 'No such process',
  17: 'File exists',
  19: 'No such device',
  34: 'Numerical result out of range',
  101: 'Network is unreachable',
};

/** libipvs ipvs_strerror(): per-function texts first, then generic ones, then strerror(). */
export function ipvsStrerror(func: LibFunc, errno: number): string {
  const hit = STRERROR_BY_FUNC.find(([f, e]) => f === func && e === errno);
  return hit?.[2] ?? STRERROR_ANY[errno] ?? GLIBC_STRERROR[errno] ?? `Unknown error ${errno}`;
}

const TUNNEL_TYPES: TunType[] = ['ipip', 'gue', 'gre'];
const TUN_CSUMS: TunCsum[] = ['nocsum', 'csum', 'remcsum'];
/** tunnel_types_v_options: [tun-port, tun-nocsum, tun-csum, tun-remcsum] per tunnel type */
const TUNNEL_OPTIONS: Record<TunType, string> = { ipip: 'xxxx', gue: '+111', gre: 'x11x' };
const TUNNEL_OPTION_NAMES: OptName[] = ['tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'];

const ch = (c: string): number => c.charCodeAt(0);

function newEntry(): CommandEntry {
  return {
    cmd: null,
    svc: {
      af: null,
      protocol: null,
      addr: v4(0),
      port: 0,
      fwmark: 0,
      schedName: '',
      peName: '',
      flags: 0,
      timeout: 0,
      netmask: 0xffffffff,
    },
    dest: {
      af: null,
      addr: v4(0),
      port: 0,
      fwd: 'route',
      weight: 1,
      uThreshold: 0,
      lThreshold: 0,
      tunType: 'ipip',
      tunPort: 0,
      tunFlags: 0,
    },
    timeout: { tcp: 0, tcpfin: 0, udp: 0 },
    daemon: {
      state: 'master',
      mcastIfn: '',
      syncid: 0,
      syncMaxlen: 0,
      mcastAf: null,
      mcastGroup: null,
      mcastPort: 0,
      mcastTtl: 0,
    },
  };
}

class Ipvsadm {
  stdout = '';
  stderr = '';

  constructor(
    private readonly kernel: FakeKernel,
    private readonly stdin: string | (() => string),
    private readonly prog: string,
  ) {}

  fail(code: number, msg: string): never {
    this.stderr += msg + '\n';
    throw new IpvsadmExit(code);
  }

  tryhelpExit(): never {
    this.stderr += `Try \`${this.prog} -h' or '${this.prog} --help' for more information.\n`;
    throw new IpvsadmExit(255);
  }

  main(argv: readonly string[]): number {
    if (argv.length === 0) {
      this.stdout += listAll(this.kernel, 0);
      return 0;
    }
    return this.processOptions(argv, false);
  }

  private setOption(options: Set<number>, name: OptName): void {
    const i = optIndex(name);
    if (options.has(i)) this.fail(2, `multiple '${name}' options specified`);
    options.add(i);
  }

  private parseOptions(argv: readonly string[], ce: CommandEntry, options: Set<number>, fmt: { format: number }): number {
    const popt = new Popt(argv, POPT_TABLE);
    let schedFlagsArg = '';
    const first = popt.getNextOpt();
    if (first.kind !== 'option') this.tryhelpExit();
    const setCommand = (cmd: Command): void => {
      ce.cmd = cmd;
    };
    const daemonState = (arg: string | undefined, msg: string): 'master' | 'backup' => {
      if (arg === 'master' || arg === 'backup') return arg;
      return this.fail(2, msg);
    };
    switch (first.val) {
      case ch('A'):
        setCommand('add-service');
        break;
      case ch('E'):
        setCommand('edit-service');
        break;
      case ch('D'):
        setCommand('delete-service');
        break;
      case ch('a'):
        setCommand('add-server');
        break;
      case ch('e'):
        setCommand('edit-server');
        break;
      case ch('d'):
        setCommand('delete-server');
        break;
      case ch('C'):
        setCommand('flush');
        break;
      case ch('L'):
      case ch('l'):
        setCommand('list');
        break;
      case ch('Z'):
        setCommand('zero');
        break;
      case TAG.SET:
        setCommand('set');
        break;
      case ch('R'):
        setCommand('restore');
        break;
      case ch('S'):
        setCommand('save');
        break;
      case TAG.START_DAEMON:
        setCommand('start-daemon');
        ce.daemon.state = daemonState(first.arg, 'illegal start-daemon parameter specified');
        break;
      case TAG.STOP_DAEMON:
        setCommand('stop-daemon');
        ce.daemon.state = daemonState(first.arg, 'illegal start_daemon specified');
        break;
      case ch('h'):
        this.stdout += usageText(this.prog);
        throw new IpvsadmExit(0);
      case ch('v'):
        this.stdout += VERSION_LINE;
        throw new IpvsadmExit(0);
      default:
        this.tryhelpExit();
    }

    for (;;) {
      const r = popt.getNextOpt();
      if (r.kind === 'end') break;
      if (r.kind === 'error') {
        this.stderr += `${r.badOption}: ${r.message}\n`;
        return -1;
      }
      const arg = r.arg ?? '';
      const svc = ce.svc;
      const dest = ce.dest;
      switch (r.val) {
        case ch('t'):
        case ch('u'):
        case TAG.SCTP_SERVICE:
          this.setOption(options, 'service-address');
          svc.protocol = r.val === ch('t') ? 'tcp' : r.val === ch('u') ? 'udp' : 'sctp';
          if (!(parseService(this.kernel, arg, svc) & SERVICE_ADDR)) this.fail(2, 'illegal virtual server address[:port] specified');
          break;
        case ch('f'): {
          this.setOption(options, 'service-address');
          svc.af = 'inet';
          svc.protocol = 'tcp';
          const mark = parseFwmark(arg);
          if (mark === undefined) this.fail(2, `invalid fwmark value \`${arg}' specified`);
          svc.fwmark = mark;
          break;
        }
        case ch('s'):
          this.setOption(options, 'scheduler');
          svc.schedName = arg.slice(0, 15);
          break;
        case ch('p'):
          this.setOption(options, 'persistent');
          svc.flags |= IP_VS_SVC_F_PERSISTENT;
          svc.timeout = r.arg === undefined ? 360 : this.parseTimeout(arg, 1, MAX_TIMEOUT);
          break;
        case ch('M'):
          this.setOption(options, 'netmask');
          if (svc.af !== 'inet6') {
            const mask = parseNetmask(this.kernel, arg);
            if (mask === undefined) this.fail(2, 'illegal virtual server persistent mask specified');
            svc.netmask = mask;
          } else {
            svc.netmask = atoi(arg);
            if (svc.netmask < 1 || svc.netmask > 128) this.fail(2, 'illegal ipv6 netmask specified');
          }
          break;
        case ch('r'): {
          this.setOption(options, 'real-server');
          const t: SvcEntry = { ...svc };
          const parse = parseService(this.kernel, arg, t);
          dest.af = t.af;
          dest.addr = t.addr;
          dest.port = t.port;
          if (!(parse & SERVICE_ADDR)) this.fail(2, 'illegal real server address[:port] specified');
          if (parse === SERVICE_ADDR) dest.port = svc.port;
          break;
        }
        case ch('i'):
          this.setOption(options, 'forwarding-method');
          dest.fwd = 'tunnel';
          break;
        case ch('g'):
          this.setOption(options, 'forwarding-method');
          dest.fwd = 'route';
          break;
        case ch('m'):
          this.setOption(options, 'forwarding-method');
          dest.fwd = 'masq';
          break;
        case ch('w'):
          this.setOption(options, 'weight');
          dest.weight = stringToNumber(arg, 0, INT_MAX);
          if (dest.weight === -1) this.fail(2, 'illegal weight specified');
          break;
        case ch('x'):
          this.setOption(options, 'u-threshold');
          dest.uThreshold = stringToNumber(arg, 0, INT_MAX);
          if (dest.uThreshold === -1) this.fail(2, 'illegal u_threshold specified');
          break;
        case ch('y'):
          this.setOption(options, 'l-threshold');
          dest.lThreshold = stringToNumber(arg, 0, INT_MAX);
          if (dest.lThreshold === -1) this.fail(2, 'illegal l_threshold specified');
          break;
        case ch('c'):
          this.setOption(options, 'connection');
          break;
        case ch('n'):
          this.setOption(options, 'numeric');
          fmt.format |= FMT_NUMERIC;
          break;
        case TAG.MCAST_INTERFACE:
          this.setOption(options, 'mcast-interface');
          ce.daemon.mcastIfn = arg.slice(0, 15);
          break;
        case ch('I'):
          this.setOption(options, 'syncid');
          ce.daemon.syncid = stringToNumber(arg, 0, 255);
          if (ce.daemon.syncid === -1) this.fail(2, 'illegal syncid specified');
          break;
        case TAG.TIMEOUT:
          this.setOption(options, 'timeout');
          break;
        case TAG.DAEMON:
          this.setOption(options, 'daemon');
          break;
        case TAG.STATS:
          this.setOption(options, 'stats');
          fmt.format |= FMT_STATS;
          break;
        case TAG.RATE:
          this.setOption(options, 'rate');
          fmt.format |= FMT_RATE;
          break;
        case TAG.THRESHOLDS:
          this.setOption(options, 'thresholds');
          fmt.format |= FMT_THRESHOLDS;
          break;
        case TAG.PERSISTENTCONN:
          this.setOption(options, 'persistent-conn');
          fmt.format |= FMT_PERSISTENTCONN;
          break;
        case TAG.NO_SORT:
          this.setOption(options, 'nosort');
          fmt.format |= FMT_NOSORT;
          break;
        case TAG.SORT:
          break;
        case ch('X'):
          this.setOption(options, 'exact');
          fmt.format |= FMT_EXACT;
          break;
        case ch('6'):
          if (svc.fwmark) {
            svc.af = 'inet6';
            svc.netmask = 128;
          } else this.fail(2, '-6 used before -f\n');
          break;
        case ch('o'):
          this.setOption(options, 'ops');
          svc.flags |= IP_VS_SVC_F_ONEPACKET;
          break;
        case TAG.PERSISTENCE_ENGINE:
          this.setOption(options, 'pe');
          svc.peName = arg.slice(0, 32);
          break;
        case ch('b'):
          this.setOption(options, 'sched-flags');
          schedFlagsArg = arg.slice(0, 127);
          break;
        case TAG.MCAST_GROUP:
          this.setOption(options, 'mcast-group');
          if (arg.includes(':')) {
            const b = inetPton6(arg);
            if (!b || !isMulticast(v6(b))) this.fail(2, `invalid IPv6 mcast-group \`${arg}'`);
            ce.daemon.mcastGroup = v6(b);
            ce.daemon.mcastAf = 'inet6';
          } else {
            const b = inetPton4(arg);
            const a = b ? v4((((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0)) : undefined;
            if (!a || !isMulticast(a)) this.fail(2, `invalid IPv4 mcast-group \`${arg}'`);
            ce.daemon.mcastGroup = a;
            ce.daemon.mcastAf = 'inet';
          }
          break;
        case TAG.MCAST_PORT:
          this.setOption(options, 'mcast-port');
          ce.daemon.mcastPort = stringToNumber(arg, 1, 65535);
          if (ce.daemon.mcastPort === -1) this.fail(2, 'illegal mcast-port specified');
          break;
        case TAG.MCAST_TTL:
          this.setOption(options, 'mcast-ttl');
          ce.daemon.mcastTtl = stringToNumber(arg, 1, 255);
          if (ce.daemon.mcastTtl === -1) this.fail(2, 'illegal mcast-ttl specified');
          break;
        case TAG.SYNC_MAXLEN:
          this.setOption(options, 'sync-maxlen');
          ce.daemon.syncMaxlen = stringToNumber(arg, 1, 65535 - 20 - 8);
          if (ce.daemon.syncMaxlen === -1) this.fail(2, 'illegal sync-maxlen specified');
          break;
        case TAG.TUN_INFO:
          this.setOption(options, 'tun-info');
          fmt.format |= FMT_TUN_INFO;
          break;
        case TAG.TUN_TYPE: {
          this.setOption(options, 'tun-type');
          const type = TUNNEL_TYPES.find((x) => x === arg);
          if (!type) this.fail(2, 'illegal tunnel type specified');
          dest.tunType = type;
          break;
        }
        case TAG.TUN_PORT:
          this.setOption(options, 'tun-port');
          dest.tunPort = stringToNumber(arg, 1, 65535);
          if (dest.tunPort === -1) this.fail(2, 'illegal tunnel port specified');
          break;
        case TAG.TUN_NOCSUM:
          this.setOption(options, 'tun-nocsum');
          break;
        case TAG.TUN_CSUM:
          this.setOption(options, 'tun-csum');
          dest.tunFlags |= 1;
          break;
        case TAG.TUN_REMCSUM:
          this.setOption(options, 'tun-remcsum');
          dest.tunFlags |= 2;
          break;
        default:
          this.fail(2, `invalid option \`${popt.lastWord()}'`);
      }
    }

    if (ce.cmd === 'set') {
      const a = popt.getArg();
      const b = a === undefined ? undefined : popt.getArg();
      const c = b === undefined ? undefined : popt.getArg();
      if (a === undefined || b === undefined || c === undefined) this.fail(2, '--set option requires 3 timeout values');
      ce.timeout.tcp = this.parseTimeout(a, 0, MAX_TIMEOUT);
      ce.timeout.tcpfin = this.parseTimeout(b, 0, MAX_TIMEOUT);
      ce.timeout.udp = this.parseTimeout(c, 0, MAX_TIMEOUT);
    }
    const extra = popt.getArg();
    if (extra !== undefined) this.fail(2, `unexpected argument ${extra}`);
    if (schedFlagsArg) {
      ce.svc.flags &= ~(0x08 | 0x10 | 0x20);
      ce.svc.flags |= parseSchedFlags(ce.svc.schedName, schedFlagsArg, (m) => this.fail(2, m));
    }
    return 0;
  }

  private parseTimeout(arg: string, min: number, max: number): number {
    const v = stringToNumber(arg, min, max);
    if (v === -1) this.fail(2, `invalid timeout value \`${arg}' specified`);
    return v;
  }

  private genericOptCheck(cmd: Command, options: Set<number>): void {
    const row = COMMAND_OPTIONS[cmd];
    let last = -1;
    let count = 0;
    for (let j = 0; j < OPT_NAMES.length; j++) {
      const rule = row[j];
      if (!options.has(j)) {
        if (rule === '+') this.fail(2, `You need to supply the '${OPT_NAMES[j]}' option for the '${cmd}' command`);
      } else {
        if (rule === 'x') this.fail(2, `Illegal '${OPT_NAMES[j]}' option with the '${cmd}' command`);
        if (rule === '1') {
          count++;
          if (count === 1) {
            last = j;
            continue;
          }
          this.fail(2, `The option '${OPT_NAMES[j]}' conflicts with the '${OPT_NAMES[last]}' option in the '${cmd}' command`);
        }
      }
    }
  }

  private tunnelOptCheck(type: TunType, options: Set<number>): void {
    const row = TUNNEL_OPTIONS[type];
    let last: OptName = 'tun-port';
    let count = 0;
    TUNNEL_OPTION_NAMES.forEach((name, j) => {
      const rule = row[j];
      if (!options.has(optIndex(name))) {
        if (rule === '+') this.fail(2, `You need to supply the '${name}' option for the '${type}' tunnel type`);
      } else {
        if (rule === 'x') this.fail(2, `Illegal '${name}' option with the '${type}' tunnel type`);
        if (rule === '1') {
          count++;
          if (count === 1) {
            last = name;
            return;
          }
          this.fail(2, `The option '${name}' conflicts with the '${last}' option in the '${type}' tunnel type`);
        }
      }
    });
  }

  private processOptions(argv: readonly string[], readingStdin: boolean): number {
    const ce = newEntry();
    const options = new Set<number>();
    const fmt = { format: 0 };
    if (this.parseOptions(argv, ce, options, fmt) !== 0) return -1;
    const cmd = ce.cmd!;
    this.genericOptCheck(cmd, options);
    const svc = ce.svc;
    const dest = ce.dest;

    if (cmd === 'add-service' || cmd === 'edit-service') {
      if (!svc.fwmark && !svc.port && !(svc.flags & IP_VS_SVC_F_PERSISTENT))
        this.fail(2, 'Zero port specified for non-persistent service');
      if (svc.flags & IP_VS_SVC_F_ONEPACKET && !svc.fwmark && svc.protocol !== 'udp')
        this.fail(2, 'One-Packet Scheduling is only for UDP virtual services');
      if (svc.schedName.length === 0) svc.schedName = 'wlc';
    }
    if (cmd === 'start-daemon' && ce.daemon.mcastIfn.length === 0) ce.daemon.mcastIfn = 'eth0';

    if (cmd === 'add-server' || cmd === 'edit-server') {
      if (!svc.fwmark && (dest.fwd === 'tunnel' || dest.fwd === 'route')) dest.port = svc.port;
      if (dest.af !== svc.af && dest.fwd !== 'tunnel') this.fail(2, 'Different address family is allowed only for tunneling servers');
      const tunnelOpts: OptName[] = ['tun-type', 'tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'];
      if (tunnelOpts.some((o) => options.has(optIndex(o))) && dest.fwd !== 'tunnel')
        this.fail(2, 'Tunnel options conflict with forward method');
      this.tunnelOptCheck(dest.tunType, options);
    }

    const has = (o: OptName): boolean => options.has(optIndex(o));
    const k = this.kernel;
    let result = 0;
    let func: LibFunc = 'flush';
    switch (cmd) {
      case 'list':
        if (
          ((has('connection') || has('timeout') || has('daemon')) && (has('stats') || has('rate') || has('thresholds'))) ||
          ((has('timeout') || has('daemon')) && has('persistent-conn'))
        )
          this.fail(2, 'options conflicts in the list command');
        if (has('connection')) this.stdout += listConnections(k, fmt.format);
        else if (has('service-address')) this.listService(fmt.format, svc);
        else if (has('timeout')) this.stdout += listTimeout(k);
        else if (has('daemon')) this.stdout += listDaemon(k);
        else this.stdout += listAll(k, fmt.format);
        return 0;
      case 'restore':
        return this.restoreTable(readingStdin);
      case 'save':
        this.stdout += listAll(k, fmt.format | FMT_RULE);
        return 0;
      case 'flush':
        result = k.flush();
        break;
      case 'add-service':
        func = 'add_service';
        result = k.addService(this.serviceRequest(svc));
        break;
      case 'edit-service':
        func = 'update_service';
        result = k.editService(this.serviceRequest(svc));
        break;
      case 'delete-service':
        func = 'del_service';
        result = k.delService(this.serviceId(svc));
        break;
      case 'zero':
        func = 'zero_service';
        result = k.zero(svc.fwmark || svc.addr.bytes.some((b) => b !== 0) || svc.port ? this.serviceId(svc) : null);
        break;
      case 'add-server':
        func = 'add_dest';
        result = k.addDest(this.serviceId(svc), this.destRequest(dest));
        break;
      case 'edit-server':
        func = 'update_dest';
        result = k.editDest(this.serviceId(svc), this.destRequest(dest));
        break;
      case 'delete-server':
        func = 'del_dest';
        result = k.delDest(this.serviceId(svc), this.destRequest(dest));
        break;
      case 'set':
        func = 'set_timeout';
        result = k.setTimeouts(ce.timeout);
        break;
      case 'start-daemon':
        func = 'start_daemon';
        result = k.startDaemon(this.daemonRequest(ce.daemon));
        break;
      case 'stop-daemon':
        func = 'stop_daemon';
        result = k.stopDaemon(ce.daemon.state);
        break;
    }
    if (result) {
      this.stderr += ipvsStrerror(func, -result) + '\n';
      return -1;
    }
    return 0;
  }

  private serviceId(s: SvcEntry): ServiceId {
    return { af: s.af ?? 'inet', fwmark: s.fwmark, protocol: s.protocol ?? 'tcp', addr: s.addr, port: s.port };
  }

  private serviceRequest(s: SvcEntry): ServiceRequest {
    return { ...this.serviceId(s), scheduler: s.schedName, pe: s.peName, flags: s.flags, timeout: s.timeout, netmask: s.netmask };
  }

  private destRequest(d: DestEntry): DestRequest {
    return {
      af: d.af ?? 'inet',
      addr: d.addr,
      port: d.port,
      fwd: d.fwd,
      weight: d.weight,
      uThreshold: d.uThreshold,
      lThreshold: d.lThreshold,
      tunType: d.tunType,
      tunPort: d.tunPort,
      tunCsum: TUN_CSUMS[d.tunFlags] ?? 'nocsum',
    };
  }

  private daemonRequest(d: DaemonEntry): DaemonRequest {
    return { ...d };
  }

  /** list_service: one service without the version line; a missing one exits 1. */
  private listService(format: number, svc: SvcEntry): void {
    const se = this.kernel.findService(this.serviceId(svc));
    if (!se) {
      this.stderr += ipvsStrerror('get_service', ESRCH) + '\n';
      throw new IpvsadmExit(1);
    }
    this.stdout += printTitle(format) + printServiceEntry(this.kernel, se, format);
  }

  /** restore_table: one process_options per stdin line; a nested -R is refused. */
  private restoreTable(readingStdin: boolean): number {
    if (readingStdin) this.tryhelpExit();
    let result = 0;
    const input = typeof this.stdin === 'string' ? this.stdin : this.stdin();
    for (const line of readConfigStream(input, this.prog)) {
      if (line.length > 1) result = this.processOptions(line.slice(1), true);
    }
    return result;
  }
}

/** What every ipvsadm invocation gives on a host without IPVS (init fails before option parsing). */
export function ipvsUnavailable(): IpvsadmResult {
  return {
    exitCode: 2,
    stdout: '',
    stderr:
      "Can't initialize ipvs: Protocol not available\n" +
      'Are you sure that IP Virtual Server is built in the kernel or as module?\n',
  };
}

/**
 * Run one `ipvsadm` invocation against the fake kernel. argv excludes the program name; stdin is
 * only consumed by -R (pass a function to read it lazily). The kernel is mutated in place.
 */
export function runIpvsadm(
  kernel: FakeKernel,
  argv: readonly string[],
  stdin: string | (() => string) = '',
  options: RunOptions = {},
): IpvsadmResult {
  if (options.unavailable) return ipvsUnavailable();
  const run = new Ipvsadm(kernel, stdin, options.programName ?? 'ipvsadm');
  let code: number;
  try {
    code = run.main(argv);
  } catch (e) {
    if (!(e instanceof IpvsadmExit)) throw e;
    code = e.code;
  }
  return { exitCode: code & 0xff, stdout: run.stdout, stderr: run.stderr };
}

