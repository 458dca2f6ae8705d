/**
 * Synthetic tables for the benchmark: desired-state YAML files and the live `ipvsadm -S -n` text,
 * generated independently of the code under test (plain string templates, no lvsync modules), so
 * that the planner's output can be checked against the minimal commands computed here.
 */

/** A table shape: `services` virtual services carrying `servers` real servers in total. */
export interface TableSize {
  /** short name for --sizes: 1k, 10k, 50k, 1kx256, ka */
  readonly id: string;
  /** label used in tables and file names, e.g. "10k×4" */
  readonly label: string;
  readonly services: number;
  /** total real servers, spread as evenly as possible over the services */
  readonly servers: number;
}

export const SIZES: readonly TableSize[] = [
  { id: '1k', label: '1k×4', services: 1_000, servers: 4_000 },
  { id: '10k', label: '10k×4', services: 10_000, servers: 40_000 },
  { id: '50k', label: '50k×4', services: 50_000, servers: 200_000 },
  { id: '1kx256', label: '1k×256', services: 1_000, servers: 256_000 },
  // the keepalived report: 2,284 virtual servers with 37,298 real servers
  { id: 'ka', label: '2.3k/37.3k', services: 2_300, servers: 37_300 },
];

/**
 * The peer comparison's sizes (bench/vm-peers.ts): 1k×4, the keepalived report's shape rounded to
 * 2,300 services × 16 real servers, and 10k×4. `ka16` is not in SIZES: the stage bench's `ka` row
 * already covers that shape there.
 */
export const PEER_SIZES: readonly TableSize[] = [
  SIZES[0]!,
  { id: 'ka16', label: '2.3k×16', services: 2_300, servers: 36_800 },
  SIZES[1]!,
];

export type Scenario = 'cold' | 'nochange' | 'weights1' | 'churn10' | 'teardown';
export const SCENARIOS: readonly Scenario[] = ['cold', 'nochange', 'weights1', 'churn10', 'teardown'];
export const SCENARIO_TEXT: Record<Scenario, string> = {
  cold: 'cold start (empty live table)',
  nochange: 'no change',
  weights1: '1% weight edits',
  churn10: '10% real-server churn',
  teardown: 'teardown (nothing declared)',
};

/** Services per desired-state file: a ConfigMap-sized chunk (well under 1 MiB of YAML). */
export const SERVICES_PER_FILE = 1_000;

export interface Server { address: string; port: number; weight: number }
export interface Service { address: string; port: number; servers: Server[] }

function ipv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const VIP_BASE = (10 << 24) >>> 0; // 10.0.0.0/8 for VIPs
const RIP_BASE = ((172 << 24) | (16 << 16)) >>> 0; // 172.16.0.0/12 for real servers
const CHURN_BASE = ((172 << 24) | (32 << 16)) >>> 0; // replacement real servers, outside the RIP block

/** The base table of a size: two ports per VIP, real servers numbered consecutively. */
export function baseTable(size: TableSize): Service[] {
  const out: Service[] = [];
  let rip = 1;
  for (let i = 0; i < size.services; i++) {
    const count = Math.floor(((i + 1) * size.servers) / size.services) - Math.floor((i * size.servers) / size.services);
    const servers: Server[] = [];
    for (let j = 0; j < count; j++) servers.push({ address: ipv4(RIP_BASE + rip++), port: 8080, weight: 1 + (j % 5) });
    out.push({ address: ipv4(VIP_BASE + 1 + (i >> 1)), port: i % 2 === 0 ? 80 : 443, servers });
  }
  return out;
}

/** Every 100th real server gets weight + 10. */
function weightEdits(base: Service[]): Service[] {
  let n = 0;
  return base.map((s) => ({ ...s, servers: s.servers.map((r) => (n++ % 100 === 99 ? { ...r, weight: r.weight + 10 } : r)) }));
}

/** Every 10th real server is replaced by a new address. */
function churn(base: Service[], every: number): Service[] {
  let n = 0;
  return base.map((s) => ({
    ...s,
    servers: s.servers.map((r) => (n++ % every === every - 1 ? { ...r, address: ipv4(CHURN_BASE + n) } : r)),
  }));
}

export function desiredFor(size: TableSize, scenario: Scenario): Service[] {
  const base = baseTable(size);
  switch (scenario) {
    case 'cold': case 'nochange': return base;
    case 'weights1': return weightEdits(base);
    case 'churn10': return churn(base, 10);
    case 'teardown': return [];
  }
}

