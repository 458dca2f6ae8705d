/**
 * The text of `lvsync --help`, as data: the commands and every option with its help, in the order
 * --help prints them. The man page and the shell completions are generated from the same rows
 * (packaging/man.ts, packaging/completion.ts); test/cli/option-table.test.ts checks that every option
 * the CLI parses (args.ts, options.ts) has a row here and appears in all of them.
 */

export const TITLE = 'lvsync — declare your IPVS (LVS) table in YAML, plan and apply it with ipvsadm';

/** The synopsis lines, after "Usage:"; continuation lines are indented to line up under the command. */
export const SYNOPSIS: readonly string[] = [
  'lvsync validate PATH...',
  'lvsync plan PATH... [--live FILE|-] [--format text|json|markdown] [--json] [--diff] [--out PLAN.json]',
  '                    [--detailed-exitcode] [--allow-mass-delete] [--health] [--lost-inventory delete|keep]',
  'lvsync plan PATH... --all-directors --live-dir DIR [--format text|json|markdown] [--detailed-exitcode]',
  'lvsync apply PATH... [--yes] [--per-command] [--allow-mass-delete] [--health] [--no-drain]',
  '                     [--lost-inventory delete|keep]',
  'lvsync apply PLAN.json [--yes] [--per-command]',
  'lvsync export [--live FILE|-]',
  'lvsync import ipvsadm|keepalived|ldirectord PATH [--out FILE] [--keep-vrrp FILE]',
  'lvsync status [PATH...] [--stats] [--rate] [--json]',
  'lvsync realserver PATH... --address RIP [--check | --apply]',
  'lvsync fleet-check PATH... [--pair lb1,lb2 ...] [--json]',
  'lvsync exabgp [--state-file FILE] [--poll 500ms]',
  'lvsync drain-director [--undo] [--timeout 60s] [--state-file FILE]',
  'lvsync watch PATH... [--interval 10s] [--detect-only] [--listen 127.0.0.1:9110] [--log-format auto|json|pretty]',
  '                     [--health-concurrency N] [--metrics-servers true|false] [--scrape-interval 15s]',
];

export const PATH_NOTE = 'PATH is a YAML file or a directory of *.yaml/*.yml files, merged together.';

export interface CommandHelp {
  readonly name: string;
  /** the description, as --help wraps it */
  readonly lines: readonly string[];
}

export const COMMANDS: readonly CommandHelp[] = [
  { name: 'validate', lines: ['check YAML syntax, the JSON schema and lvsync\'s rules; print file:line:col diagnostics'] },
  { name: 'plan', lines: ['show the minimal ipvsadm commands that turn the live table into the desired one'] },
  { name: 'apply', lines: ['plan, confirm (on a terminal), apply in one \'ipvsadm -R\' batch, re-read and verify'] },
  { name: 'export', lines: ['print the live table as an lvsync YAML document (to adopt a hand-made director)'] },
  { name: 'import', lines: [
    'turn another tool\'s configuration into an lvsync YAML document: an ipvsadm rules file',
    '(ipvsadm-save output, with or without -n), keepalived.conf or ldirectord.cf; the YAML',
    'on stdout, notes on stderr; exit 3 when the input is invalid',
  ] },
  { name: 'status', lines: [
    'the live table as people read it: each service, its real servers, weights, active and',
    'inactive connections; --stats adds counters, --rate the kernel\'s rates; with PATHs,',
    'names and whether each service is declared',
  ] },
  { name: 'realserver', lines: [
    'on a dr/tun real server: print the ip/sysctl commands it needs (VIP on lo or a tunnel',
    'device, ARP suppression, rp_filter); --check reports what is missing (exit 1 if any),',
    '--apply runs what is missing',
  ] },
  { name: 'fleet-check', lines: [
    'compare the desired tables of directors that must be identical (fleet.pairs or --pair);',
    'exit 1 if any pair differs (the sync daemon role may differ)',
  ] },
  { name: 'exabgp', lines: [
    'run by ExaBGP as a process: announce each anycast VIP while lvsync watch says this',
    'director is ready (the state file), withdraw it otherwise or when watch is gone',
  ] },
  { name: 'drain-director', lines: [
    'maintenance of an active-active director: withdraw every anycast VIP and wait until',
    'the traffic has moved; --undo announces them again (the mark survives restarts)',
  ] },
  { name: 'watch', lines: [
    'the director daemon: apply on config changes, detect and undo drift every --interval,',
    'serve /metrics, /healthz, /readyz and a status page; SIGHUP reloads, SIGTERM exits 0',
  ] },
];

