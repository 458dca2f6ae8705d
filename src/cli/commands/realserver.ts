import { applyAll, checkAll } from '../../realserver/host.js';
import { createExecRunner } from '../../realserver/exec-runner.js';
import { realServerNeeds } from '../../realserver/requirements.js';
import { renderApply, renderCheck, renderNatOnly, renderScript } from '../../realserver/render.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';
import { loadDesiredOrExit } from '../shared.js';

export interface RealServerArgs {
  readonly paths: string[];
  readonly address: string | undefined;
  readonly apply: boolean;
  readonly check: boolean;
  /** the director whose services send to this real server */
  readonly director?: string;
}

/**
 * `lvsync realserver PATH... --address RIP [--apply | --check]`: what the real server RIP needs for the
 * dr and tun services that use it (src/realserver). Prints the commands; --check reports what is
 * missing on this host (exit 1 if anything is); --apply makes it so, skipping what is there (exit 1
 * if anything is still missing afterwards). Runs on the real server, never on the director.
 */
export async function realServerCommand(io: CliIo, args: RealServerArgs): Promise<number> {
  if (args.paths.length === 0) throw new UsageError('realserver needs at least one PATH');
  if (args.address === undefined) throw new UsageError('realserver needs --address RIP (the real server to set up)');
  if (args.apply && args.check) throw new UsageError('--apply already checks before and after; use either --apply or --check');
  const desired = await loadDesiredOrExit(io, args.paths, { director: args.director });
  const needs = realServerNeeds(desired.table.services.values(), args.address);
  if ('error' in needs) throw new UsageError(needs.error);
  if (needs.uses.length === 0) {
    if (needs.natOnly.length) { io.stdout(renderNatOnly(needs)); return EXIT.ok; }
    io.stderr(`lvsync: ${needs.address} is not a real server of any declared service; check --address and the PATHs\n`);
    return EXIT.failure;
  }
  if (!args.apply && !args.check) { io.stdout(renderScript(needs)); return EXIT.ok; }
  const runner = io.runCommand ?? createExecRunner();
  if (args.check) {
    const results = await checkAll(runner, needs.requirements);
    io.stdout(renderCheck(needs, results));
    return results.every((r) => r.present) ? EXIT.ok : EXIT.failure;
  }
  const steps = await applyAll(runner, needs.requirements);
  const ok = steps.every((s) => s.status !== 'failed');
  (ok ? io.stdout : io.stderr)(renderApply(needs, steps));
  return ok ? EXIT.ok : EXIT.failure;
}
