/**
 * The peer comparison as Markdown, for test-output/bench/results.md (and BENCHMARKS.md by hand):
 * time to the new table per size, step and tool; CPU of each tool in the VM; lvsync's own CPU on
 * the host for the same change (and keepalived's parsing, the one part of it that runs there); and
 * where a watch pass spends its time.
 */
import type { CpuMs, Segment, TreeCpu } from './peer-procs.js';
import { PEER_STEPS, PEER_STEP_TEXT, type PeerStep, type PeerTool } from './peers-data.js';
import type { HostPeerResult, HostPeerRun } from './peers-host.js';
import type { PeerResult, PeerRun } from './vm-peers.js';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function sec(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(0)} ms`;
}

/** median, with min–max when there is more than one */
function spread(xs: readonly number[]): string {
  if (xs.length === 0) return '–';
  if (xs.length === 1) return sec(xs[0]!);
  return `${sec(median(xs))} (${sec(Math.min(...xs))}–${sec(Math.max(...xs))})`;
}

const num = (n: number): string => n.toLocaleString('en-US');
const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const cpuText = (c: CpuMs): string => `${sec(c.user)} + ${sec(c.sys)}`;
const total = (c: CpuMs): number => c.user + c.sys;

function runsOf(runs: readonly PeerRun[], size: string, tool: PeerTool, step: PeerStep): PeerRun[] {
  return runs.filter((r) => r.size === size && r.tool === tool && r.step === step);
}

function doneCell(rs: readonly PeerRun[]): string {
  if (rs.length === 0) return '–';
  const ok = rs.filter((r) => r.ms !== null).map((r) => r.ms!);
  const failed = rs.length - ok.length;
  const res = rs.filter((r) => r.poll).map((r) => r.poll!.resolutionMs / 2);
  const resText = res.length ? ` ±${sec(median(res))}` : '';
  return `${ok.length ? spread(ok) : ''}${resText}${failed ? ` **${failed} not converged**` : ''}`;
}

function cpuCell(rs: readonly PeerRun[], part: 'self' | 'children' | 'both'): string {
  const cs = rs.map((r) => r.cpu).filter((c): c is TreeCpu => c !== null);
  if (cs.length === 0) return '–';
  const pick = (c: TreeCpu): CpuMs => (part === 'both' ? { user: c.self.user + c.children.user, sys: c.self.sys + c.children.sys } : c[part]);
  return cpuText({ user: median(cs.map((c) => pick(c).user)), sys: median(cs.map((c) => pick(c).sys)) });
}

/** ms from the trigger to the exit of the last `ipvsadm -R` of a traced pass: lvsync's own account of when the kernel had it. */
function untilRestoreExited(segments: readonly Segment[] | undefined): number | null {
  if (!segments) return null;
  let at = 0;
  let found: number | null = null;
  for (const s of segments) {
    at += s.ms;
    if (s.what === 'ipvsadm -R') found = at;
  }
  return found;
}

function segmentsText(segments: readonly Segment[]): string {
  const short = (what: string): string => what
    .replace('until the pass starts', 'notice + debounce')
    .replace('start-up until the first pass', 'start-up')
    .replace('start-up and loading the config', 'start-up + load')
    .replace(/^ipvsadm /, '')
    .replace(/^after ipvsadm (.*) to the end$/, 'after $1 → end')
    .replace(/^after ipvsadm (.*)$/, 'after $1');
  return segments.map((s) => `${short(s.what)} ${sec(s.ms)}`).join(' · ');
}

export function peersReport(vm: PeerResult | null, host: HostPeerResult | null): string {
  const out: string[] = [];
  if (vm) {
    const tools = vm.config.tools.filter((t) => t !== 'keepalived' || vm.keepalived);
    out.push('### Peers in the VM: keepalived, lvsync apply and watch, and the `ipvsadm -R` floor');
    out.push('');
    out.push(`Kernel ${vm.kernel}, ${vm.ipvsadm}, ${vm.keepalived ?? 'keepalived not installed'}, Node ${vm.node}, ${vm.cpus} vCPUs (TCG). Every tool runs the same chain of tables in a fresh network namespace: cold load, then a 1% weight change, then 10% real-server churn (of the weight-changed table); ${vm.config.reps} rep(s), tools in alternating order. Time to *done*: the floor = \`ipvsadm -R\` of exactly the minimal commands, to its exit; lvsync apply = the CLI from spawn to exit (start-up, load, read, plan, -R, verify); keepalived (\`-C -n\`, no checks) = from its start, or from SIGHUP after the config file was replaced, until /proc/net/ip_vs holds exactly the new table; lvsync watch (already running and converged) = from its start, or from the rename of the changed desired-state file, until /proc/net/ip_vs holds exactly the new table, and (*pass end*) until the pass's log line, its verification read included; *its -R exited* = the same pass's \`ipvsadm -R\` exit by LVSYNC_TRACE, a cross-check of the poller. The poller's *done* is the middle of the stretch in which the kernel completed the table (after the start of the last read that did not show it, by the end of the first that did), ± half of it.`);
    out.push('');
    out.push(line(['table', 'step', '-R lines', 'floor (ipvsadm -R)', ...(tools.includes('keepalived') ? ['keepalived'] : []), 'lvsync apply', 'lvsync watch: kernel', 'watch: its -R exited', 'watch: pass end']));
    out.push(line(['---', '---', '---:', '---:', ...(tools.includes('keepalived') ? ['---:'] : []), '---:', '---:', '---:', '---:']));
    for (const size of vm.sizes) {
      for (const step of vm.config.steps) {
        const at = (tool: PeerTool): PeerRun[] => runsOf(vm.runs, size.id, tool, step);
        const watch = at('watch');
        out.push(line([
          size.label, PEER_STEP_TEXT[step], num(size.lines[PEER_STEPS.indexOf(step)] ?? 0),
          doneCell(at('floor')), ...(tools.includes('keepalived') ? [doneCell(at('keepalived'))] : []), doneCell(at('apply')), doneCell(watch),
          spread(watch.map((r) => untilRestoreExited(r.segments)).filter((x): x is number => x !== null)),
          spread(watch.filter((r) => r.passMs !== undefined).map((r) => r.passMs!)),
        ]));
      }
    }
    out.push('');
    out.push(`The poller (the bench's own long-running Node process) reads /proc/<pid>/net/ip_vs of a process in the namespace and compares a digest of it with the expected (service, server, weight) table's, then sleeps at least ${vm.pollGap ?? 1}× as long as that took (it holds at most ${vm.pollGap ? `1/${vm.pollGap + 1}` : '1/2'} of one vCPU while it waits, and runs only while keepalived or watch is measured). One read + digest of the whole table, idle: ${vm.sizes.map((s) => `${s.label} ${sec(s.pollIdleMs ?? NaN)}${s.pollIdleKernelMs != null ? ` (read ${sec(s.pollIdleKernelMs)})` : ''}`).join(', ')}.`);
    out.push('');
    const starts = vm.runs.filter((r) => r.step === 'cold' && r.poll?.firstChangeMs != null);
    if (starts.length) {
      out.push(`Cold loads, from the spawn until the poller first saw the table change (the tool's start-up before its first IPVS command, within one poll): ${starts.map((r) => `${r.tool} ${vm.sizes.find((s) => s.id === r.size)?.label ?? r.size} ${sec(r.poll!.firstChangeMs!)}`).join(', ')}.`);
      out.push('');
    }
    out.push('CPU time in the VM over each step (user + system; 10 ms resolution). lvsync: its node process, then the ipvsadm processes it ran; keepalived: the parent and its checker child together (from the trigger until its CPU time stops growing); floor: ipvsadm. Watch: from the trigger to the pass end.');
    out.push('');
    out.push(line(['table', 'step', 'floor: ipvsadm', ...(tools.includes('keepalived') ? ['keepalived'] : []), 'apply: lvsync (node)', 'apply: its ipvsadm', 'watch: lvsync (node)', 'watch: its ipvsadm']));
    out.push(line(['---', '---', '---:', ...(tools.includes('keepalived') ? ['---:'] : []), '---:', '---:', '---:', '---:']));
    for (const size of vm.sizes) {
      for (const step of vm.config.steps) {
        const at = (tool: PeerTool): PeerRun[] => runsOf(vm.runs, size.id, tool, step);
        out.push(line([
          size.label, PEER_STEP_TEXT[step], cpuCell(at('floor'), 'self'), ...(tools.includes('keepalived') ? [cpuCell(at('keepalived'), 'both')] : []),
          cpuCell(at('apply'), 'self'), cpuCell(at('apply'), 'children'), cpuCell(at('watch'), 'self'), cpuCell(at('watch'), 'children'),
        ]));
      }
    }
    out.push('');
    const watchRuns = vm.runs.filter((r) => r.tool === 'watch' && r.segments);
    if (watchRuns.length) {
      out.push('Where a watch pass spends its time in the VM (LVSYNC_TRACE; *notice + debounce* = the trigger until the pass started, *reload* = pass start until its first ipvsadm, *after X* = lvsync\'s own work between two ipvsadm runs, e.g. parsing and planning after the first `-S -n`; the saved transcripts are in test-output/bench/peers/):');
      out.push('');
      out.push(line(['table', 'step', 'rep', 'kernel done', 'pass end', 'stretches']));
      out.push(line(['---', '---', '---:', '---:', '---:', '---']));
      for (const r of watchRuns) {
        const label = vm.sizes.find((s) => s.id === r.size)?.label ?? r.size;
        out.push(line([label, PEER_STEP_TEXT[r.step], String(r.rep), sec(r.ms ?? NaN), sec(r.passMs ?? NaN), segmentsText(r.segments!)]));
      }
      out.push('');
    }
    const applyRuns = vm.runs.filter((r) => r.tool === 'apply' && r.segments);
    if (applyRuns.length) {
      out.push('Where an apply spends its time in the VM (LVSYNC_TRACE, from the spawn):');
      out.push('');
      out.push(line(['table', 'step', 'rep', 'exit', 'stretches']));
      out.push(line(['---', '---', '---:', '---:', '---']));
      for (const r of applyRuns) {
        const label = vm.sizes.find((s) => s.id === r.size)?.label ?? r.size;
        out.push(line([label, PEER_STEP_TEXT[r.step], String(r.rep), sec(r.ms ?? NaN), segmentsText(r.segments!)]));
      }
      out.push('');
    }
    for (const n of vm.notes) out.push(`Note (VM peers): ${n}.`);
    if (vm.notes.length) out.push('');
  }
  if (host) out.push(...hostReport(vm, host));
  return out.join('\n');
}

