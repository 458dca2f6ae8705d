import type { ImportNote } from '../types.js';
import type { Context } from './grammar.js';
import { TOP } from './grammar.js';
import type { Item } from './reader.js';
import type { Word } from './text.js';

/**
 * process_stream() of keepalived 2.2.7 (lib/parser.c): the statement stream as a tree of blocks.
 * What keepalived only warns about and goes on (an unknown keyword) is a warning; what makes
 * `keepalived -t` fail because the blocks no longer nest as written is an IMPORT_SYNTAX error with
 * the line and column: a block keyword without its `{` (CONFIG_MISSING_BOB; keepalived reads on as
 * if it were there, so the tree does too and the rest of the file is not misread), a `{` where no
 * block may start (CONFIG_UNEXPECTED_BOB: keepalived ignores it and the matching `}` then closes the
 * enclosing block), a `}` too many (CONFIG_UNEXPECTED_EOB), a block never closed (CONFIG_MISSING_EOB).
 */

export interface Node {
  readonly keyword: string;
  /** the statement's words, the keyword first */
  readonly words: readonly Word[];
  readonly item: Item;
  /** null for a keyword without a block */
  readonly children: readonly Node[] | null;
  readonly open: Item | null;
  readonly close: Item | null;
}

export interface Tree {
  readonly nodes: readonly Node[];
  readonly notes: readonly ImportNote[];
}

type Mode = { readonly kind: 'context'; readonly context: Context } | { readonly kind: 'values' } | { readonly kind: 'generic' };

const GENERIC: Mode = { kind: 'generic' };

export function buildTree(items: readonly Item[]): Tree {
  const notes: ImportNote[] = [];
  let i = 0;
  const error = (message: string, item: Item, col = item.at.col) => {
    notes.push({ severity: 'error', code: 'IMPORT_SYNTAX', message, at: { file: item.at.file, line: item.at.line, col } });
  };

  const body = (mode: Mode, depth: number): { children: Node[]; close: Item | null } => {
    const children: Node[] = [];
    while (i < items.length) {
      const item = items[i]!;
      i++;
      if (item.kind === 'close') {
        if (depth > 0) return { children, close: item };
        error('`}` closes no block (keepalived: "Extra \'}\' found"); remove it or add the `{` it belongs to', item);
        continue;
      }
      if (item.kind === 'open') {
        error('`{` where no block can start (keepalived ignores it and its `}` then closes the enclosing block); remove it, or put it after the keyword it belongs to', item);
        body(GENERIC, depth + 1);
        continue;
      }
      const keyword = item.words[0]!.text;
      const next = items[i];
      const opens = next?.kind === 'open';
      const node = (children: Node[] | null, open: Item | null, close: Item | null): Node => ({ keyword, words: item.words, item, children, open, close });
      const generic = (): Node => {
        i++;
        const sub = body(GENERIC, depth + 1);
        if (!sub.close) error(`the block of \`${keyword}\` is not closed: a \`}\` is missing`, item);
        return node(sub.children, next!, sub.close);
      };
      if (mode.kind === 'values') {
        if (opens) {
          error('a value block holds one value per line; this `{` opens nothing (keepalived ignores it)', next!);
          children.push(generic());
        } else children.push(node(null, null, null));
        continue;
      }
      if (mode.kind === 'generic') {
        children.push(opens ? generic() : node(null, null, null));
        continue;
      }
      const kind = mode.context.keywords.get(keyword);
      if (kind === undefined) {
        if (opens) {
          error(`\`${keyword}\` is not a keyword keepalived 2.2.7 knows in ${mode.context.name}, and it opens a block: keepalived would ignore the \`{\` and the block's \`}\` would close ${mode.context.name === 'top' ? 'nothing' : `the enclosing ${mode.context.name}`}; fix or remove it`, item);
          children.push(generic());
        } else {
          notes.push({ severity: 'warning', code: 'IMPORT_UNKNOWN', message: `unknown keyword \`${keyword}\` in ${mode.context.name === 'top' ? 'the top level' : mode.context.name}: keepalived warns and ignores it ("Unknown keyword"), and so does the import`, at: item.at });
          children.push(node(null, null, null));
        }
        continue;
      }
      if (kind.kind === 'leaf') {
        if (opens) {
          error(`\`${keyword}\` takes no block: keepalived would ignore this \`{\` and its \`}\` would close the enclosing block`, next!);
          children.push(generic());
        } else children.push(node(null, null, null));
        continue;
      }
      if (opens) i++;
      else error(`\`${keyword}\` opens a block but its \`{\` is missing (keepalived: "Missing '{' at beginning of configuration block"); add \`{\` at the end of this line`, item, item.endCol);
      const mode2: Mode = kind.kind === 'block' ? { kind: 'context', context: kind.context } : kind.kind === 'values' ? { kind: 'values' } : GENERIC;
      const sub = body(mode2, depth + 1);
      if (!sub.close) error(`the block of \`${keyword}\` opened here is not closed: a \`}\` is missing (keepalived: "There are missing '}'s")`, item);
      children.push(node(sub.children, opens ? next! : null, sub.close));
    }
    return { children, close: null };
  };

  const { children } = body({ kind: 'context', context: TOP }, 0);
  return { nodes: children, notes };
}
