/**
 * Masks remembered by a token's shape: the token with every digit read as one character. Values that never
 * repeat (block ids, addresses with ports, request ids, timestamps glued to words) mostly repeat their shape:
 * `blk_-1608999687919862906` and `blk_7503483334202473044` differ only in digits.
 *
 * Why a shape's answer holds for every token of that shape: maskCounted (mask.ts) reads a digit only as a
 * digit (its scans test isDigit, its patterns `\d`, `[0-9a-f]`, `\w`), never its value, except for the `0x` of
 * a hex number; and its answer is made of slices of the token and `<*>`. So two tokens of one shape take the
 * same path and keep the same slices; when the answer kept no digit, the slices it kept hold no digit, and
 * they are the same text in both tokens. An answer that kept a digit (`ssh2`, `eth0`), or a token with a
 * digit before an `x`, is not remembered by shape.
 */
import { isDigit } from './mask.js';

/**
 * A direct-mapped table: a shape's slot is its hash's low bits, and a newer shape in a taken slot takes it.
 * Nothing is allocated per token, and a lookup that finds another shape costs a comparison, so a log whose
 * shapes never repeat pays little for trying.
 *
 * The comparison reads only the characters that are not digits in the slot's token: a token of the same length
 * and number of digits that has those characters there has its digits everywhere else, so it has the shape (an
 * id of 19 digits costs its few other characters, not a second reading of all of it).
 */
export class ShapeMasks {
  /** The token each slot's answer was made for: a new token must have its shape (a hash says only "maybe"). */
  private readonly tokens: (string | undefined)[];
  /** Where that token's characters other than digits are, and how many digits it has. */
  private readonly others: (Int32Array | undefined)[];
  private readonly digits: Int32Array;
  /** maskCounted's answer for that token, or null when it kept a digit (then the shape says nothing). */
  private readonly answers: (string | null)[];
  private readonly mask: number;

  /** `slots` is rounded up to a power of two. */
  constructor(slots = 4096) {
    let n = 1;
    while (n < slots) n *= 2;
    this.mask = n - 1;
    this.tokens = new Array<string | undefined>(n).fill(undefined);
    this.others = new Array<Int32Array | undefined>(n).fill(undefined);
    this.digits = new Int32Array(n);
    this.answers = new Array<string | null>(n).fill(null);
  }

  /**
   * The shape's hash, or 0 when the token must not be judged by shape (a digit before `x` or `X`: `0x1f` is a
   * hex number where `5x1f` is not). `token` from `start` to `end`. Of the length and of each character that is
   * not a digit with its place: the digits are where the others are not.
   */
  hash(token: string, start = 0, end = token.length): number {
    let h = end - start;
    for (let i = start; i < end; i++) {
      const c = token.charCodeAt(i);
      if (isDigit(c)) continue;
      if ((c | 32) === 120 && i > start && isDigit(token.charCodeAt(i - 1))) return 0;
      h = (Math.imul(h, 31) + (((i - start) << 16) ^ c)) | 0;
    }
    return h === 0 ? 1 : h;
  }

  /**
   * The remembered answer for a token of this hash and shape, or undefined (`token` from `start` to `end`, with
   * `digits` digits: counted here when not given).
   */
  get(token: string, hash: number, start = 0, end = token.length, digits = -1): string | undefined {
    const slot = (hash ^ (hash >>> 15)) & this.mask;
    const answer = this.answers[slot];
    if (answer === null) return undefined;
    const t = this.tokens[slot] as string;
    if (t.length !== end - start) return undefined;
    if ((digits < 0 ? countDigits(token, start, end) : digits) !== this.digits[slot]) return undefined;
    const others = this.others[slot] as Int32Array;
    for (let k = 0; k < others.length; k++) {
      const p = others[k] as number;
      if (token.charCodeAt(start + p) !== t.charCodeAt(p)) return undefined;
    }
    return answer;
  }

  set(token: string, hash: number, masked: string): void {
    const slot = (hash ^ (hash >>> 15)) & this.mask;
    let kept = false;
    for (let i = 0; i < masked.length && !kept; i++) kept = isDigit(masked.charCodeAt(i));
    this.tokens[slot] = token;
    this.answers[slot] = kept ? null : masked;
    if (kept) return;
    const digits = countDigits(token, 0, token.length);
    const others = new Int32Array(token.length - digits);
    for (let i = 0, k = 0; i < token.length; i++) if (!isDigit(token.charCodeAt(i))) others[k++] = i;
    this.others[slot] = others;
    this.digits[slot] = digits;
  }
}

function countDigits(token: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (isDigit(token.charCodeAt(i))) n++;
  return n;
}
