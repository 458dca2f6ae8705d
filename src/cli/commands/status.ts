import { loadDesired } from '../../desired/load.js';
import type { Diagnostic } from '../../diagnostics.js';
import { readDrainState } from '../../state/drains.js';
import { readHealthFile } from '../../state/health-file.js';
import { renderStatusJson, renderStatusText } from '../../status/render-status.js';
import { readLiveStats } from '../../watch/live-stats.js';
import type { GlobalArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { printDiagnostics } from '../shared.js';

export interface StatusArgs {
  readonly paths: string[];
  readonly json: boolean;
  readonly stats: boolean;
  readonly rates: boolean;
}

/** Read-only: the live table with connections (and counters/rates), annotated from the config when PATHs are given. */
export async function statusCommand(io: CliIo, g: GlobalArgs, args: StatusArgs): Promise<number> {
  let desired = null;
  if (args.paths.length > 0) {
    const loaded = await loadDesired(args.paths, { director: g.director });
    printDiagnostics(io, loaded.diagnostics);
    desired = loaded.state;
  }
  const snapshot = await readLiveStats(io.createIpvsadm(g.ipvsadm), Date.now());
  // what lvsync watch recorded in the state directory: health per checked server, drains in progress
  // read-only: a state file that cannot be used is reported (STATE_FILE) and left where it is
  const recorded = await readHealthFile(g.stateDir, { repair: false });
  const drainState = await readDrainState(g.stateDir, { repair: false });
  printDiagnostics(io, [recorded.warning, drainState.warning].filter((w): w is Diagnostic => w !== null));
  const health = new Map(recorded.states.map((s) => [s.id, s]));
  const drains = drainState.state.drains;
  const options = { stats: args.stats, rates: args.rates, desired, health, drains, now: snapshot.at };
  io.stdout(args.json ? renderStatusJson(snapshot, options) : renderStatusText(snapshot, options));
  return 0;
}
