/**
 * The fast reader's (fast-yaml.ts) cache of short strings cut from the text. Desired-state files
 * repeat a few keys and words on every line (`address`, `port`, `method: nat`, `protocol: tcp`):
 * slicing each occurrence made a string per key and per word, and the words stay in the data and
 * the model, so at 50k×4 that was some 1.5M strings to allocate, promote and keep (issue 6). A hit
 * returns the one string seen before; a miss slices and remembers. It only ever returns a string
 * equal to the text it is asked for, so what it holds changes allocations, never values.
 */

const SLOTS = 1024; // a power of two; a desired-state file has a few dozen distinct keys and words

export class WordCache {
  private readonly words: (string | null)[] = new Array<string | null>(SLOTS).fill(null);

  constructor(private readonly text: string) {}

  /** text[start, end) as a string, the same string object as last time when it is cached */
  get(start: number, end: number): string {
    const t = this.text;
    const n = end - start;
    // direct-mapped: length, first, second and last character spread the usual keys over the slots
    const slot = (n * 31 + t.charCodeAt(start) * 7 + t.charCodeAt(start + 1) * 3 + t.charCodeAt(end - 1)) & (SLOTS - 1);
    const seen = this.words[slot];
    if (seen && seen.length === n && t.startsWith(seen, start)) return seen;
    const word = t.slice(start, end);
    this.words[slot] = word; // a collision replaces the older word: a cache, never a dictionary
    return word;
  }
}
