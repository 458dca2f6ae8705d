import { readFile } from 'node:fs/promises';
import { decide, type Decision, type Said } from '../../anycast/exabgp.js';
import { parseAnycastState, type AnycastState } from '../../anycast/state-file.js';
import { ANYCAST_DEFAULTS } from '../../model/anycast.js';
import { processAlive } from '../../state/lock.js';
import { systemClock } from '../../watch/clock.js';
import { parseDuration } from '../../watch/duration.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';

export interface ExabgpArgs {
  readonly stateFile: string | undefined;
  readonly poll: string | undefined;
}


/**
 * `lvsync exabgp [--state-file FILE] [--poll 500ms]`: run by ExaBGP as a `process` (encoder text).
 * Every poll it reads the state file `lvsync watch` writes and prints `announce route` / `withdraw
 * route` for what changed (src/anycast/exabgp.ts decides); each decision is explained on stderr,
 * which ExaBGP logs. It runs until ExaBGP closes its stdin or sends SIGTERM.
 */
export async function exabgpCommand(io: CliIo, args: ExabgpArgs): Promise<number> {
  const stateFile = args.stateFile ?? ANYCAST_DEFAULTS.stateFile;
  const pollMs = args.poll === undefined ? 500 : parseDuration(args.poll);
  if (pollMs === null || pollMs <= 0) throw new UsageError(`--poll: expected a duration such as 500ms or 1s (got '${args.poll}')`);
  const clock = io.clock ?? systemClock;
  const said: Said = new Map();
  let lastProblem = '';
  const problem = (text: string) => {
    if (text !== lastProblem) io.stderr(`lvsync exabgp: ${text}\n`);
    lastProblem = text;
  };
  const read = async (): Promise<AnycastState | null> => {
    let text: string;
    try {
      text = await readFile(stateFile, 'utf8');
    } catch (err) {
      problem(`cannot read ${stateFile} (${(err as NodeJS.ErrnoException).code ?? String(err)}): announcing nothing until lvsync watch writes it`);
      return null;
    }
    const parsed = parseAnycastState(text);
    if ('invalid' in parsed) { problem(`${stateFile} ${parsed.invalid}: withdrawing everything`); return null; }
    lastProblem = '';
    return parsed.ok;
  };
  const explain = (d: Decision): string => {
    switch (d.why) {
      case 'ready': return 'ready';
      case 'not-ready': return 'not ready (see lvsync watch\'s log or status page)';
      case 'writer-gone': return 'lvsync watch, which wrote the state file, is not running';
      case 'stale': return 'the state file is stale: lvsync watch stopped updating it';
      case 'no-state': return 'no usable state file';
    }
  };
  let stopped = false;
  const stop = () => { stopped = true; };
  const unsubscribe = [io.onSignal?.('SIGTERM', stop), io.onSignal?.('SIGINT', stop)];
  // ExaBGP closing our stdin is its way of saying it is gone
  void io.stdinEnd?.().then(stop);
  try {
    while (!stopped) {
      const state = await read();
      for (const d of decide(state, clock.now(), state ? processAlive(state.pid) : false, said)) {
        io.stdout(`${d.line}\n`);
        io.stderr(`lvsync exabgp: ${d.announce ? 'announce' : 'withdraw'} ${d.prefix}: ${explain(d)}\n`);
      }
      await new Promise<void>((resolve) => { clock.setTimeout(resolve, pollMs); });
    }
  } finally {
    for (const u of unsubscribe) u?.();
  }
  return EXIT.ok;
}
