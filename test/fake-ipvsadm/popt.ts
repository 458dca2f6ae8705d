/**
 * The slice of popt 1.19 that ipvsadm's command line goes through (poptGetNextOpt, poptGetArg,
 * poptBadOption), reproduced for its quirks: glued short options (-At, -srr, -p60, even -s=rr),
 * --long=value, optional arguments that are only taken when the next word does not start with '-',
 * "--" ending option processing, and the "bad option" being the whole last word consumed.
 */

export interface PoptOption {
  readonly long?: string;
  readonly short?: string;
  /** 'optional' = POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL */
  readonly arg: 'none' | 'string' | 'optional';
  readonly val: number;
}

export type PoptResult =
  | { readonly kind: 'option'; readonly val: number; readonly arg: string | undefined }
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly message: 'missing argument' | 'unknown option'; readonly badOption: string };

export class Popt {
  private next = 0;
  /** rest of a short-option cluster; '' is a live (empty) cluster, as popt's non-NULL pointer */
  private nextCharArg: string | null = null;
  private restLeftover = false;
  private readonly leftovers: string[] = [];
  private nextLeftover = 0;

  /** argv without the program name */
  constructor(
    private readonly argv: readonly string[],
    private readonly options: readonly PoptOption[],
  ) {}

  private bad(message: 'missing argument' | 'unknown option'): PoptResult {
    return { kind: 'error', message, badOption: this.argv[this.next - 1] ?? '' };
  }

  getNextOpt(): PoptResult {
    for (;;) {
      if (this.nextCharArg === null && this.next === this.argv.length) return { kind: 'end' };
      let opt: PoptOption | undefined;
      let longArg: string | undefined;
      if (this.nextCharArg === null) {
        const word = this.argv[this.next++]!;
        if (this.restLeftover || word[0] !== '-' || word === '-') {
          this.leftovers.push(word);
          continue;
        }
        if (word === '--') {
          this.restLeftover = true;
          continue;
        }
        const doubleDash = word[1] === '-';
        const body = word.slice(doubleDash ? 2 : 1);
        if (doubleDash) {
          const eq = body.indexOf('=');
          const name = eq >= 0 ? body.slice(0, eq) : body;
          if (eq >= 0) longArg = body.slice(eq + 1);
          opt = this.options.find((o) => o.long === name);
          if (!opt) return this.bad('unknown option');
        } else {
          // no ipvsadm option is POPT_ARGFLAG_ONEDASH, so "-xyz" is always a short-option cluster
          this.nextCharArg = body;
        }
      }
      if (this.nextCharArg !== null) {
        const cluster = this.nextCharArg;
        this.nextCharArg = null;
        const ch = cluster[0];
        opt = ch === undefined ? undefined : this.options.find((o) => o.short === ch);
        if (!opt) return this.bad('unknown option');
        const rest = cluster.slice(1);
        if (rest !== '') this.nextCharArg = rest[0] === '=' ? rest.slice(1) : rest;
      }
      if (!opt) return this.bad('unknown option');
      let arg: string | undefined;
      if (opt.arg !== 'none') {
        if (longArg !== undefined) arg = longArg;
        else if (this.nextCharArg !== null) {
          arg = this.nextCharArg;
          this.nextCharArg = null;
        } else if (this.next === this.argv.length) {
          if (opt.arg !== 'optional') return this.bad('missing argument');
        } else if (opt.arg === 'optional' && this.argv[this.next]![0] === '-') {
          arg = undefined;
        } else {
          arg = this.argv[this.next++];
        }
      }
      return { kind: 'option', val: opt.val, arg };
    }
  }

  /** poptBadOption(POPT_BADOPTION_NOALIAS): the last word consumed, whole. */
  lastWord(): string {
    return this.argv[this.next - 1] ?? '';
  }

  /** poptGetArg: the next word that was not an option or an option's argument. */
  getArg(): string | undefined {
    return this.nextLeftover < this.leftovers.length ? this.leftovers[this.nextLeftover++] : undefined;
  }
}
