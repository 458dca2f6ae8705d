import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_STATE_DIR } from '../state/inventory.js';
import { UsageError } from './io.js';

export const GLOBAL_OPTIONS = {
  ipvsadm: { type: 'string' },
  'state-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  director: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export interface GlobalArgs {
  readonly ipvsadm: string;
  readonly stateDir: string;
  readonly color: boolean;
  /** whose part of the desired state applies (`directors`, `overrides`); default: the host name */
  readonly director: string;
}

/** node:util parseArgs with lvsync's global options; unknown options are usage errors (exit 64). */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function globalArgs(values: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>, color: boolean, hostname: () => string = () => ''): GlobalArgs {
  const director = (values.director as string | undefined) ?? env.LVSYNC_DIRECTOR ?? hostname();
  if (director === '') throw new UsageError('--director needs a director name');
  return {
    director,
    ipvsadm: (values.ipvsadm as string | undefined) ?? env.LVSYNC_IPVSADM ?? 'ipvsadm',
    stateDir: (values['state-dir'] as string | undefined) ?? env.LVSYNC_STATE_DIR ?? DEFAULT_STATE_DIR,
    color: color && !values['no-color'] && !env.NO_COLOR,
  };
}
