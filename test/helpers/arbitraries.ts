import fc from 'fast-check';

/**
 * Generators of written (YAML-shaped) desired services over a deliberately small universe of
 * addresses, ports and marks, so desired and live tables collide often: same keys with different
 * attributes, servers moving between methods, identity changes.
 */

export const VIPS_V4 = ['10.0.0.1', '10.0.0.2'];
export const VIPS_V6 = ['2001:db8::1'];
const RIPS_V4 = ['10.1.0.1', '10.1.0.2', '10.1.0.3'];
const RIPS_V6 = ['2001:db8:1::1', '2001:db8:1::2'];
const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'];

type Written = Record<string, unknown>;

const tunnelArb: fc.Arbitrary<Written | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant({ type: 'ipip' }),
  fc.record({ type: fc.constant('gue'), port: fc.constantFrom(6080, 6081), checksum: fc.constantFrom('nocsum', 'csum', 'remcsum') }),
  fc.record({ type: fc.constant('gre'), checksum: fc.constantFrom('nocsum', 'csum') }),
);

function serverArb(family: 'ipv4' | 'ipv6', servicePort: number | null): fc.Arbitrary<Written> {
  return fc.record({
    address: fc.constantFrom(...(family === 'ipv4' ? RIPS_V4 : RIPS_V6)),
    method: fc.constantFrom('nat', 'dr', 'tun'),
    natPort: fc.constantFrom(80, 8080),
    weight: fc.integer({ min: 0, max: 5 }),
    thresholds: fc.option(fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 100 })), { nil: undefined }),
    tunnel: tunnelArb,
  }).map((s) => {
    const out: Written = { address: s.address, method: s.method, weight: s.weight };
    // nat keeps any port; dr/tun on an address service must use the service port (the kernel rewrites it)
    if (s.method === 'nat') out.port = s.natPort;
    if (s.thresholds) {
      const [upper, lower] = s.thresholds;
      out.upperThreshold = upper;
      out.lowerThreshold = Math.min(lower, upper);
    }
    if (s.method === 'tun' && s.tunnel) out.tunnel = s.tunnel;
    return out;
  });
}

function serversArb(family: 'ipv4' | 'ipv6', servicePort: number | null): fc.Arbitrary<Written[]> {
  // unique by the stored key: dr/tun servers collapse onto the service port (fwmark: port 0)
  return fc.uniqueArray(serverArb(family, servicePort), {
    maxLength: 4,
    selector: (s) => `${String(s.address)}|${s.method === 'nat' ? String(s.port) : String(servicePort ?? 0)}`,
  });
}

const attributesArb = fc.record({
  scheduler: fc.constantFrom(...SCHEDULERS),
  flagBits: fc.integer({ min: 0, max: 3 }),
  persistence: fc.option(fc.record({ timeout: fc.constantFrom(60, 300, 360), mask: fc.boolean() }), { nil: undefined }),
  onePacket: fc.boolean(),
  engine: fc.boolean(),
});

interface Attributes {
  readonly scheduler: string;
  readonly flagBits: number;
  readonly persistence: { readonly timeout: number; readonly mask: boolean } | undefined;
  readonly onePacket: boolean;
  readonly engine: boolean;
}

function applyAttributes(out: Written, a: Attributes, family: 'ipv4' | 'ipv6', allow: { onePacket: boolean; engine: boolean }): Written {
  out.scheduler = a.scheduler;
  const prefix = a.scheduler === 'sh' || a.scheduler === 'mh' ? a.scheduler : null;
  const flags: string[] = [];
  if (prefix) {
    if (a.flagBits & 1) flags.push(`${prefix}-fallback`);
    if (a.flagBits & 2) flags.push(`${prefix}-port`);
  }
  if (flags.length) out.schedulerFlags = flags;
  if (a.persistence) {
    const p: Written = { timeout: a.persistence.timeout };
    if (a.persistence.mask) p.netmask = family === 'ipv4' ? '255.255.255.0' : 64;
    out.persistence = p;
  }
  if (allow.onePacket && a.onePacket) out.onePacket = true;
  if (allow.engine && a.engine && a.persistence) out.persistenceEngine = 'sip';
  return out;
}

export const addressServiceArb: fc.Arbitrary<Written> = fc.record({
  family: fc.constantFrom<'ipv4' | 'ipv6'>('ipv4', 'ipv4', 'ipv6'),
  v4: fc.constantFrom(...VIPS_V4),
  v6: fc.constantFrom(...VIPS_V6),
  protocol: fc.constantFrom('tcp', 'udp', 'sctp'),
  port: fc.constantFrom(80, 443),
  attrs: attributesArb,
}).chain((s) => serversArb(s.family, s.port).map((servers) => {
  const out: Written = { protocol: s.protocol, address: s.family === 'ipv4' ? s.v4 : s.v6, port: s.port };
  applyAttributes(out, s.attrs, s.family, { onePacket: s.protocol === 'udp', engine: s.protocol === 'udp' });
  out.realServers = servers;
  return out;
}));

export const fwmarkServiceArb: fc.Arbitrary<Written> = fc.record({
  mark: fc.integer({ min: 1, max: 3 }),
  family: fc.constantFrom<'ipv4' | 'ipv6'>('ipv4', 'ipv6'),
  attrs: attributesArb,
}).chain((s) => serversArb(s.family, null).map((servers) => {
  const out: Written = { fwmark: s.mark, family: s.family };
  applyAttributes(out, s.attrs, s.family, { onePacket: true, engine: false });
  out.realServers = servers;
  return out;
}));

/** A desired (or live) table: unique by service identity. */
export const servicesArb: fc.Arbitrary<Written[]> = fc.uniqueArray(fc.oneof(addressServiceArb, fwmarkServiceArb), {
  maxLength: 5,
  selector: (s) => (s.fwmark !== undefined ? `f|${String(s.fwmark)}|${String(s.family)}` : `${String(s.protocol)}|${String(s.address)}|${String(s.port)}`),
});
