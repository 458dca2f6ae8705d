import { COMMANDS } from '../src/cli/help.js';
import { IMPORT_KINDS } from '../src/cli/commands/import.js';
import { COMMAND_NAMES, optionsOf, type CliOption } from './cli-table.js';

/**
 * Bash and zsh completion for lvsync, generated from the option table the CLI parses with
 * (src/cli/options.ts, args.ts) and the help rows (src/cli/help.ts): the commands, each command's
 * flags, and the values of the flags that have a fixed set (--format text|json|markdown), a file or
 * a directory.
 */

const words = (list: readonly string[]) => list.join(' ');

function bashValueCase(options: readonly CliOption[]): string[] {
  const byKind = new Map<string, string[]>();
  for (const o of options) {
    if (!o.takesValue) continue;
    const action = o.value === undefined ? 'return' // free text (an address, a duration): nothing to offer
      : o.value === 'file' ? 'COMPREPLY=($(compgen -f -- "$cur")); return'
        : o.value === 'directory' ? 'COMPREPLY=($(compgen -d -- "$cur")); return'
          : `COMPREPLY=($(compgen -W "${words(o.value)}" -- "$cur")); return`;
    byKind.set(action, [...new Set([...(byKind.get(action) ?? []), o.flag, ...(o.short ? [o.short] : [])])]);
  }
  return [...byKind].map(([action, flags]) => `    ${flags.sort().join('|')}) ${action} ;;`);
}

export function renderBashCompletion(): string {
  const all = COMMAND_NAMES.flatMap(optionsOf);
  return `# bash completion for lvsync(1); generated from lvsync's option table by packaging/completion.ts
_lvsync() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${words(COMMANDS.map((c) => c.name))} --help --version" -- "$cur"))
    return
  fi
  case "$prev" in
${bashValueCase(all).join('\n')}
  esac
  local flags
  case "\${COMP_WORDS[1]}" in
${COMMAND_NAMES.map((c) => `    ${c}) flags="${words(optionsOf(c).flatMap((o) => (o.short ? [o.flag, o.short] : [o.flag])))}" ;;`).join('\n')}
    *) return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [[ "\${COMP_WORDS[1]}" == import && $COMP_CWORD -eq 2 ]]; then
    COMPREPLY=($(compgen -W "${words(IMPORT_KINDS)}" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _lvsync lvsync
`;
}

// inside an _arguments spec, [ ] : and ' need escaping; the summary is one line of --help
const zshText = (text: string) => text.replace(/([[\]:\\])/g, '\\$1').replaceAll("'", "'\\''");

function zshSpec(o: CliOption): string {
  const names = o.short ? `{${o.short},${o.flag}}` : o.flag;
  const head = `${o.repeatable ? '*' : ''}${names}'[${zshText(o.summary)}]`;
  if (!o.takesValue) return `${head}'`;
  const action = o.value === undefined ? ' ' : o.value === 'file' ? '_files' : o.value === 'directory' ? '_files -/' : `(${words(o.value)})`;
  return `${head}:${o.flag.slice(2)}:${action}'`;
}

export function renderZshCompletion(): string {
  return `#compdef lvsync
# zsh completion for lvsync(1); generated from lvsync's option table by packaging/completion.ts
_lvsync() {
  local -a commands
  commands=(
${COMMANDS.map((c) => `    '${c.name}:${zshText(c.lines[0]!)}'`).join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'lvsync command' commands
    return
  fi
  local command=$words[2]
  shift words
  (( CURRENT-- ))
  case $command in
${COMMAND_NAMES.map((c) => `    ${c})
      _arguments -s \\
${optionsOf(c).map((o) => `        ${zshSpec(o)} \\`).join('\n')}
        ${c === 'import' ? `'1:kind:(${words(IMPORT_KINDS)})' '2:file:_files'` : "'*:PATH:_files'"} ;;`).join('\n')}
  esac
}
_lvsync "$@"
`;
}
