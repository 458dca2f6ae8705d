import { COMMANDS, EXIT_CODES, OPTIONS, PATH_NOTE, SYNOPSIS, TITLE } from '../src/cli/help.js';

/**
 * lvsync(1), generated from the rows that print `lvsync --help` (src/cli/help.ts), so the two cannot
 * disagree: the same synopsis, commands, options and exit codes, plus the environment and files a
 * packaged install uses.
 */

// roff: a backslash is \e, every hyphen a minus sign (flags are typed as such), and a line that
// begins with . or ' would be a request
function esc(text: string): string {
  return text.replaceAll('\\', '\\e').replaceAll('-', '\\-').replace(/^([.'])/gm, '\\&$1');
}

const joined = (lines: readonly string[]) => esc(lines.join(' '));

// `--live FILE|-` → bold flag, italic value
function optionLabel(label: string): string {
  return label.split(', ').map((part) => {
    const [flag, value] = part.split(' ');
    return value === undefined ? `\\fB${esc(flag!)}\\fR` : `\\fB${esc(flag!)}\\fR \\fI${esc(value)}\\fR`;
  }).join(', ');
}

const ENVIRONMENT: readonly [string, string][] = [
  ['LVSYNC_DIRECTOR', 'the director name, as --director'],
  ['LVSYNC_IPVSADM', 'the ipvsadm binary, as --ipvsadm'],
  ['LVSYNC_STATE_DIR', 'the state directory, as --state-dir'],
  ['NO_COLOR', 'plain output, as --no-color'],
  ['LVSYNC_DEBUG', 'print the stack of an unexpected error'],
];

const FILES: readonly [string, string][] = [
  ['/etc/lvsync/desired/', 'the desired state the packaged lvsync.service watches'],
  ['/var/lib/lvsync/', 'the default state directory: the inventory, drains, health states and the apply lock'],
  ['/usr/share/lvsync/schema/desired-state.v1.schema.json', 'the JSON schema of the desired state, for editors'],
  ['/lib/systemd/system/lvsync.service', 'the watch daemon (installed, not enabled)'],
];

/** The page, for `version` and a date (YYYY-MM-DD). */
export function renderManPage(version: string, date: string): string {
  const [name, description] = TITLE.split(' — ');
  const out = [
    `.TH LVSYNC 1 "${date}" "lvsync ${version}" "User Commands"`,
    '.SH NAME',
    `${esc(name!)} \\- ${esc(description!)}`,
    '.SH SYNOPSIS',
    '.nf',
    ...SYNOPSIS.map(esc),
    '.fi',
    '.SH DESCRIPTION',
    'lvsync reads the desired IPVS table from YAML files checked against a JSON schema and named rules,',
    'plans the minimal ordered ipvsadm commands that turn the live table into it without touching what',
    'lvsync does not own, applies them in one ipvsadm \\-R batch, and keeps a director converged as a daemon.',
    '.PP',
    esc(PATH_NOTE),
    '.SH COMMANDS',
    ...COMMANDS.flatMap((c) => ['.TP', `.B ${esc(c.name)}`, joined(c.lines)]),
    '.SH OPTIONS',
    ...OPTIONS.flatMap((o) => ['.TP', optionLabel(o.label), joined(o.lines)]),
    '.SH EXIT STATUS',
    ...EXIT_CODES.flatMap((e) => ['.TP', `.B ${e.code}`, joined(e.lines)]),
    '.SH ENVIRONMENT',
    ...ENVIRONMENT.flatMap(([n, d]) => ['.TP', `.B ${esc(n)}`, esc(d)]),
    '.SH FILES',
    ...FILES.flatMap(([n, d]) => ['.TP', `.I ${esc(n)}`, esc(d)]),
    '.SH SEE ALSO',
    '.BR ipvsadm (8),',
    '.BR keepalived (8),',
    '.BR ldirectord (8),',
    '.BR systemd.service (5)',
  ];
  return `${out.join('\n')}\n`;
}
