import { writeFile } from 'node:fs/promises';
import { parseDesiredSources } from '../../desired/parse.js';
import { hasErrors } from '../../diagnostics.js';
import { importIpvsadm } from '../../import/ipvsadm/index.js';
import { noteDiagnostic, renderImport } from '../../import/render.js';
import { fileSources } from '../../import/sources.js';
import type { ImportResult, ImportSources } from '../../import/types.js';
import { readRulesFile } from '../../live/read-rules.js';
import { EXIT } from '../exit-codes.js';
import { UsageError, type CliIo } from '../io.js';
import { namesOf, printDiagnostics } from '../shared.js';

export const IMPORT_KINDS = ['ipvsadm', 'keepalived', 'ldirectord'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface ImportArgs {
  readonly kind: ImportKind;
  readonly path: string;
  /** write the YAML here instead of stdout */
  readonly out?: string | undefined;
  /** keepalived only: write keepalived's configuration without its virtual_server blocks here (the importer makes it) */
  readonly keepVrrp?: string | undefined;
}

const WHAT: Record<ImportKind, string> = {
  ipvsadm: 'an ipvsadm rules file',
  keepalived: 'a keepalived configuration',
  ldirectord: 'an ldirectord configuration',
};

/**
 * `lvsync import KIND PATH [--out FILE]`: another tool's configuration as an lvsync document. The
 * YAML goes to stdout (or FILE), the notes to stderr. Exit 0 when the document is a valid config
 * (warnings allowed), 3 when the input is invalid (nothing is written), 1 when the document lvsync
 * made does not validate, which is lvsync's bug.
 */
export async function importCommand(io: CliIo, args: ImportArgs, sources: ImportSources = fileSources()): Promise<number> {
  if (args.keepVrrp !== undefined && args.kind !== 'keepalived') throw new UsageError(`--keep-vrrp is for keepalived imports only (got ${args.kind})`);
  const result = await runImporter(io, args, sources);
  if (result === null) return EXIT.invalid;
  printDiagnostics(io, result.notes.map(noteDiagnostic));
  const errors = result.notes.filter((n) => n.severity === 'error').length;
  if (errors > 0) {
    io.stderr(`lvsync: ${args.path} cannot be imported (${errors} error${errors === 1 ? '' : 's'}); nothing was written.\n`);
    return EXIT.invalid;
  }
  const yaml = renderImport(result, [`Imported by lvsync from ${args.path} (${WHAT[args.kind]}).`, 'Review names and add a scope before committing it.']);
  // what lvsync writes must be what lvsync reads: the document goes through the whole desired pipeline
  const written = args.out ?? '<stdout>';
  const check = parseDesiredSources([{ file: written, text: yaml }]);
  printDiagnostics(io, check.diagnostics);
  if (hasErrors(check.diagnostics) || !check.state) {
    io.stderr(`lvsync: bug: the document imported from ${args.path} does not pass lvsync's own validation (above), so nothing was written. Please report it with the input file (unless ipvsadm or the kernel refuse the same table).\n`);
    return EXIT.failure;
  }
  if (args.keepVrrp !== undefined && result.vrrp !== undefined) await writeFile(args.keepVrrp, result.vrrp);
  if (args.out !== undefined) await writeFile(args.out, yaml);
  else io.stdout(yaml);
  return EXIT.ok;
}

/** What an importer returns; keepalived's, with --keep-vrrp, also the configuration keepalived keeps. */
type Imported = ImportResult & { readonly vrrp?: string };

/** The importer's result, or null (reported) when the file cannot be read at all. */
async function runImporter(io: CliIo, args: ImportArgs, sources: ImportSources): Promise<Imported | null> {
  switch (args.kind) {
    case 'ipvsadm': {
      const text = sources.read(args.path);
      if (text === null) {
        io.stderr(`${args.path}: error[IMPORT_SYNTAX]: no such file\n`);
        return null;
      }
      return importIpvsadm(args.path, await readRulesFile(text, args.path, namesOf(io)));
    }
    case 'keepalived':
      return (await import('../../import/keepalived/index.js')).importKeepalived(args.path, sources, args.keepVrrp === undefined ? {} : { keepVrrp: args.keepVrrp });
    case 'ldirectord':
      // getservbyname, as ldirectord does it: the host's /etc/services, then lvsync's built-in table
      return (await import('../../import/ldirectord/index.js')).importLdirectord(args.path, sources, { port: (name, proto) => namesOf(io).port(name, proto)?.port ?? null });
  }
}
