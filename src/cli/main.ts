#!/usr/bin/env -S node --max-semi-space-size=64
import { hostname } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { createExecIpvsadm, procPathFor, restoreSessionFor } from '../ipvsadm/exec.js';
import { run } from './run.js';
import { createTrace, tracedIpvsadm } from './trace.js';

/** The only module that touches process: it builds the real dependencies and sets the exit code. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
const trace = createTrace(process.env, (t) => process.stderr.write(t));
// a promise rather than top-level await: the single executable's bundle is CommonJS (packaging/bundle.ts)
void run(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  readStdin,
  interactive,
  color: Boolean(process.stdout.isTTY),
  prompt: async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try { return await rl.question(question); } finally { rl.close(); }
  },
  env: process.env,
  createIpvsadm: (binary) => {
    const ipvsadm = createExecIpvsadm({ binary, procPath: procPathFor(binary, process.env), restoreSession: restoreSessionFor(binary, process.env) });
    return trace ? tracedIpvsadm(ipvsadm, trace) : ipvsadm;
  },
  ...(trace ? { trace } : {}),
  hostname,
  stdinEnd: () => new Promise<void>((resolve) => {
    process.stdin.on('end', resolve).on('close', resolve).on('error', () => resolve()).on('data', () => undefined).resume();
  }),
  onSignal: (signal, handler) => {
    process.on(signal, handler);
    return () => { process.off(signal, handler); };
  },
}).then((code) => {
  process.exitCode = code;
  trace?.(`exit ${code}`);
});
