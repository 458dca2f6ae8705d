/**
 * Public surface of the fake ipvsadm (Debian ipvsadm 1.31 on kernel 6.1) used by lvsync's tests.
 *
 *   runIpvsadm(kernel, argv, stdin?, options?) -> { exitCode, stdout, stderr }   in-process
 *   test/fixtures/bin/ipvsadm                                                   as a process (cli.ts)
 *
 * The fake is checked against recordings from a real kernel: test/conformance/README.md.
 */
export { runIpvsadm, ipvsUnavailable, ipvsStrerror } from './ipvsadm.js';
export type { IpvsadmResult, RunOptions } from './ipvsadm.js';
export { FakeKernel, defaultKernelState, zeroStats, DEFAULT_SCHEDULERS } from './kernel.js';
export type {
  ConnectionState,
  DaemonState,
  DestState,
  FakeKernelState,
  InterfaceState,
  ServiceState,
  Stats,
} from './kernel.js';
export {
  createStateFile,
  findServer,
  findService,
  preloadSave,
  preloadStateFile,
  readState,
  serviceSpec,
  setServerCounters,
  setServiceStats,
  updateState,
  withStateLock,
  writeState,
} from './state-file.js';
export type { ServerCounters } from './state-file.js';
export { runCli } from './cli.js';
export { renderProcIpVs } from './proc.js';
export type { CliIo } from './cli.js';