function hostReport(vm: PeerResult | null, host: HostPeerResult): string[] {
  const out: string[] = [];
  const sizes = [...new Set(host.runs.map((r) => r.size))];
  const label = (id: string): string => vm?.sizes.find((s) => s.id === id)?.label ?? id;
  out.push('### The same changes: lvsync\'s own CPU time on the host against the VM');
  out.push('');
  out.push(`Host: lvsync ${'`apply`'} and a running ${'`watch`'} over the same chain with the executable fake ipvsadm (Node ${host.node}); lvsync's node process only (the fake's processes are not counted). VM: the same node process in the rows above. *×* = VM / host: what TCG costs lvsync's code for the same work.`);
  out.push('');
  out.push(line(['table', 'step', 'apply: host', 'apply: VM', '×', 'watch pass: host', 'watch pass: VM', '×']));
  out.push(line(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:']));
  const steps = PEER_STEPS.filter((s) => host.runs.some((r) => r.step === s));
  for (const id of sizes) {
    for (const step of steps) {
      const h = (tool: 'apply' | 'watch'): HostPeerRun | undefined => host.runs.find((r) => r.size === id && r.tool === tool && r.step === step);
      const v = (tool: PeerTool): PeerRun[] => (vm ? runsOf(vm.runs, id, tool, step).filter((r) => r.cpu) : []);
      const cells = (tool: 'apply' | 'watch'): string[] => {
        const hr = h(tool);
        const vr = v(tool);
        const hostMs = hr ? total(hr.cpu.self) : NaN;
        const vmMs = vr.length ? median(vr.map((r) => total(r.cpu!.self))) : NaN;
        return [hr ? cpuText(hr.cpu.self) : '–', vr.length ? cpuCell(vr, 'self') : '–', Number.isFinite(hostMs / vmMs) ? `${(vmMs / hostMs).toFixed(1)}×` : '–'];
      };
      out.push(line([label(id), PEER_STEP_TEXT[step], ...cells('apply'), ...cells('watch')]));
    }
  }
  out.push('');
  if (host.keepalivedTest.length) {
    out.push('keepalived cannot run on the host (no IPVS in its kernel). `keepalived -t -f` (parse and check a configuration: its own C code, no kernel) runs on both; the cold configuration minus an empty one is its parsing of the table:');
    out.push('');
    out.push(line(['table', 'host: empty config', 'host: cold config', 'VM: empty config', 'VM: cold config', '× (user CPU of the parsing)']));
    out.push(line(['---', '---:', '---:', '---:', '---:', '---:']));
    for (const k of host.keepalivedTest) {
      const inVm = vm?.sizes.find((s) => s.id === k.size)?.keepalivedTestCpu;
      const hostParse = k.cpu.conf.user - k.cpu.empty.user;
      const vmParse = inVm ? inVm.conf.user - inVm.empty.user : NaN;
      out.push(line([label(k.size), cpuText(k.cpu.empty), cpuText(k.cpu.conf), inVm ? cpuText(inVm.empty) : '–', inVm ? cpuText(inVm.conf) : '–', Number.isFinite(vmParse) && hostParse > 0 ? `${(vmParse / hostParse).toFixed(1)}× (${sec(hostParse)} → ${sec(vmParse)})` : '–']));
    }
    out.push('');
  }
  const factors = new Map(host.keepalivedTest.map((k) => {
    const inVm = vm?.sizes.find((s) => s.id === k.size)?.keepalivedTestCpu;
    const hostParse = k.cpu.conf.user - k.cpu.empty.user;
    return [k.size, inVm && hostParse > 0 ? (inVm.conf.user - inVm.empty.user) / hostParse : NaN] as const;
  }));
  if (vm && [...factors.values()].some(Number.isFinite)) {
    out.push('User-space CPU of the same change, at host speed. lvsync: measured on the host (its node process; the ipvsadm it runs comes on top). keepalived: its user CPU in the VM (parent and checker) divided by the TCG factor of its own parser above — an estimate, as keepalived cannot run here:');
    out.push('');
    out.push(line(['table', 'step', 'lvsync watch pass (host)', 'lvsync apply (host)', 'keepalived in the VM', 'TCG factor (keepalived -t)', 'keepalived, host estimate']));
    out.push(line(['---', '---', '---:', '---:', '---:', '---:', '---:']));
    for (const id of sizes) {
      for (const step of steps) {
        const h = (tool: 'apply' | 'watch'): HostPeerRun | undefined => host.runs.find((r) => r.size === id && r.tool === tool && r.step === step);
        const ka = runsOf(vm.runs, id, 'keepalived', step).filter((r) => r.cpu);
        const kaUser = ka.length ? median(ka.map((r) => r.cpu!.self.user + r.cpu!.children.user)) : NaN;
        const f = factors.get(id) ?? NaN;
        out.push(line([label(id), PEER_STEP_TEXT[step], h('watch') ? sec(h('watch')!.cpu.self.user) : '–', h('apply') ? sec(h('apply')!.cpu.self.user) : '–', sec(kaUser), Number.isFinite(f) ? `${f.toFixed(1)}×` : '–', sec(kaUser / f)]));
      }
    }
    out.push('');
  }
  const hostWatch = host.runs.filter((r) => r.tool === 'watch' && r.segments);
  if (hostWatch.length) {
    out.push('Watch passes on the host (fake ipvsadm: each run is a Node process that loads a JSON state, so its stretches are not a kernel\'s):');
    out.push('');
    out.push(line(['table', 'step', 'pass end', 'stretches']));
    out.push(line(['---', '---', '---:', '---']));
    for (const r of hostWatch) out.push(line([label(r.size), PEER_STEP_TEXT[r.step], sec(r.ms), segmentsText(r.segments!)]));
    out.push('');
  }
  if (host.profile) {
    out.push(`CPU profile of one host \`lvsync apply\` of the ${PEER_STEP_TEXT[host.profile.step]} at ${label(host.profile.size)} (\`node --cpu-prof\`, ${host.profile.file ? host.profile.file.replace(/.*test-output/, 'test-output') : 'not written'}):`);
    out.push('');
    out.push('```');
    out.push(host.profile.summary.trim());
    out.push('```');
    out.push('');
  }
  for (const n of host.notes) out.push(`Note (host peers): ${n}.`);
  if (host.notes.length) out.push('');
  return out;
}
