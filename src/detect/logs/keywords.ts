/**
 * The classifier's pre-check (classify.ts): which rules' keywords occur in a text, found in one pass without
 * allocating. A keyword is a literal ASCII string, matched ignoring ASCII case unless it is `exact`, and may
 * ask for what stands around it, as the rule's regular expression does (`\b429\b`, `\wError`, a stack line's
 * indent): a keyword found in a place where its pattern cannot match (`429` inside `14295`, `at ` inside
 * `that `) then does not send the line through the regular expression.
 */
export interface Keyword {
  text: string;
  /** Matched with its case as written (a pattern without the `i` flag); else ASCII case is ignored. */
  exact?: boolean;
  /**
   * What must stand just before it: `boundary` a `\b` (for a keyword starting with a word character: no word
   * character before it), `word` a word character (`\w`), `indent` white space (`\s`) that begins the text or
   * follows a newline (`(^|\n)\s+`).
   */
  before?: 'boundary' | 'word' | 'indent';
  /** `boundary`: a `\b` just after it. */
  after?: 'boundary';
}

/** A keyword with its conditions: its rule's bit, and the bit the automaton sets where it finds its text. */
interface Conditional extends Keyword {
  bit: number;
  own: number;
}

/** `\w` of a regular expression without the `u` flag. */
function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isWordAt(text: string, i: number): boolean {
  return i >= 0 && i < text.length && isWordCode(text.charCodeAt(i));
}

