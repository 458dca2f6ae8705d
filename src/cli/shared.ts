import { readFile } from 'node:fs/promises';
import { loadDesired } from '../desired/load.js';
import type { Fleet } from '../desired/overlay/fleet.js';
import type { DesiredOptions } from '../desired/parse.js';
import { formatDiagnostic, hasErrors, type Diagnostic } from '../diagnostics.js';
import type { Ipvsadm } from '../ipvsadm/port.js';
import type { NameResolver } from '../live/names.js';
import { readLiveTable } from '../live/read.js';
import { readRulesFile } from '../live/read-rules.js';
import { createSystemResolver } from '../live/system-names.js';
import { withLiveSettings } from '../live/read-settings.js';
import type { DesiredSettings } from '../model/settings.js';
import type { DesiredState, Table } from '../model/types.js';
import { createProcSysctl } from '../sysctl/proc.js';
import type { Sysctl } from '../sysctl/port.js';
import type { CliIo } from './io.js';
import { CommandExit } from './exit-codes.js';

/** Thrown to end a command with an exit code after its message has been printed. */
export { CommandExit } from './exit-codes.js';

export function printDiagnostics(io: CliIo, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
}

/** Load and validate; invalid input ends the command with exit 3 before anything touches the kernel. */
export async function loadDesiredOrExit(io: CliIo, paths: readonly string[], options: DesiredOptions = {}): Promise<DesiredState> {
  return (await loadFleetOrExit(io, paths, options)).state;
}

/** loadDesiredOrExit, plus the fleet the config describes (for commands that report per director). */
export async function loadFleetOrExit(io: CliIo, paths: readonly string[], options: DesiredOptions = {}): Promise<{ state: DesiredState; fleet: Fleet | undefined }> {
  io.trace?.(`loading the desired state from ${paths.join(' ')}`);
  const { state, diagnostics, fleet } = await loadDesired(paths, options);
  io.trace?.(`desired state loaded: ${state?.table.services.size ?? 0} services, ${diagnostics.length} diagnostics`);
  printDiagnostics(io, diagnostics);
  if (!state || hasErrors(diagnostics)) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    io.stderr(`lvsync: the desired state is invalid (${errors} error${errors === 1 ? '' : 's'}); nothing was changed.\n`);
    throw new CommandExit(3);
  }
  return { state, fleet };
}

/** --lost-inventory when no loss is recorded, or no live service is in question: nothing to do, and said so. */
export function nothingToSettle(stateDir: string): string {
  return `lvsync: --lost-inventory: nothing to settle (no lost inventory is recorded in ${stateDir}, or no live service outside the declared services and the scope is left)\n`;
}

/** Host and service names in rules files: injected in tests, the system's otherwise. */
export function namesOf(io: CliIo): NameResolver {
  return io.names ?? createSystemResolver();
}

/** The sysctls commands read and write: injected in tests, /proc/sys otherwise. */
export function sysctlOf(io: CliIo): Sysctl {
  return io.sysctl ?? createProcSysctl();
}

/**
 * The live table from a saved `-S -n` file (or stdin) or from ipvsadm; unparseable lines end the command.
 * From ipvsadm, the kernel settings in `settings` are read too (a saved file has none to read).
 */
export async function readLiveOrExit(io: CliIo, source: { liveFile?: string | undefined; ipvsadm: () => Ipvsadm; thresholds: boolean; settings?: DesiredSettings | undefined }): Promise<Table> {
  if (source.liveFile !== undefined) {
    const text = source.liveFile === '-' ? await io.readStdin() : await readFile(source.liveFile, 'utf8');
    // a saved table may be a hand-kept rules file, or saved without -n: names are looked up as ipvsadm -R would
    const parsed = await readRulesFile(text, source.liveFile === '-' ? '<stdin>' : source.liveFile, namesOf(io));
    printDiagnostics(io, parsed.diagnostics);
    if (hasErrors(parsed.diagnostics)) {
      io.stderr('lvsync: the live table could not be parsed; refusing to plan against a partial table.\n');
      throw new CommandExit(1);
    }
    io.trace?.(`live table parsed: ${parsed.table.services.size} services`);
    return parsed.table;
  }
  const ipvsadm = source.ipvsadm();
  const parsed = await readLiveTable(ipvsadm, { thresholds: source.thresholds });
  io.trace?.(`live table parsed: ${parsed.table.services.size} services`);
  if (parsed.diagnostics.length) {
    printDiagnostics(io, parsed.diagnostics);
    io.stderr(`lvsync: ${ipvsadm.describe} -S -n printed lines lvsync cannot parse; refusing to plan against a partial table.\n`);
    throw new CommandExit(1);
  }
  return withLiveSettings(parsed.table, source.settings, ipvsadm, sysctlOf(io));
}