export interface OptionHelp {
  /** as --help shows it: the flag (with its short form) and the value's name */
  readonly label: string;
  readonly lines: readonly string[];
}

export const OPTIONS: readonly OptionHelp[] = [
  { label: '--live FILE|-', lines: [
    'read a saved \'ipvsadm -S -n\' text instead of running ipvsadm (no root needed);',
    'a rules file with host and service names is read as \'ipvsadm -R\' reads it',
  ] },
  { label: '--out FILE', lines: ['import: write the YAML to FILE instead of stdout'] },
  { label: '--keep-vrrp FILE', lines: [
    'import keepalived: also write keepalived\'s configuration without its',
    'virtual_server blocks to FILE (keepalived keeps VRRP, lvsync the IPVS table)',
  ] },
  { label: '--format FORMAT', lines: ['text (default), json (a versioned document) or markdown (for a pull-request comment)'] },
  { label: '--json', lines: ['same as --format json'] },
  { label: '--out PLAN.json', lines: [
    'also save the plan with digests of the desired and live tables; \'apply PLAN.json\'',
    'applies exactly that plan and refuses it if the config or the live table changed',
  ] },
  { label: '--live-dir DIR', lines: ['plan: the live table is DIR/<director>.save (a directory of snapshots)'] },
  { label: '--all-directors', lines: ['plan: every director of the fleet, each from DIR/<name>.save, one section each'] },
  { label: '--pair A,B', lines: ['fleet-check: compare directors A and B (repeatable; default: the config\'s fleet.pairs)'] },
  { label: '--stats', lines: ['status: add the cumulative counters (connections, packets, bytes)'] },
  { label: '--rate', lines: ['status: add the kernel\'s rates (humanised; --json has the exact numbers)'] },
  { label: '--diff', lines: ['also print a unified diff of the canonical save text, live vs desired'] },
  { label: '--detailed-exitcode', lines: ['exit 2 when the plan has changes'] },
  { label: '-y, --yes', lines: ['apply without asking (apply never prompts without a terminal)'] },
  { label: '--per-command', lines: ['run one ipvsadm process per command instead of one -R batch'] },
  { label: '--allow-mass-delete', lines: ['allow plans that delete more than scope.maxDeleteShare of owned services'] },
  { label: '--health', lines: [
    'plan/apply: run one round of the declared health checks first; failed real',
    'servers are planned at weight 0 (or removed), with the reason',
  ] },
  { label: '--no-drain', lines: ['apply: delete real servers at once instead of draining their active connections'] },
  { label: '--lost-inventory WHAT', lines: [
    'plan/apply, after the inventory was lost (a STATE_FILE warning): the live services',
    'neither declared nor in the scope, which lvsync then keeps, were lvsync\'s',
    '(\'delete\': adopt and delete them) or not (\'keep\': leave them); either ends the notice',
  ] },
  { label: '--interval DURATION', lines: ['watch: how often to re-read the live table and correct drift (default 10s)'] },
  { label: '--detect-only', lines: ['watch: report drift and config changes, never change the kernel'] },
  { label: '--listen HOST:PORT', lines: ['watch: where to serve the endpoints (default 127.0.0.1:9110; \'off\' for none)'] },
  { label: '--log-format FORMAT', lines: ['watch: auto (pretty on a terminal, else JSON lines), json or pretty'] },
  { label: '--health-concurrency N', lines: [
    'watch: health checks in flight at most (default: what the open-file limit',
    'allows, ulimit -n / LimitNOFILE= minus 512; exec checks at most 64)',
  ] },
  { label: '--metrics-servers BOOL', lines: [
    'watch: per-real-server series in /metrics (default true; false keeps the',
    'per-service ones only: 11 series fewer per real server)',
  ] },
  { label: '--scrape-interval DURATION', lines: [
    'watch: the kernel\'s counters are read at most once per this for /metrics',
    'and the status page, whatever the number of scrapers (default 15s; set it',
    'to Prometheus\'s scrape_interval)',
  ] },
  { label: '--state-file FILE', lines: ['exabgp, drain-director: the anycast state file lvsync watch writes (default /run/lvsync/anycast.json)'] },
  { label: '--poll DURATION', lines: ['exabgp: how often to read the state file (default 500ms)'] },
  { label: '--undo', lines: ['drain-director: remove the mark, announce again, wait until announced'] },
  { label: '--timeout DURATION', lines: ['drain-director: how long to wait for the withdraw and the traffic to stop, or the announce (default 60s)'] },
  { label: '--address RIP', lines: ['realserver: the real server\'s address as declared'] },
  { label: '--check', lines: ['realserver: report what is missing on this host; exit 1 if anything is'] },
  { label: '--apply', lines: ['realserver: run the missing commands (idempotent); exit 1 if anything is still missing'] },
  { label: '--director NAME', lines: [
    'whose part of the desired state applies (`directors`, `overrides`; also',
    'LVSYNC_DIRECTOR; default: the host name)',
  ] },
  { label: '--ipvsadm PATH', lines: ['the ipvsadm binary (also LVSYNC_IPVSADM; default: ipvsadm on PATH)'] },
  { label: '--state-dir DIR', lines: ['where the inventory, drains, health states and the apply lock live (also LVSYNC_STATE_DIR; default /var/lib/lvsync)'] },
  { label: '--no-color', lines: ['plain output (also NO_COLOR)'] },
  { label: '-h, --help', lines: ['this text'] },
  { label: '--version', lines: ['the version'] },
];

