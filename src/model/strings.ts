/**
 * V8 represents a slice of 13 or more characters as a view into the string it was cut from, so one
 * address kept in the model kept a whole file's text alive: at 50k services the desired state held
 * its 19 MB of YAML text (and the live table its `-S -n` text) through the plan (issue 6). Readers
 * call this on the strings they keep; the copy is a small flat string of its own.
 */
export function detached(s: string): string {
  return s.length >= 13 ? (` ${s}`).slice(1) : s;
}

/** The number of "\n" in a text: the lines of an ipvsadm input or output, without splitting it. */
export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
