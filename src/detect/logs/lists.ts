import { WILDCARD } from './mask.js';

/** A prefix whose trailing list has shown more than one length. */
const VARIABLE = -1;

/** Prefixes remembered; past this the memory starts again (it only delays a fold until lengths differ again). */
const MAX_PREFIXES = 20_000;

/**
 * A list of like values at the end of a message (`delete blk_1 blk_2 blk_3`, `nodes a1 a2`): how many there
 * are is a value too, not part of the message's text. The miner's tree sorts lines by their number of words,
 * so one event listing 1, 9 and 75 values would be three templates. A list is a run of words that are each a
 * whole value (`blk_<*>`, `<*>`: a variable with no delimiter around it) ending the message; once the same
 * words before it have been seen ending in runs of two lengths, every such line's run is folded into one
 * value. A run whose length never varies (six fan speeds, always six) is left as it is: its values keep their
 * own places in the template.
 */
export class TrailingLists {
  /** Hash of the words before the list and the list's masked value → the run length first seen, or VARIABLE. */
  private readonly runs = new Map<number, number>();

  /**
   * Folds the line's trailing list into one value, in place (raw: the values joined by a space), once its
   * prefix is known to end in lists of varying length. Masked tokens must be the masker's (`<*>` inside).
   */
  fold(raw: string[], masked: string[]): void {
    const n = masked.length;
    if (n < 2) return;
    if (!wholeValue(masked[n - 1] as string)) return;
    let start = n - 1;
    while (start > 0 && wholeValue(masked[start - 1] as string)) start--;
    // A message of nothing but the list says nothing of which event it is: left alone.
    if (start === 0) return;
    const run = n - start;
    const key = prefixHash(masked, start);
    const known = this.runs.get(key);
    if (known === undefined) {
      if (this.runs.size >= MAX_PREFIXES) this.runs.clear();
      this.runs.set(key, run);
      return;
    }
    if (known === run) return;
    if (known !== VARIABLE) this.runs.set(key, VARIABLE);
    if (run === 1) return;
    raw[start] = raw.slice(start).join(' ');
    raw.length = start + 1;
    masked[start] = WILDCARD;
    masked.length = start + 1;
  }
}

/**
 * A masked word that is one value as a whole: it holds a `<*>` and no delimiter that would make it a phrase
 * around one (`id=<*>`, `(<*>)`, `<*>,` stay words of the text). `blk_<*>` and `<*>` are both.
 */
function wholeValue(w: string): boolean {
  if (!w.includes(WILDCARD)) return false;
  for (let i = 0; i < w.length; i++) if (DELIMITERS.has(w.charCodeAt(i))) return false;
  return true;
}
const DELIMITERS = new Set([...'=,;:|"\'()[]{}/@#$%&!?+'].map((c) => c.charCodeAt(0)));

/** 32-bit FNV-1a of the first `end` tokens, without joining them into a string. */
function prefixHash(tokens: readonly string[], end: number): number {
  let h = 0x811c9dc5;
  for (let t = 0; t < end; t++) {
    const s = tokens[t] as string;
    h = Math.imul(h ^ 32, 0x01000193);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}
