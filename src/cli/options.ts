import type { ParseArgsConfig } from 'node:util';

/**
 * Each command's options as node:util parseArgs reads them (the global ones are in args.ts). This is
 * the table the CLI parses with; help.ts documents every option in it, and the man page and the
 * shell completions (packaging/man.ts, packaging/completion.ts) are generated from both, so a flag
 * added here fails test/cli/option-table.test.ts until it is documented.
 */
export const COMMAND_OPTIONS = {
  validate: {},
  plan: {
    live: { type: 'string' }, json: { type: 'boolean' }, diff: { type: 'boolean' },
    'detailed-exitcode': { type: 'boolean' }, 'allow-mass-delete': { type: 'boolean' },
    out: { type: 'string' }, format: { type: 'string' }, health: { type: 'boolean' },
    'live-dir': { type: 'string' }, 'all-directors': { type: 'boolean' }, 'lost-inventory': { type: 'string' },
  },
  apply: {
    yes: { type: 'boolean', short: 'y' }, 'per-command': { type: 'boolean' }, 'allow-mass-delete': { type: 'boolean' },
    health: { type: 'boolean' }, 'no-drain': { type: 'boolean' }, 'lost-inventory': { type: 'string' },
  },
  export: { live: { type: 'string' } },
  import: { out: { type: 'string' }, 'keep-vrrp': { type: 'string' } },
  status: { json: { type: 'boolean' }, stats: { type: 'boolean' }, rate: { type: 'boolean' } },
  realserver: { address: { type: 'string' }, apply: { type: 'boolean' }, check: { type: 'boolean' } },
  'fleet-check': { pair: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  exabgp: { 'state-file': { type: 'string' }, poll: { type: 'string' } },
  'drain-director': { undo: { type: 'boolean' }, timeout: { type: 'string' }, 'state-file': { type: 'string' } },
  watch: {
    interval: { type: 'string' }, 'detect-only': { type: 'boolean' }, listen: { type: 'string' },
    'per-command': { type: 'boolean' }, 'allow-mass-delete': { type: 'boolean' }, 'log-format': { type: 'string' },
    'health-concurrency': { type: 'string' }, 'metrics-servers': { type: 'string' }, 'scrape-interval': { type: 'string' },
  },
} as const satisfies Record<string, NonNullable<ParseArgsConfig['options']>>;

export type CommandName = keyof typeof COMMAND_OPTIONS;

/** What an option's value can be, for the shell completions: a fixed set of words, a file or a directory. */
export type OptionValue = readonly string[] | 'file' | 'directory';

/** The values of the string options that are completed (others take free text: an address, a duration). */
export const OPTION_VALUES: Readonly<Record<string, OptionValue>> = {
  format: ['text', 'json', 'markdown'],
  'log-format': ['auto', 'json', 'pretty'],
  'lost-inventory': ['delete', 'keep'],
  'metrics-servers': ['true', 'false'],
  live: 'file',
  'live-dir': 'directory',
  out: 'file',
  'keep-vrrp': 'file',
  ipvsadm: 'file',
  'state-dir': 'directory',
  'state-file': 'file',
};