/** `\s` of a regular expression: ECMAScript's white space and line terminators. */
export function isSpaceCode(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `(^|\n)\s+` ends at `start`: a run of white space before it that begins the text or follows a newline. */
function indented(text: string, start: number): boolean {
  if (start === 0) return false;
  for (let j = start - 1; j >= 0; j--) {
    const c = text.charCodeAt(j);
    if (!isSpaceCode(c)) return false;
    // A newline with white space after it (before `start`) begins the run; the text's start does too.
    if (c === 10 && j < start - 1) return true;
  }
  return true;
}

/** Whether keyword `k`, whose text the automaton found ending at `end`, stands where its conditions say. */
function holds(k: Keyword, text: string, end: number): boolean {
  const start = end - k.text.length + 1;
  if (k.exact && !text.startsWith(k.text, start)) return false;
  if (k.before === 'boundary' && isWordAt(text, start - 1) === isWordAt(text, start)) return false;
  if (k.before === 'word' && !isWordAt(text, start - 1)) return false;
  if (k.before === 'indent' && !indented(text, start)) return false;
  if (k.after === 'boundary' && isWordAt(text, end) === isWordAt(text, end + 1)) return false;
  return true;
}

const plainOf = (k: string | Keyword): string | null =>
  typeof k === 'string' ? k : !k.exact && !k.before && !k.after ? k.text : null;

/**
 * An Aho-Corasick automaton over ASCII with letters folded to lower case (a regex with the `i` flag but not
 * `u` folds only ASCII letters onto ASCII letters). `scan` returns a bit per rule (its index in the list
 * given) whose keywords occur; rules without keywords, or past the 31st, are never set and run unchecked.
 */
export class KeywordScanner {
  /** Input symbol of each ASCII code: 0 for a character no keyword holds (and for every code past ASCII). */
  readonly symbol = new Uint8Array(128);
  /**
   * The automaton's transitions, at `state * width + symbol`: 16-bit when the table fits (the built-in rules'
   * does), which halves what the scan keeps in cache.
   */
  readonly next: Uint16Array | Int32Array;
  /**
   * At `state * width`: the bits of the keywords that end in the state, a rule's bit for a keyword without
   * conditions, a bit of its own (above the rules') for one with conditions, checked after the scan.
   */
  readonly out: Int32Array;
  private readonly conditional: Conditional[] = [];
  /** The rules' bits of `out` (the others are conditional keywords'). */
  private readonly ruleBits: number;
  /** Bits of the rules that have keywords: the others always run. */
  readonly checked: number;

  constructor(rules: readonly { keywords?: readonly (string | Keyword)[] }[]) {
    const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);
    let width = 1;
    let checked = 0;
    const words: Array<{ text: string; bit: number }> = [];
    // Bits above the rules' for the keywords with conditions; past bit 30, a keyword counts without them (a
    // looser pre-check, never a wrong verdict).
    let own = Math.min(rules.length, 31);
    rules.forEach((r, i) => {
      if (!r.keywords || r.keywords.length === 0 || i > 30) return;
      checked |= 1 << i;
      for (const kw of r.keywords) {
        const k = typeof kw === 'string' ? kw : kw.text;
        if (k === '' || [...k].some((ch) => ch.charCodeAt(0) > 127))
          throw new Error(`keyword ${JSON.stringify(k)} is not ASCII`);
        let bit = 1 << i;
        if (plainOf(kw) === null && own <= 30) {
          const cond = { ...(kw as Keyword), bit, own: 1 << own++ };
          this.conditional.push(cond);
          bit = cond.own;
        }
        words.push({ text: k.toLowerCase(), bit });
        for (let j = 0; j < k.length; j++) {
          const c = lower(k.charCodeAt(j));
          if (this.symbol[c] === 0) {
            this.symbol[c] = width++;
            if (c >= 97 && c <= 122) this.symbol[c - 32] = this.symbol[c] as number;
          }
        }
      }
    });
    this.checked = checked;
    this.ruleBits = rules.length >= 31 ? 0x7fffffff : (1 << rules.length) - 1;
    // The trie, then failure links breadth first, folding each state's missing moves into its fallback's.
    const go: number[][] = [new Array<number>(width).fill(-1)];
    const out: number[] = [0];
    for (const { text, bit } of words) {
      let s = 0;
      for (let j = 0; j < text.length; j++) {
        const a = this.symbol[text.charCodeAt(j)] as number;
        let t = (go[s] as number[])[a] as number;
        if (t < 0) {
          t = go.length;
          go.push(new Array<number>(width).fill(-1));
          out.push(0);
          (go[s] as number[])[a] = t;
        }
        s = t;
      }
      out[s] = (out[s] as number) | bit;
    }
    // Transitions hold the target's row offset (`state * width`), so a step is a single load.
    const next = new Int32Array(go.length * width);
    const fail = new Int32Array(go.length);
    const queue: number[] = [];
    for (let a = 0; a < width; a++) {
      const t = (go[0] as number[])[a] as number;
      next[a] = Math.max(t, 0);
      if (t > 0) queue.push(t);
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q] as number;
      const f = fail[s] as number;
      out[s] = (out[s] as number) | (out[f] as number);
      for (let a = 0; a < width; a++) {
        const t = (go[s] as number[])[a] as number;
        const viaFail = next[f * width + a] as number;
        if (t < 0) next[s * width + a] = viaFail;
        else {
          next[s * width + a] = t;
          fail[t] = viaFail;
          queue.push(t);
        }
      }
    }
    for (let i = 0; i < next.length; i++) next[i] = (next[i] as number) * width;
    this.next = next.length <= 0xffff ? Uint16Array.from(next) : next;
    this.out = new Int32Array(next.length);
    for (let st = 0; st < out.length; st++) this.out[st * width] = out[st] as number;
  }

  /** `from`: scans `text` from there on (a line whose tail is the message; see TokenMasker.line). */
  scan(text: string, from = 0): number {
    const { symbol, next, out } = this;
    let s = 0;
    let found = 0;
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = next[s + (c < 128 ? (symbol[c] as number) : 0)] as number;
      found |= out[s] as number;
    }
    return this.finish(found, text, from);
  }

  /**
   * The rules' bits of a scan whose automaton ran elsewhere over `text` from `from` (TokenMasker.lineScanned
   * steps it in the tokenizer's own pass over the line: `symbol`, `next` and `out` as `scan` uses them, every
   * character from `from` to the end, in order), `found` the `out` bits it met.
   */
  finish(found: number, text: string, from = 0): number {
    const rules = found & this.ruleBits;
    // Keywords with conditions found: each counts where it stands as its pattern asks (a few lines only), in
    // the message alone (its start is a boundary).
    if (found === rules) return rules;
    return this.check(from === 0 ? text : text.slice(from), rules, found);
  }

  private check(text: string, rules: number, found: number): number {
    let bits = rules;
    for (const k of this.conditional)
      if ((found & k.own) !== 0 && (bits & k.bit) === 0 && occursWhere(k, text)) bits |= k.bit;
    return bits;
  }
}

/** Whether keyword `k` occurs in `text` (ignoring ASCII case unless exact) where its conditions hold. */
function occursWhere(k: Keyword, text: string): boolean {
  const n = k.text.length;
  for (let at = find(text, k, 0); at >= 0; at = find(text, k, at + 1))
    if (holds(k, text, at + n - 1)) return true;
  return false;
}

/** Where `k`'s text next occurs in `text` from `from` (ASCII case folded unless exact), or -1. */
function find(text: string, k: Keyword, from: number): number {
  // Case says nothing to a keyword without letters (`429`): the native search.
  if (k.exact || !/[a-z]/i.test(k.text)) return text.indexOf(k.text, from);
  const needle = k.text.toLowerCase();
  const n = needle.length;
  outer: for (let at = from; at + n <= text.length; at++) {
    for (let j = 0; j < n; j++) {
      let c = text.charCodeAt(at + j);
      if (c >= 65 && c <= 90) c += 32;
      if (c !== needle.charCodeAt(j)) continue outer;
    }
    return at;
  }
  return -1;
}
