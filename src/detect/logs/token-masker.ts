/** A message split into tokens and each token masked (mask.ts), with what repeats remembered. */
import { C_0, C_9, digitsOrPlain, maskCounted } from './mask.js';

/** Splits on runs of whitespace, dropping empty tokens; appends to `out` (a reused array) when given. */
export function tokenize(content: string, out: string[] = []): string[] {
  let start = -1;
  for (let i = 0; i < content.length; i++) {
    const c = content.charCodeAt(i);
    const space = c === 32 || c === 9 || c === 10 || c === 13;
    if (space) {
      if (start >= 0) out.push(content.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(content.slice(start));
  return out;
}

/** Tokens with this many digits are ids, counters or times: they seldom repeat, so caching them only churns. */
const UNIQUE_DIGITS = 8;

/** The whitespace `tokenize` splits on. */
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Slots of the table of tokens seen (powers of two): it starts small (a miner for a few lines costs little),
 * doubles when half full up to the largest, and is emptied whole when that is half full.
 */
const FIRST_SLOTS = 1 << 10;
const MAX_SLOTS = 1 << 15;

/**
 * Memoises maskToken: most tokens repeat, and the cache is dropped whole when it fills (no LRU cost). A token
 * enters the cache on its second sight only: until then it waits in a small map dropped whenever it fills, so
 * that tokens seen once (file names, ids, addresses: most of a long line's tokens in some logs) never grow the
 * large map, whose inserts cost several times a small one's.
 *
 * `line` also remembers the tokens it has seen, in a table keyed by a hash of their characters taken in the
 * same scan that finds their end: a token met again is found from the line's characters, without a new
 * string, and is the very string met before, with its mask, so that the tree compares it with a template's
 * token by identity. Unlike the cache, the table takes tokens with many digits too: its size is bounded, so a
 * token seen once costs a slot until the table is emptied, and an id that comes back within a few thousand
 * lines (a block or request id in each line of its story) is masked once.
 */
export class TokenMasker {
  private cache = new Map<string, string>();
  private once = new Map<string, string>();
  private tokens: (string | null)[];
  private masks: string[];
  private hashes: Int32Array;
  private slots: number;
  private filled = 0;

  constructor(
    private readonly maxEntries = 100_000,
    private readonly maxOnce = 4096,
    private readonly maxSlots = MAX_SLOTS,
  ) {
    if (maxSlots < 2 || (maxSlots & (maxSlots - 1)) !== 0)
      throw new Error('token slots must be a power of two');
    this.slots = Math.min(FIRST_SLOTS, maxSlots);
    this.tokens = new Array<string | null>(this.slots).fill(null);
    this.masks = new Array<string>(this.slots).fill('');
    this.hashes = new Int32Array(this.slots);
  }

  mask(token: string): string {
    // Most tokens are plain words: a scan is cheaper than hashing them for the cache.
    const digits = digitsOrPlain(token);
    return digits < 0 ? token : this.masked(token, digits);
  }

  /**
   * Splits a message on runs of whitespace into `raw` and masks each token into `masked` (both reused arrays,
   * set to the token count), in one scan of the line: the scan that finds a token's end also tells whether it
   * has a digit or a path separator, so a plain word is never read twice, and hashes it (FNV-1a) to find it
   * among the tokens seen.
   */
  line(content: string, raw: string[], masked: string[]): void {
    let n = 0;
    let i = 0;
    const len = content.length;
    while (i < len) {
      let c = content.charCodeAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      const start = i;
      let digits = 0;
      let sep = false;
      let h = 0x811c9dc5 | 0;
      // The token's own loop: one test per character in the common case (a letter).
      for (;;) {
        if (c >= C_0 && c <= C_9) digits++;
        else if (c === 47 || c === 92 || c === 64) sep = true;
        else if (isSpace(c)) break;
        h = Math.imul(h ^ c, 0x01000193);
        if (++i >= len) break;
        c = content.charCodeAt(i);
      }
      const at = this.find(content, start, i, h);
      if (at >= 0) {
        raw[n] = this.tokens[at] as string;
        masked[n] = this.masks[at] as string;
      } else {
        const token = content.slice(start, i);
        const m = digits === 0 && !sep ? token : this.masked(token, digits);
        this.remember(-1 - at, h, token, m);
        raw[n] = token;
        masked[n] = m;
      }
      n++;
    }
    if (raw.length !== n) raw.length = n;
    if (masked.length !== n) masked.length = n;
  }

  /** The slot of the token `content[start, end)` of hash `h`, or -1 - the empty slot where it would go. */
  private find(content: string, start: number, end: number, h: number): number {
    const tokens = this.tokens;
    const mask = this.slots - 1;
    const len = end - start;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const t = tokens[s];
      if (t === null) return -1 - s;
      if (this.hashes[s] === h && (t as string).length === len && content.startsWith(t as string, start))
        return s;
    }
  }

  private remember(slot: number, h: number, token: string, m: string): void {
    let s = slot;
    // At most half full, so that a probe stays short and always ends at an empty slot.
    if (++this.filled > this.slots >> 1) {
      if (this.slots < this.maxSlots) this.resize(this.slots * 2);
      else {
        this.tokens.fill(null);
        this.masks.fill('');
        this.filled = 1;
      }
      s = this.free(h);
    }
    this.tokens[s] = token;
    this.masks[s] = m;
    this.hashes[s] = h;
  }

  /** The empty slot where a token of hash `h` goes. */
  private free(h: number): number {
    const mask = this.slots - 1;
    let s = h & mask;
    while (this.tokens[s] !== null) s = (s + 1) & mask;
    return s;
  }

  private resize(slots: number): void {
    const { tokens, masks, hashes } = this;
    this.slots = slots;
    this.tokens = new Array<string | null>(slots).fill(null);
    this.masks = new Array<string>(slots).fill('');
    this.hashes = new Int32Array(slots);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t === null || t === undefined) continue;
      const s = this.free(hashes[i] as number);
      this.tokens[s] = t;
      this.masks[s] = masks[i] as string;
      this.hashes[s] = hashes[i] as number;
    }
  }

  private masked(token: string, digits: number): string {
    if (digits >= UNIQUE_DIGITS) return maskCounted(token, digits);
    let m = this.cache.get(token);
    if (m !== undefined) return m;
    m = this.once.get(token);
    if (m === undefined) {
      m = maskCounted(token, digits);
      if (this.once.size >= this.maxOnce) this.once = new Map();
      this.once.set(token, m);
      return m;
    }
    if (this.cache.size >= this.maxEntries) this.cache = new Map();
    this.cache.set(token, m);
    return m;
  }
}
