#!/usr/bin/env node
// Record (or re-check) how the REAL ipvsadm + kernel answer each conformance case.
//
//   node test/conformance/record.mjs [--out DIR] [case ...]      record cases (default: all)
//   node test/conformance/record.mjs --check [--report FILE] [case ...]
//                                                               replay and compare with the recordings
//
// Each case in test/conformance/cases/<name>.json is {description, steps: [{args, stdin?}]}. For every
// case the table is reset first (ipvsadm -C, both sync daemons stopped, timeouts back to 900 120 300,
// counters zeroed); then each step runs `ipvsadm <args>` with its stdin and the recording gets
// {exitCode, stdout, stderr} per step. The fake (test/fake-ipvsadm) is tested against these recordings, so
// they must come from a real kernel: run this inside test/kernel/vm.sh (it flushes the IPVS table!).
// Plain JS, no build needed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const CASES = join(HERE, 'cases');
const RECORDED = join(HERE, 'recorded');

function usage(code) {
  (code ? process.stderr : process.stdout).write(
    'usage: record.mjs [--out DIR] [case...]\n' +
      '       record.mjs --check [--report FILE] [case...]\n' +
      'Needs root and a kernel with IPVS; it flushes the IPVS table, so it refuses to run outside\n' +
      'test/kernel/vm.sh (LVSYNC_IN_VM=1) unless --i-know-this-flushes-ipvs is given.\n',
  );
  process.exit(code);
}

const opts = { check: false, out: RECORDED, report: undefined, force: false, names: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--check') opts.check = true;
  else if (a === '--out') opts.out = resolve(argv[++i] ?? usage(2));
  else if (a === '--report') opts.report = resolve(argv[++i] ?? usage(2));
  else if (a === '--i-know-this-flushes-ipvs') opts.force = true;
  else if (a === '-h' || a === '--help') usage(0);
  else if (a.startsWith('-')) usage(2);
  else opts.names.push(a.replace(/\.json$/, ''));
}

if (process.env.LVSYNC_IN_VM !== '1' && !opts.force) {
  process.stderr.write('record.mjs: refusing to flush the IPVS table outside the test VM (see --help)\n');
  process.exit(2);
}

const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };

/** Run one real ipvsadm (found on PATH, so argv[0] is "ipvsadm" exactly as the fake assumes). */
function ipvsadm(args, stdin) {
  const r = spawnSync('ipvsadm', args, { input: stdin ?? '', encoding: 'utf8', env, timeout: 60_000 });
  if (r.error) throw r.error;
  const signals = { SIGSEGV: 11, SIGABRT: 6, SIGKILL: 9, SIGTERM: 15 };
  const exitCode = r.status ?? 128 + (signals[r.signal] ?? 0);
  return { exitCode, stdout: r.stdout, stderr: r.stderr };
}

function sh(cmd, args) {
  return spawnSync(cmd, args, { encoding: 'utf8', env });
}

/** The fake's default world has interfaces lo and eth0 (MTU 1500); the VM has no eth0, so make one. */
function ensureEth0() {
  if (sh('ip', ['link', 'show', 'eth0']).status === 0) return;
  const add = sh('ip', ['link', 'add', 'eth0', 'type', 'dummy']);
  const up = sh('ip', ['link', 'set', 'eth0', 'up']);
  if (add.status !== 0 || up.status !== 0) process.stderr.write(`record.mjs: could not create dummy eth0: ${add.stderr}${up.stderr}\n`);
}

function resetKernel() {
  ipvsadm(['-C']);
  ipvsadm(['--stop-daemon', 'master']);
  ipvsadm(['--stop-daemon', 'backup']);
  ipvsadm(['--set', '900', '120', '300']);
  ipvsadm(['-Z']);
}

function loadCases() {
  const all = readdirSync(CASES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
  const names = opts.names.length ? opts.names : all;
  for (const n of names) if (!all.includes(n)) throw new Error(`no such case: ${n}`);
  return names.map((name) => ({ name, ...JSON.parse(readFileSync(join(CASES, `${name}.json`), 'utf8')) }));
}

function runCase(c) {
  resetKernel();
  return {
    description: c.description,
    steps: c.steps.map((s) => {
      const step = s.stdin === undefined ? { args: s.args } : { args: s.args, stdin: s.stdin };
      return { ...step, result: ipvsadm(s.args, s.stdin) };
    }),
  };
}

function describeDiff(name, i, field, want, got) {
  return `${name} step ${i + 1} ${field}:\n  recorded: ${JSON.stringify(want)}\n  kernel:   ${JSON.stringify(got)}`;
}

ensureEth0();
const cases = loadCases();
const problems = [];
let steps = 0;
for (const c of cases) {
  const { name } = c;
  const recorded = runCase(c);
  steps += recorded.steps.length;
  if (!opts.check) {
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(join(opts.out, `${name}.json`), JSON.stringify(recorded, null, 2) + '\n');
    process.stdout.write(`recorded ${name} (${recorded.steps.length} steps)\n`);
    continue;
  }
  const file = join(RECORDED, `${name}.json`);
  if (!existsSync(file)) {
    problems.push(`${name}: no recording`);
    continue;
  }
  const old = JSON.parse(readFileSync(file, 'utf8'));
  if (JSON.stringify(old.steps.map(({ args, stdin }) => ({ args, stdin }))) !== JSON.stringify(c.steps.map(({ args, stdin }) => ({ args, stdin })))) {
    problems.push(`${name}: the case's steps changed since it was recorded; record it again`);
    continue;
  }
  recorded.steps.forEach((s, i) => {
    for (const field of ['exitCode', 'stdout', 'stderr']) {
      const want = old.steps[i].result[field];
      if (want !== s.result[field]) problems.push(describeDiff(name, i, field, want, s.result[field]));
    }
  });
}
resetKernel();

if (opts.check) {
  const summary = `${cases.length} cases, ${steps} steps checked against the kernel, ${problems.length} differences`;
  const text = problems.join('\n') + (problems.length ? '\n' : '') + summary + '\n';
  if (opts.report) {
    mkdirSync(dirname(opts.report), { recursive: true });
    writeFileSync(opts.report, text);
  }
  (problems.length ? process.stderr : process.stdout).write(text);
  process.exit(problems.length ? 1 : 0);
}