/**
 * The peer comparison's chain of states, applied in this order by every tool: the base table (cold
 * load), then 1% weight edits of it, then 10% real-server churn of that.
 */
export function peerChain(size: TableSize): [Service[], Service[], Service[]] {
  const base = baseTable(size);
  const weights = weightEdits(base);
  return [base, weights, churn(weights, 10)];
}

export function liveFor(size: TableSize, scenario: Scenario): Service[] {
  return scenario === 'cold' ? [] : baseTable(size);
}

/** The desired state as YAML files of SERVICES_PER_FILE services each (the style of examples/). */
export function desiredYamlFiles(services: readonly Service[]): string[] {
  if (services.length === 0) return ['version: 1\nservices: []\n'];
  const files: string[] = [];
  for (let start = 0; start < services.length; start += SERVICES_PER_FILE) {
    const lines = ['# generated by bench/generate.ts', 'version: 1', 'services:'];
    for (let i = start; i < Math.min(services.length, start + SERVICES_PER_FILE); i++) {
      const s = services[i]!;
      lines.push(`  - name: svc-${i}`, '    protocol: tcp', `    address: ${s.address}`, `    port: ${s.port}`, '    scheduler: wrr', '    realServers:');
      for (const r of s.servers) lines.push(`      - { address: ${r.address}, port: ${r.port}, method: nat, weight: ${r.weight} }`);
    }
    files.push(`${lines.join('\n')}\n`);
  }
  return files;
}

/** Deterministic Fisher–Yates (mulberry32), so the live text is in a kernel-like scrambled order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** `ipvsadm -S -n` text of a table, services in a scrambled (hash-like) order as the kernel lists them. */
export function saveText(services: readonly Service[]): string {
  const lines: string[] = [];
  for (const s of shuffled(services, 42)) {
    const spec = `-t ${s.address}:${s.port}`;
    lines.push(`-A ${spec} -s wrr`);
    for (const r of s.servers) lines.push(`-a ${spec} -r ${r.address}:${r.port} -m -w ${r.weight}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * The minimal `ipvsadm -R` input that turns `live` into `desired` for these generated shapes, worked
 * out from the generator's own knowledge (not from lvsync's planner): the floor an apply is measured against.
 */
export function minimalCommands(desired: readonly Service[], live: readonly Service[]): string[] {
  const out: string[] = [];
  const liveBy = new Map(live.map((s) => [`${s.address}:${s.port}`, s]));
  const wantBy = new Set(desired.map((s) => `${s.address}:${s.port}`));
  for (const s of desired) {
    const spec = `-t ${s.address}:${s.port}`;
    const have = liveBy.get(`${s.address}:${s.port}`);
    if (!have) {
      out.push(`-A ${spec} -s wrr`);
      for (const r of s.servers) out.push(`-a ${spec} -r ${r.address}:${r.port} -m -w ${r.weight}`);
      continue;
    }
    const haveServers = new Map(have.servers.map((r) => [`${r.address}:${r.port}`, r]));
    const wantServers = new Set(s.servers.map((r) => `${r.address}:${r.port}`));
    for (const r of s.servers) {
      const h = haveServers.get(`${r.address}:${r.port}`);
      if (!h) out.push(`-a ${spec} -r ${r.address}:${r.port} -m -w ${r.weight}`);
      else if (h.weight !== r.weight) out.push(`-e ${spec} -r ${r.address}:${r.port} -m -w ${r.weight}`);
    }
    for (const r of have.servers) if (!wantServers.has(`${r.address}:${r.port}`)) out.push(`-d ${spec} -r ${r.address}:${r.port}`);
  }
  for (const s of live) if (!wantBy.has(`${s.address}:${s.port}`)) out.push(`-D -t ${s.address}:${s.port}`);
  return out;
}

export function countServers(services: readonly Service[]): number {
  return services.reduce((n, s) => n + s.servers.length, 0);
}

/**
 * The same table as a keepalived configuration: one virtual_server per service, real servers with
 * their weight and no checker block (keepalived adds them at start-up and they stay up).
 */
export function keepalivedConf(services: readonly Service[]): string {
  const lines = ['# generated by bench/generate.ts'];
  for (const s of services) {
    lines.push(`virtual_server ${s.address} ${s.port} {`, '    lb_algo wrr', '    lb_kind NAT', '    protocol TCP');
    for (const r of s.servers) lines.push(`    real_server ${r.address} ${r.port} {`, `        weight ${r.weight}`, '    }');
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}
