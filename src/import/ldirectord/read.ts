import { isLdirectordKey } from './globals.js';
import { blockLine, indentWidth, isTopLevelSkip, splitLines, topLevelDirective } from './lines.js';
import type { Directive, SourceLine } from './lines.js';
import type { Sink } from './sink.js';

/**
 * The file's structure: top-level directives and `virtual=` blocks, in ldirectord's reading order
 * (`read_config`, ldirectord.in lines 1331-1797). A block is the `virtual=` line and the indented
 * lines right after it; the first line that is not indented ends it and is read again at the top
 * level (the `goto outer_loop` at line 1674).
 */

export interface VirtualBlock {
  readonly head: Directive;
  readonly body: readonly Directive[];
}

export interface ConfigFile {
  readonly globals: readonly Directive[];
  readonly virtuals: readonly VirtualBlock[];
}

const INI_HEADER = /^\s*\[[^\]]*\]\s*$/;

/** The directives of the file, or null when it is not an ldirectord file at all (one error says so). */
export function readConfig(text: string, sink: Sink): ConfigFile | null {
  const lines = splitLines(text);
  if (isForeign(lines, sink)) return null;
  const globals: Directive[] = [];
  const virtuals: VirtualBlock[] = [];
  // the blank line that ended the last block, for the message when indented lines follow it
  let endedByBlank: number | null = null;
  let sawBlock = false;
  let i = 0;
  while (i < lines.length) {
    const src = lines[i]!;
    const d = topLevelDirective(src);
    if (d && (d.key === 'virtual' || d.key === 'virtual6')) {
      const body: Directive[] = [];
      i++;
      for (; i < lines.length; i++) {
        const bl = blockLine(lines[i]!);
        if (bl.kind === 'end') break;
        if (bl.kind === 'directive') body.push(bl.directive);
        else if (bl.kind === 'blank-command') {
          sink.error('IMPORT_SYNTAX', { line: i + 1 }, 'a line of only blanks wider than 4 columns inside a virtual block: ldirectord reads it as an empty command and refuses it; make the line empty');
        } else if (bl.kind === 'other') {
          sink.error('IMPORT_SYNTAX', { line: i + 1, col: bl.col }, `not a directive: ${JSON.stringify(bl.text.trimEnd())} (ldirectord refuses it: "Unknown command"); write key=value`);
        }
      }
      virtuals.push({ head: d, body });
      sawBlock = true;
      endedByBlank = i < lines.length && /^\s*$/.test(lines[i]!.text) ? i + 1 : null;
      continue;
    }
    i++;
    if (isTopLevelSkip(src.text)) continue;
    if (/^\s/.test(src.text)) {
      sink.error('IMPORT_SYNTAX', { line: src.line, col: 1 }, strayIndentMessage(src, sawBlock, endedByBlank));
      continue;
    }
    endedByBlank = null;
    if (/^supervised\s*$/.test(src.text)) {
      // line 1746: accepted with a warning, as supervised=yes
      sink.unsupported(null, { line: src.line, col: 1 }, 'supervised: lvsync runs in the foreground under systemd (ldirectord reads a bare `supervised` as supervised=yes)');
      continue;
    }
    if (d) { globals.push(d); continue; }
    const ini = INI_HEADER.test(src.text) ? ' (an INI section header: ldirectord.cf has no sections)' : '';
    sink.error('IMPORT_SYNTAX', { line: src.line, col: 1 }, `not a directive: ${JSON.stringify(src.text.trimEnd())}${ini} (ldirectord refuses it: "Unknown command"); write key=value`);
  }
  return { globals, virtuals };
}

// an indented line at the top level: ldirectord takes it for an unknown command
function strayIndentMessage(src: SourceLine, sawBlock: boolean, endedByBlank: number | null): string {
  const what = `this indented line belongs to no virtual block, and ldirectord refuses it ("Unknown command")`;
  if (!sawBlock) return `${what}: it comes before any virtual= line`;
  if (indentWidth(src.text) < 4) return `${what}: lines of a virtual block must be indented by a tab or at least 4 spaces`;
  if (endedByBlank !== null) return `${what}: the empty line ${endedByBlank} ended the block (ldirectord ends a block at the first line that is not indented); delete it, or make it a # comment, which does not end a block`;
  return `${what}: the virtual block ended at the first line that was not indented`;
}

/**
 * A file whose first directive is not ldirectord's (an INI file with `[sections]`, keepalived.conf,
 * YAML) is refused with one error rather than one per line: ldirectord would stop at that line.
 */
function isForeign(lines: readonly SourceLine[], sink: Sink): boolean {
  const first = lines.find((l) => !isTopLevelSkip(l.text));
  if (!first) return false;
  const trimmed = first.text.trim();
  const key = /^([A-Za-z0-9_]+)\s*=/.exec(trimmed)?.[1];
  if ((key !== undefined && isLdirectordKey(key)) || /^supervised$/.test(trimmed)) return false;
  const header = lines.find((l) => INI_HEADER.test(l.text));
  const what = header === undefined ? `${JSON.stringify(trimmed)} is not an ldirectord directive`
    : header === first ? `${JSON.stringify(trimmed)} is an INI section header`
    : `it looks like an INI file (section ${header.text.trim()} on line ${header.line})`;
  sink.error('IMPORT_SYNTAX', { line: first.line, col: 1 },
    `not an ldirectord configuration: ${what}; ldirectord.cf holds key=value directives (checkinterval=10, quiescent=no) and virtual= lines, each followed by its indented directives`);
  return true;
}