export interface ExitCodeHelp {
  readonly code: number;
  readonly lines: readonly string[];
}

export const EXIT_CODES: readonly ExitCodeHelp[] = [
  { code: 0, lines: ['success, or no changes'] },
  { code: 1, lines: [
    'any other failure (ipvsadm failed, partial apply, refused plan, lock held;',
    'realserver --check found something missing, --apply could not set it up;',
    'plan --all-directors is missing a snapshot; fleet-check found a difference)',
  ] },
  { code: 2, lines: ['changes present (plan --detailed-exitcode only)'] },
  { code: 3, lines: ['invalid desired state (YAML, schema or rules); import: the input file is invalid'] },
  { code: 64, lines: ['usage error'] },
];

/** The flags an option row documents: `--live FILE|-` → ['--live'], `-h, --help` → ['-h', '--help']. */
export function rowFlags(row: OptionHelp): string[] {
  return row.label.split(/,? /).filter((word) => word.startsWith('-'));
}

const column = (text: string, width: number) => (text.length < width ? text.padEnd(width) : `${text} `);

/** The text `lvsync --help` prints. */
export function renderUsage(): string {
  const lines = [
    TITLE,
    '',
    'Usage:',
    ...SYNOPSIS.map((line) => `  ${line}`),
    '',
    PATH_NOTE,
    '',
    'Commands:',
    ...COMMANDS.flatMap((c) => c.lines.map((line, i) => (i === 0 ? `  ${column(c.name, 11)}${line}` : `${' '.repeat(13)}${line}`))),
    '',
    'Options:',
    ...OPTIONS.flatMap((o) => o.lines.map((line, i) => (i === 0 ? `  ${column(o.label, 23)}${line}` : `${' '.repeat(25)}${line}`))),
    '',
    'Exit codes:',
    ...EXIT_CODES.flatMap((e) => e.lines.map((line, i) => (i === 0 ? `  ${String(e.code).padEnd(4)}${line}` : `${' '.repeat(6)}${line}`))),
  ];
  return `${lines.join('\n')}\n`;
}

export const USAGE = renderUsage();
