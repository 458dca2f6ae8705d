import { GLOBAL_OPTIONS } from '../src/cli/args.js';
import { OPTIONS, rowFlags, type OptionHelp } from '../src/cli/help.js';
import { COMMAND_OPTIONS, OPTION_VALUES, type OptionValue } from '../src/cli/options.js';

/**
 * The CLI's options joined with their help rows: what the man page and the completions are made
 * from. Every option the CLI parses is here, for each command that takes it.
 */
export interface CliOption {
  /** `--live` */
  readonly flag: string;
  /** `-y`, when the option has a short form */
  readonly short?: string;
  readonly takesValue: boolean;
  readonly repeatable: boolean;
  readonly value?: OptionValue;
  /** the first line of its help row (the man page has the whole row) */
  readonly summary: string;
}

interface ParseOption { readonly type: 'string' | 'boolean'; readonly short?: string; readonly multiple?: boolean }

/**
 * The help row that documents a flag for a command; undefined when none does (test/cli/option-table.test.ts
 * fails then). A flag with two rows (--out FILE for import, --out PLAN.json for plan) has one that
 * names its command ("import: …"); the other is everyone else's.
 */
export function helpRowOf(flag: string, command?: string): OptionHelp | undefined {
  const rows = OPTIONS.filter((row) => rowFlags(row).includes(flag));
  const scopedTo = (row: OptionHelp) => /^([a-z-]+)[ :]/.exec(row.lines[0] ?? '')?.[1];
  return rows.find((row) => scopedTo(row) === command)
    ?? rows.find((row) => !COMMAND_NAMES.includes(scopedTo(row) as keyof typeof COMMAND_OPTIONS))
    ?? rows[0];
}

// one clause of the help text: up to the first "; ", without a parenthesis the cut left open
function summarize(lines: readonly string[]): string {
  let text = lines.join(' ').split('; ')[0]!;
  if ((text.match(/\(/g) ?? []).length > (text.match(/\)/g) ?? []).length) text = text.slice(0, text.lastIndexOf('(')).trimEnd();
  return text;
}

function toCliOption(command: string, name: string, spec: ParseOption): CliOption {
  const flag = `--${name}`;
  const value = OPTION_VALUES[name];
  return {
    flag,
    ...(spec.short === undefined ? {} : { short: `-${spec.short}` }),
    takesValue: spec.type === 'string',
    repeatable: spec.multiple === true,
    ...(value === undefined ? {} : { value }),
    summary: summarize(helpRowOf(flag, command)?.lines ?? []),
  };
}

export const COMMAND_NAMES = Object.keys(COMMAND_OPTIONS) as (keyof typeof COMMAND_OPTIONS)[];

/** The options `lvsync COMMAND` accepts: its own, then the global ones. */
export function optionsOf(command: keyof typeof COMMAND_OPTIONS): CliOption[] {
  const own = Object.entries(COMMAND_OPTIONS[command] as Record<string, ParseOption>);
  return [...own, ...Object.entries(GLOBAL_OPTIONS as Record<string, ParseOption>)].map(([name, spec]) => toCliOption(command, name, spec));
}

/** Every flag the CLI parses, long and short, once each. */
export function allFlags(): string[] {
  const flags = COMMAND_NAMES.flatMap((c) => optionsOf(c).flatMap((o) => (o.short ? [o.flag, o.short] : [o.flag])));
  return [...new Set(flags)].sort();
}
