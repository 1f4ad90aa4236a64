/** A message split into tokens and each token masked (mask.ts), with what repeats remembered. */

import type { KeywordScanner } from './keywords.js';
import { C_0, C_9, digitsOrPlain, literalOr, maskCounted, WILDCARD } from './mask.js';
import { ShapeMasks } from './shape-masks.js';

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

/**
 * Tokens with this many digits are ids, counters or times: they seldom repeat, so caching them by their text
 * only churns; their shape (shape-masks.ts) repeats.
 */
const UNIQUE_DIGITS = 8;

/**
 * Whether the token ending before `end` could be one literalOr changes: it ends in `ue`, `se` or `ll` (any case)
 * or in punctuation. Two characters decide for most words, without a call.
 */
function mayEndLiteral(content: string, end: number): boolean {
  const c = content.charCodeAt(end - 1);
  if ((c < 65 && c > 32) || c === 93) return true;
  const b = content.charCodeAt(end - 2) | 32;
  return (c | 32) === 101 ? b === 117 || b === 115 : (c | 32) === 108 && b === 108;
}

/** The whitespace `tokenize` splits on. */
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/**
 * Memoises maskToken: most tokens repeat, and the cache is dropped whole when it fills (no LRU cost). A token
 * enters the cache on its second sight only: until then it waits in a small map dropped whenever it fills, so
 * that tokens seen once (file names, ids, addresses: most of a long line's tokens in some logs) never grow the
 * large map, whose inserts cost several times a small one's. A token met for the first time is masked by its
 * shape when a token of that shape was masked before (shape-masks.ts): values that never repeat mostly repeat
 * their shape.
 */
export class TokenMasker {
  private cache = new Map<string, string>();
  private once = new Map<string, string>();
  private readonly shapes: ShapeMasks;

  constructor(
    private readonly maxEntries = 100_000,
    private readonly maxOnce = 4096,
    maxShapes = 4096,
  ) {
    this.shapes = new ShapeMasks(maxShapes);
  }

  mask(token: string): string {
    // Most tokens are plain words: a scan is cheaper than hashing them for the cache.
    const digits = digitsOrPlain(token);
    return digits < 0 ? literalOr(token) : this.masked(token, digits);
  }

  /**
   * Splits a message on runs of whitespace into `raw` and masks each token into `masked` (both reused arrays,
   * set to the token count), in one scan of the line: the scan that finds a token's end also tells whether it
   * has a digit or a path separator, so a plain word is never read twice. `from`: where the message begins in
   * `content` (a line whose tail is the message: a flat string reads faster than a slice of it).
   */
  line(content: string, raw: string[], masked: string[], from = 0): void {
    let n = 0;
    let i = from;
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
      // The token's own loop: one test per character in the common case (a letter).
      for (;;) {
        if (c >= C_0 && c <= C_9) digits++;
        else if (c === 47 || c === 92 || c === 64) sep = true;
        else if (isSpace(c)) break;
        if (++i >= len) break;
        c = content.charCodeAt(i);
      }
      const token = content.slice(start, i);
      raw[n] = token;
      // A plain word is itself, unless it is or ends in a literal (`true`, `(null)`, `granted=false`): only a
      // word ending in `e`, `l` or punctuation can.
      masked[n] =
        digits === 0 && !sep
          ? i - start < 4 || !mayEndLiteral(content, i)
            ? token
            : literalOr(token)
          : this.masked(token, digits, content, start, i);
      n++;
    }
    if (raw.length !== n) raw.length = n;
    if (masked.length !== n) masked.length = n;
  }

  /**
   * `line`, with the error classifier's keyword automaton (keywords.ts) stepped over the same characters in the
   * same pass: the bits of `out` it met, for `scanner.finish`. Two scans of a line cost about 1.5 times this one
   * (the automaton's chain of table reads overlaps the tokenizer's work). A copy of `line` rather than `line`
   * with a scanner that matches nothing, so that the miner alone pays nothing for it.
   */
  lineScanned(
    content: string,
    raw: string[],
    masked: string[],
    from: number,
    scanner: KeywordScanner,
  ): number {
    const { symbol, next, out } = scanner;
    let s = 0;
    let found = 0;
    let n = 0;
    let i = from;
    const len = content.length;
    while (i < len) {
      let c = content.charCodeAt(i);
      if (isSpace(c)) {
        s = next[s + (symbol[c] as number)] as number;
        found |= out[s] as number;
        i++;
        continue;
      }
      const start = i;
      let digits = 0;
      let sep = false;
      for (;;) {
        if (c >= C_0 && c <= C_9) digits++;
        else if (c === 47 || c === 92 || c === 64) sep = true;
        // The white space after the token is the outer loop's to step.
        else if (isSpace(c)) break;
        s = next[s + (c < 128 ? (symbol[c] as number) : 0)] as number;
        found |= out[s] as number;
        if (++i >= len) break;
        c = content.charCodeAt(i);
      }
      const token = content.slice(start, i);
      raw[n] = token;
      masked[n] =
        digits === 0 && !sep
          ? i - start < 4 || !mayEndLiteral(content, i)
            ? token
            : literalOr(token)
          : this.masked(token, digits, content, start, i);
      n++;
    }
    if (raw.length !== n) raw.length = n;
    if (masked.length !== n) masked.length = n;
    return found;
  }

  /**
   * `token` is `line` from `start` to `end`: its shape is read in the line, one flat string, rather than in the
   * token, which V8 makes a slice of the line when long (slower to read character by character).
   */
  private masked(token: string, digits: number, line = token, start = 0, end = token.length): string {
    // A bare number is a value whatever it is (maskCounted's first answer): no lookup is cheaper than that.
    if (digits === token.length) return WILDCARD;
    if (digits >= UNIQUE_DIGITS) return this.byShape(token, digits, line, start, end);
    let m = this.cache.get(token);
    if (m !== undefined) return m;
    m = this.once.get(token);
    if (m === undefined) {
      m = this.byShape(token, digits, line, start, end);
      if (this.once.size >= this.maxOnce) this.once = new Map();
      this.once.set(token, m);
      return m;
    }
    if (this.cache.size >= this.maxEntries) this.cache = new Map();
    this.cache.set(token, m);
    return m;
  }

  /** maskCounted's answer, from a token of the same shape when one was masked (see ShapeMasks). */
  private byShape(token: string, digits: number, line: string, start: number, end: number): string {
    const shapes = this.shapes;
    const h = shapes.hash(line, start, end);
    if (h === 0) return maskCounted(token, digits);
    let m = shapes.get(line, h, start, end, digits);
    if (m === undefined) {
      m = maskCounted(token, digits);
      shapes.set(token, h, m);
    }
    return m;
  }
}
