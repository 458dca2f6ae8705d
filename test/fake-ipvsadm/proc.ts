import { bytesToU32, parseStored, type RawAddr } from './addr.js';
import { IP_VS_SVC_F_ONEPACKET, IP_VS_SVC_F_PERSISTENT, type FakeKernel, type FwdMethod } from './kernel.js';

/**
 * /proc/net/ip_vs as kernel 6.1's ip_vs_info_seq_show prints it: hex IPv4 in host order, IPv6 with
 * %pI6 (eight groups in full), ports in hex, fwmark lines without a family, the persistence timeout
 * in jiffies (HZ 250 on Debian's kernel), in hash order (the fake's dump order stands in for it).
 * Checked against what the real kernel printed (test/live/proc-counts.test.ts; test/kernel/traffic.ktest.ts
 * reads the real file on every suite run).
 */
const FWD_NAME: Record<FwdMethod, string> = { masq: 'Masq', local: 'Local', tunnel: 'Tunnel', route: 'Route' };
const HZ = 250;

const hex = (n: number, width: number): string => (n >>> 0).toString(16).toUpperCase().padStart(width, '0');

function pI6(a: RawAddr): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((a.bytes[i]! << 8) | a.bytes[i + 1]!).toString(16).padStart(4, '0'));
  return `[${groups.join(':')}]`;
}

function hostPort(text: string, port: number): string {
  const a = parseStored(text);
  return `${a.af === 'inet' ? hex(bytesToU32(a.bytes), 8) : pI6(a)}:${hex(port, 4)}`;
}

export function renderProcIpVs(kernel: FakeKernel): string {
  let out = `IP Virtual Server version 1.2.1 (size=${kernel.state.connTabSize})\n`;
  out += 'Prot LocalAddress:Port Scheduler Flags\n';
  out += '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n';
  for (const se of kernel.dumpServices()) {
    const ops = se.flags & IP_VS_SVC_F_ONEPACKET ? 'ops ' : '';
    if (se.fwmark) out += `FWM  ${hex(se.fwmark, 8)} ${se.scheduler} ${ops}`;
    else if (se.af === 'inet6') out += `${se.protocol.toUpperCase()}  ${hostPort(se.addr, se.port)} ${se.scheduler} `;
    else out += `${se.protocol.toUpperCase()}  ${hostPort(se.addr, se.port)} ${se.scheduler} ${ops} `;
    out += se.flags & IP_VS_SVC_F_PERSISTENT ? `persistent ${se.timeout * HZ} ${hex(se.af === 'inet' ? se.netmask : 0, 8)}\n` : '\n';
    for (const d of se.dests) {
      out += `  -> ${hostPort(d.addr, d.port)}      ${FWD_NAME[d.fwd].padEnd(7)} ${String(d.weight).padEnd(6)} ${String(d.activeConns).padEnd(10)} ${String(d.inactConns).padEnd(10)}\n`;
    }
  }
  return out;
}
