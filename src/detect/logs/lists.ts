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
 * words before it have ended in runs of two lengths, every such line's run is folded into one value. A run
 * whose length never varies (six fan speeds, always six) is left as it is: its values keep their own places
 * in the template.
 */
export class TrailingLists {
  /** Hash of the words before the list → the run length first seen, or VARIABLE. */
  private readonly runs = new Map<number, number>();
  /** The last scanned line's list: where it starts, its length (0: none), its prefix's hash once computed. */
  private start = 0;
  private run = 0;
  private key = -1;

  /**
   * Looks at the line's trailing list and folds it into one value, in place (raw: the values joined by a
   * space), when its prefix is known to end in lists of varying length. Masked tokens must be the masker's.
   */
  scan(raw: string[], masked: string[]): void {
    this.run = 0;
    const n = masked.length;
    if (n < 2 || !wholeValue(masked[n - 1] as string)) return;
    let start = n - 1;
    while (start > 0 && wholeValue(masked[start - 1] as string)) start--;
    // A message of nothing but the list says nothing of which event it is: left alone.
    if (start === 0) return;
    this.start = start;
    this.run = n - start;
    this.key = -1;
    // A list of one is what a fold makes: nothing to look up, nor to hash (most lines end in one value).
    if (this.run === 1) return;
    this.key = prefixHash(masked, start);
    const known = this.runs.get(this.key);
    if (known === undefined || known === this.run) return;
    if (known !== VARIABLE) this.runs.set(this.key, VARIABLE);
    raw[start] = raw.slice(start).join(' ');
    raw.length = start + 1;
    masked[start] = WILDCARD;
    masked.length = start + 1;
    this.run = 1;
  }

  /**
   * The scanned line started a template: its list's length is recorded. A line that matched a template adds
   * nothing new (a line of another length never matches it), so lines of one value (most) pay no look-up;
   * a line ending in a longer list is looked up as it is scanned, and folded there when its length differs.
   */
  created(masked: readonly string[]): void {
    // A line cut to the miner's maxTokens after the scan may end before its list began: nothing to record.
    if (this.run === 0 || (this.key < 0 && this.start >= masked.length)) return;
    // A list of one is hashed only now, from the tokens the tree saw: they differ from the scanned ones only
    // where a date in the prefix was masked since, and then that prefix's lists are not folded (as before).
    const key = this.key >= 0 ? this.key : prefixHash(masked, this.start);
    const known = this.runs.get(key);
    if (known === undefined) {
      if (this.runs.size >= MAX_PREFIXES) this.runs.clear();
      this.runs.set(key, this.run);
    } else if (known !== VARIABLE && known !== this.run) this.runs.set(key, VARIABLE);
  }
}

/** Characters that make a word with a `<*>` in it a phrase around a value rather than a value. */
const DELIMITER = new Uint8Array(128);
for (const c of '=,;:|"\'()[]{}/@#$%&!?+') DELIMITER[c.charCodeAt(0)] = 1;

/**
 * A masked word that is one value as a whole: it ends with a `<*>` and holds no delimiter that would make it a
 * phrase around one (`id=<*>`, `(<*>)`, `<*>,` stay words of the text). `blk_<*>` and `<*>` are both.
 */
function wholeValue(w: string): boolean {
  if (w === WILDCARD) return true;
  // Most words end in a letter: one character read decides (a value's word ends with its `<*>`).
  if (w.charCodeAt(w.length - 1) !== 62 || !w.includes(WILDCARD)) return false;
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c < 128 && DELIMITER[c] === 1) return false;
  }
  return true;
}

/**
 * 32-bit FNV-1a of the words before the list, every character (a line pays it only when it ends in a list of
 * two values or more, or starts a template): `started` and `stopped` before a list are different events.
 */
function prefixHash(tokens: readonly string[], end: number): number {
  let h = 0x811c9dc5;
  for (let t = 0; t < end; t++) {
    const s = tokens[t] as string;
    h = Math.imul(h ^ 32, 0x01000193);
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}
