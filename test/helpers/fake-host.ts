import type { CommandResult, CommandRunner } from '../../src/realserver/runner.js';

/**
 * A host's `ip` and `sysctl` in memory, enough for `lvsync realserver` and a director's VIPs (vips):
 * links (up or down), addresses per device, per-device sysctls that appear with their device (as in
 * the kernel), GUE ports. Only the command forms lvsync uses are understood; anything else fails the
 * test loudly. Output and failures are iproute2 6.1's on kernel 6.1, as recorded in the VM:
 *   ip -o addr show dev x      → exit 1 `Device "x" does not exist.`
 *   ip addr add A dev x        → exit 1 `Cannot find device "x"`
 *   ip addr add (already there)→ exit 2 `RTNETLINK answers: File exists` (IPv4: same address and prefix; IPv6: same address)
 *   ip addr del (not there)    → exit 2 `RTNETLINK answers: Cannot assign requested address`
 */
export interface FakeHost extends CommandRunner {
  readonly links: Map<string, { up: boolean; type: string }>;
  readonly addresses: Map<string, string[]>;
  readonly sysctls: Map<string, string>;
  readonly fou: { port: number; ipv6: boolean }[];
  /** every command, as typed */
  readonly calls: string[];
  /** commands that fail with this stderr instead of running (e.g. to simulate EPERM) */
  readonly failing: Map<string, string>;
}

const DEVICE_SYSCTLS = ['arp_ignore', 'arp_announce', 'rp_filter'];

