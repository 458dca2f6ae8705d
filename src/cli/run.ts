import { IpvsadmError, IpvsadmUnavailableError } from '../ipvsadm/port.js';
import { buildInfo } from '../package-files.js';
import { LockedError } from '../state/lock.js';
import type { LostInventoryResolution } from '../plan/lost-inventory.js';
import { globalArgs, parseCommandArgs } from './args.js';
import { CommandExit, EXIT } from './exit-codes.js';
import { USAGE } from './help.js';
import { COMMAND_OPTIONS } from './options.js';
import { UsageError, type CliIo } from './io.js';

export function version(): string {
  return buildInfo().version;
}

/** `lvsync --version`: the package version and the commit the build was made from (packaging/build-info.ts). */
export function versionLine(): string {
  const { version, commit } = buildInfo();
  return `lvsync ${version} (commit ${commit})\n`;
}

/** Parse → call → render → exit code. The one catch site that turns errors into exit codes. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout(USAGE);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === '--version') { io.stdout(versionLine()); return EXIT.ok; }
    return await dispatch(command, rest, io);
  } catch (err) {
    if (err instanceof CommandExit) return err.code;
    if (err instanceof UsageError) {
      io.stderr(`lvsync: ${err.message}\nRun 'lvsync --help' for usage.\n`);
      return EXIT.usage;
    }
    if (err instanceof IpvsadmError || err instanceof IpvsadmUnavailableError || err instanceof LockedError) {
      io.stderr(`lvsync: ${err.message}\n`);
      return EXIT.failure;
    }
    io.stderr(`lvsync: ${err instanceof Error ? err.message : String(err)}\n`);
    if (io.env.LVSYNC_DEBUG && err instanceof Error) io.stderr(`${err.stack}\n`);
    return EXIT.failure;
  }
}

/** --lost-inventory delete|keep (src/plan/lost-inventory.ts) */
function lostInventoryArg(value: string | undefined): LostInventoryResolution | null {
  if (value === undefined) return null;
  if (value !== 'delete' && value !== 'keep') throw new UsageError(`--lost-inventory must be delete or keep (got ${value})`);
  return value;
}

// Each command's modules are imported when it runs: `lvsync apply` does not load the daemon's HTTP
// server, chokidar, pino and prom-client. Module loading was ~10 s of every CLI run in the TCG VM
// (`lvsync --help` 10.0 s vs `node -e 0` 0.46 s, bench/profiles/vm-apply-cold-10kx4-20261201.txt).
async function dispatch(command: string, argv: string[], io: CliIo): Promise<number> {
  switch (command) {
    case 'validate': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS.validate);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      return (await import('./commands/validate.js')).validateCommand(io, globalArgs(values, io.env, io.color, io.hostname), positionals);
    }
    case 'plan': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS.plan);
      const format = values.format ?? 'text';
      if (format !== 'text' && format !== 'json' && format !== 'markdown') throw new UsageError(`--format must be text, json or markdown (got ${format})`);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      return (await import('./commands/plan.js')).planCommand(io, globalArgs(values, io.env, io.color, io.hostname), {
        paths: positionals, live: values.live, json: values.json === true, diff: values.diff === true,
        detailedExitcode: values['detailed-exitcode'] === true, allowMassDelete: values['allow-mass-delete'] === true,
        out: values.out, format, health: values.health === true, liveDir: values['live-dir'], allDirectors: values['all-directors'] === true,
        lostInventory: lostInventoryArg(values['lost-inventory']),
      });
    }
    case 'apply': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS.apply);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      return (await import('./commands/apply.js')).applyCommand(io, globalArgs(values, io.env, io.color, io.hostname), {
        paths: positionals, yes: values.yes === true, perCommand: values['per-command'] === true, allowMassDelete: values['allow-mass-delete'] === true,
        health: values.health === true, noDrain: values['no-drain'] === true, lostInventory: lostInventoryArg(values['lost-inventory']),
      });
    }
    case 'export': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS.export);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      if (positionals.length) throw new UsageError(`export takes no PATH (got ${positionals.join(' ')})`);
      return (await import('./commands/export.js')).exportCommand(io, globalArgs(values, io.env, io.color, io.hostname), values.live);
    }
    case 'import': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS.import);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      const [kind, path, ...extra] = positionals;
      const command = await import('./commands/import.js');
      if (kind === undefined || path === undefined) throw new UsageError(`import needs KIND and PATH: lvsync import ${command.IMPORT_KINDS.join('|')} PATH`);
      if (!(command.IMPORT_KINDS as readonly string[]).includes(kind)) throw new UsageError(`import KIND must be ${command.IMPORT_KINDS.join(', ')} (got ${kind})`);
      if (extra.length) throw new UsageError(`import takes one PATH (got ${positionals.slice(1).join(' ')})`);
      return command.importCommand(io, { kind: kind as typeof command.IMPORT_KINDS[number], path, out: values.out, keepVrrp: values['keep-vrrp'] });
    }
    case 'status': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS.status);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      return (await import('./commands/status.js')).statusCommand(io, globalArgs(values, io.env, io.color, io.hostname), {
        paths: positionals, json: values.json === true, stats: values.stats === true, rates: values.rate === true,
      });
    }
    case 'watch': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS.watch);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      return (await import('./commands/watch.js')).watchCommand(io, globalArgs(values, io.env, io.color, io.hostname), {
        paths: positionals, interval: values.interval, detectOnly: values['detect-only'] === true, listen: values.listen,
        perCommand: values['per-command'] === true, allowMassDelete: values['allow-mass-delete'] === true,
        logFormat: values['log-format'], healthConcurrency: values['health-concurrency'],
        metricsServers: values['metrics-servers'], scrapeInterval: values['scrape-interval'], version: version(),
      });
    }
    case 'realserver': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS.realserver);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      const { director } = globalArgs(values, io.env, io.color, io.hostname);
      return (await import('./commands/realserver.js')).realServerCommand(io, { paths: positionals, address: values.address, apply: values.apply === true, check: values.check === true, director });
    }
    case 'fleet-check': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS['fleet-check']);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      if (values.director !== undefined) throw new UsageError('fleet-check compares the directors of each pair; use --pair lb1,lb2 rather than --director');
      return (await import('./commands/fleet-check.js')).fleetCheckCommand(io, { paths: positionals, pairs: values.pair ?? [], json: values.json === true });
    }
    case 'exabgp': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS.exabgp);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      if (positionals.length) throw new UsageError(`exabgp takes no PATH: it reads the state file lvsync watch writes (got ${positionals.join(' ')})`);
      return (await import('./commands/exabgp.js')).exabgpCommand(io, { stateFile: values['state-file'], poll: values.poll });
    }
    case 'drain-director': {
      const { values, positionals } = parseCommandArgs(argv, COMMAND_OPTIONS['drain-director']);
      if (values.help) { io.stdout(USAGE); return EXIT.ok; }
      if (positionals.length) throw new UsageError(`drain-director takes no PATH (got ${positionals.join(' ')})`);
      return (await import('./commands/drain-director.js')).drainDirectorCommand(io, globalArgs(values, io.env, io.color, io.hostname), {
        undo: values.undo === true, timeout: values.timeout, stateFile: values['state-file'],
      });
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}
