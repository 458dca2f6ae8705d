/**
 * config_stream_read from ipvsadm 1.31: how `ipvsadm -R` cuts stdin into command lines. Tokens are
 * split on space/tab/CR/LF by fscanf, every token equal to "ipvsadm" is dropped, nothing is quoted
 * and '#' is not special. One quirk kept on purpose: when the input ends in whitespace without a
 * final newline, the pending line is discarded and reading stops.
 */

const MAX_TOKEN = 4096;
const isSep = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** Every array ipvsadm would build, argv0 first; arrays of length 1 (blank lines) included. */
export function readConfigStream(input: string, argv0: string): string[][] {
  const lines: string[][] = [];
  let pos = 0;
  const readOne = (): string[] | null => {
    const a = [argv0];
    let ntoken = 0;
    while (pos < input.length) {
      if (isSep(input[pos])) {
        // fscanf matched nothing: eat blanks by hand until a newline or a token
        for (;;) {
          const c = input[pos++];
          if (c === undefined) return null;
          if (c === '\n') return a;
          if (c === ' ' || c === '\t' || c === '\r') continue;
          pos--;
          break;
        }
        continue;
      }
      let end = pos;
      while (end < input.length && !isSep(input[end]) && end - pos < MAX_TOKEN) end++;
      const token = input.slice(pos, end);
      pos = end;
      let tail: string | undefined;
      if (isSep(input[pos])) tail = input[pos++];
      if (token !== 'ipvsadm') {
        ntoken++;
        a.push(token);
      }
      if (tail === '\n') return a;
    }
    return ntoken === 0 ? null : a;
  };
  for (;;) {
    const a = readOne();
    if (a === null) return lines;
    lines.push(a);
  }
}
