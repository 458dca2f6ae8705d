import type { Protocol, ServiceTarget } from './types.js';

/**
 * The only place identity keys are made. Two services are the same kernel object exactly when
 * their keys are equal (facts §1): family + protocol + VIP + port, or family + fwmark.
 */
export function serviceKey(target: ServiceTarget): string {
  return target.kind === 'fwmark'
    ? `fwmark|${target.family}|${target.mark}`
    : addressServiceKey(target.protocol, target.address, target.port);
}

/** serviceKey of an address target, for readers that have its parts before they build the target. */
export function addressServiceKey(protocol: Protocol, address: string, port: number): string {
  return `${protocol}|${address}|${port}`;
}

/** A real server is identified inside its service by address and the port the kernel stores. */
export function serverKey(address: string, port: number): string {
  return `${address}|${port}`;
}

/** "tcp 10.0.0.1:80", "tcp [2001:db8::1]:80", "fwmark 7", "fwmark 7 ipv6": how plans and logs name a service. */
export function describeTarget(target: ServiceTarget): string {
  if (target.kind === 'fwmark') return `fwmark ${target.mark}${target.family === 'ipv6' ? ' ipv6' : ''}`;
  return `${target.protocol} ${hostPort(target.address, target.port)}`;
}

export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