export function createFakeHost(init: { addresses?: Record<string, string[]>; sysctls?: Record<string, string>; down?: string[] } = {}): FakeHost {
  const links = new Map<string, { up: boolean; type: string }>();
  const addresses = new Map<string, string[]>();
  const sysctls = new Map<string, string>();
  const addLink = (name: string, type: string, up: boolean): void => {
    links.set(name, { up, type });
    addresses.set(name, addresses.get(name) ?? []);
    for (const s of DEVICE_SYSCTLS) sysctls.set(`net.ipv4.conf.${name}.${s}`, '0');
  };
  addLink('lo', 'loopback', !(init.down ?? []).includes('lo'));
  addresses.set('lo', ['127.0.0.1/8']);
  for (const s of DEVICE_SYSCTLS) sysctls.set(`net.ipv4.conf.all.${s}`, '0');
  for (const [dev, list] of Object.entries(init.addresses ?? {})) {
    if (!links.has(dev)) addLink(dev, 'ether', true);
    addresses.set(dev, [...(addresses.get(dev) ?? []), ...list]);
  }
  for (const [k, v] of Object.entries(init.sysctls ?? {})) sysctls.set(k, v);
  const fou: { port: number; ipv6: boolean }[] = [];
  const calls: string[] = [];
  const failing = new Map<string, string>();

  const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
  const fail = (exitCode: number, stderr: string): CommandResult => ({ exitCode, stdout: '', stderr });
  const linkLine = (name: string, i: number): string => {
    const l = links.get(name)!;
    return `${i + 1}: ${name}: <${[name === 'lo' ? 'LOOPBACK' : 'BROADCAST', ...(l.up ? ['UP', 'LOWER_UP'] : [])].join(',')}> mtu 1500 state ${l.up ? 'UP' : 'DOWN'}\n`;
  };
  // the flags `ip addr add` was given, printed after the scope as iproute2 does ("nodad noprefixroute")
  const flags = new Map<string, string[]>();
  const addrLines = (dev: string): string => (addresses.get(dev) ?? []).map((a) => {
    const v6 = a.includes(':');
    const shown = [...(flags.get(`${dev} ${a}`) ?? [])].sort().map((f) => ` ${f}`).join('');
    // IPv4 lines end with the label (the device name), IPv6 lines with nothing
    return `${[...links.keys()].indexOf(dev) + 1}: ${dev}    ${v6 ? 'inet6' : 'inet'} ${a} scope global${shown} ${v6 ? '' : dev}\\       valid_lft forever preferred_lft forever\n`;
  }).join('');

  function exec(argv: readonly string[]): CommandResult {
    const line = argv.join(' ');
    const names = [...links.keys()];
    if (argv[0] === 'sysctl' && argv[1] === '-n') {
      const v = sysctls.get(argv[2]!);
      return v === undefined ? fail(255, `sysctl: cannot stat /proc/sys/${argv[2]!.replace(/\./g, '/')}: No such file or directory\n`) : ok(`${v}\n`);
    }
    if (argv[0] === 'sysctl' && argv[1] === '-w') {
      const [name, value] = argv[2]!.split('=') as [string, string];
      if (!sysctls.has(name)) return fail(255, `sysctl: cannot stat /proc/sys/${name.replace(/\./g, '/')}: No such file or directory\n`);
      sysctls.set(name, value);
      return ok(`${name} = ${value}\n`);
    }
    if (line.startsWith('ip -o link show dev ')) {
      const dev = argv[5]!;
      return links.has(dev) ? ok(linkLine(dev, names.indexOf(dev))) : fail(1, `Device "${dev}" does not exist.\n`);
    }
    if (line === 'ip -o addr show') return ok(names.map(addrLines).join(''));
    if (line.startsWith('ip -o addr show dev ')) {
      const dev = argv[5]!;
      return links.has(dev) ? ok(addrLines(dev)) : fail(1, `Device "${dev}" does not exist.\n`);
    }
    if (line.startsWith('ip link set dev ') && argv[5] === 'up') {
      const l = links.get(argv[4]!);
      if (!l) return fail(1, `Cannot find device "${argv[4]}"\n`);
      l.up = true;
      return ok();
    }
    if (line.startsWith('ip link add name ')) {
      const [name, type] = [argv[4]!, argv[6]!];
      if (links.has(name)) return fail(2, 'RTNETLINK answers: File exists\n');
      addLink(name, type, false);
      return ok();
    }
    if ((line.startsWith('ip addr add ') || line.startsWith('ip addr del ')) && argv[4] === 'dev') {
      const [addr, dev, extra] = [argv[3]!, argv[5]!, argv.slice(6)];
      if (extra.some((f) => f !== 'noprefixroute' && f !== 'nodad')) throw new Error(`fake host: unexpected flags in ${line}`);
      const list = addresses.get(dev);
      if (!list) return fail(1, `Cannot find device "${dev}"\n`);
      if (argv[2] === 'del') {
        const i = list.indexOf(addr);
        if (i < 0) return fail(2, 'RTNETLINK answers: Cannot assign requested address\n');
        list.splice(i, 1);
        flags.delete(`${dev} ${addr}`);
        return ok();
      }
      // the kernel's identity of an address: IPv4 address + prefix, IPv6 address alone
      const ip = addr.split('/')[0]!;
      if (list.some((a) => (addr.includes(':') ? a.split('/')[0] === ip : a === addr))) return fail(2, 'RTNETLINK answers: File exists\n');
      list.push(addr);
      if (extra.length) flags.set(`${dev} ${addr}`, extra);
      return ok();
    }
    const fouArgs = argv[1] === '-6' ? argv.slice(2) : argv.slice(1);
    const ipv6 = argv[1] === '-6';
    if (argv[0] === 'ip' && fouArgs.join(' ') === 'fou show') {
      return ok(fou.filter((f) => f.ipv6 === ipv6).map((f) => `port ${f.port} gue${f.ipv6 ? ' -6' : ''}\n`).join(''));
    }
    if (argv[0] === 'ip' && fouArgs[0] === 'fou' && fouArgs[1] === 'add') {
      fou.push({ port: Number(fouArgs[3]), ipv6 });
      return ok();
    }
    throw new Error(`fake host: unexpected command ${line}`);
  }

  return {
    links, addresses, sysctls, fou, calls, failing,
    async run(argv) {
      const line = argv.join(' ');
      calls.push(line);
      const failure = failing.get(line);
      if (failure !== undefined) return fail(2, failure);
      return exec(argv);
    },
  };
}
