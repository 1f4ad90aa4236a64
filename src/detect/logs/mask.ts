/**
 * Variable masking for one whitespace-separated token. A masked token keeps its constant punctuation and words
 * (`node-246` → `node-<*>`, `(HWID=1973)` → `(HWID=<*>)`) so that lines of one template agree on it whatever
 * the values were, while `ssh2` or `L3` (words with a digit that are part of the message) stay as they are.
 */

export const WILDCARD = '<*>';

const C_0 = 48;
const C_9 = 57;

function isDigit(c: number): boolean {
  return c >= C_0 && c <= C_9;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isHexLetter(c: number): boolean {
  return (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Characters that end a sub-word: the delimiters of the Loghub template guidelines (Khan et al.), plus `/`. */
const DELIMS = new Uint8Array(128);
for (const ch of ',;:=|"\'[](){}.-+@#$%&/<>!?*') DELIMS[ch.charCodeAt(0)] = 1;

const isDelim = (c: number): boolean => c < 128 && DELIMS[c] === 1;

/** Colons in a token, without the array `split` would allocate. */
function colons(t: string): number {
  let n = 0;
  for (let i = t.indexOf(':'); i >= 0; i = t.indexOf(':', i + 1)) n++;
  return n;
}

/** Each whole-token pattern with a cheap guard, so that a token pays only for the patterns it could match. */
const WHOLE_TOKEN: Array<{ guard: (t: string) => boolean; re: RegExp }> = [
  // URLs and absolute or home-relative paths: the file is the variable, not the message.
  { guard: (t) => t.includes('://'), re: /^[a-z][a-z0-9+.-]*:\/\/\S+$/i },
  { guard: (t) => t.includes('/'), re: /^["'([]?~?(\/[^/\s]+)+\/?["')\],:;.]?$/ },
  // UUIDs
  {
    guard: (t) => t.length >= 36,
    re: /^[("'[]?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}[)"'\],:;.]?$/i,
  },
  // IPv4 with optional port and leading slash; IPv6 with at least three groups
  { guard: (t) => t.includes('.'), re: /^[/("'[]?\d{1,3}(\.\d{1,3}){3}(:\d+)?[)"'\],:;.]?$/ },
  {
    guard: (t) => t.includes('::') || colons(t) > 2,
    re: /^[("'[]?[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}(%\w+)?[)"'\],;.]?$/i,
  },
  // host names that carry an address or a number (24-54-76-216.bflony.adelphia.net, host129.example.com)
  { guard: (t) => t.includes('.'), re: /^[("'[]?[\w-]+(\.[\w-]+)+\.[a-z]{2,6}[)"'\],:;.]?$/i },
  // numbers with a unit: durations (12ms, 1.5s), sizes (64KB), percentages
  {
    guard: (t) => t.length <= 16,
    re: /^[(<>=~+-]?\d+(\.\d+)?(ns|us|µs|ms|s|sec|secs|m|min|mins|h|d|b|kb|mb|gb|tb|kib|mib|gib|%)[),;.]?$/i,
  },
];

/** A sub-word is a variable when it is mostly digits, or a hex number (0x1f, or 8+ hex characters). */
function isVariableWord(token: string, start: number, end: number): boolean {
  let digits = 0;
  let letters = 0;
  let hexOnly = true;
  for (let i = start; i < end; i++) {
    const c = token.charCodeAt(i);
    if (isDigit(c)) digits++;
    else {
      if (isLetter(c)) letters++;
      if (!isHexLetter(c)) hexOnly = false;
    }
  }
  if (digits === 0) return false;
  if (digits > letters) return true;
  const len = end - start;
  if (len > 2 && token.charCodeAt(start) === C_0 && (token.charCodeAt(start + 1) | 32) === 120) return true;
  return hexOnly && len >= 8;
}

/** `Steps1514044800223` → `Steps<*>`: a long number glued to a word is still a number. */
function trailingNumber(token: string, start: number, end: number): string {
  let j = end;
  while (j > start && isDigit(token.charCodeAt(j - 1))) j--;
  if (end - j < 3 || j === start || !isLetter(token.charCodeAt(j - 1))) return token.slice(start, end);
  return token.slice(start, j) + WILDCARD;
}

function allDigits(token: string): boolean {
  for (let i = 0; i < token.length; i++) if (!isDigit(token.charCodeAt(i))) return false;
  return token.length > 0;
}

export function hasDigit(token: string): boolean {
  for (let i = 0; i < token.length; i++) if (isDigit(token.charCodeAt(i))) return true;
  return false;
}

/** Masks quoted content that carries a value (a digit or a path); a quoted keyword stays. */
function maskQuoted(token: string): string | null {
  const q = token.charCodeAt(0);
  if (q !== 34 && q !== 39) return null;
  const close = token.indexOf(token[0] as string, 1);
  if (close < 2) return null;
  const inner = token.slice(1, close);
  if (!hasDigit(inner) && !inner.includes('/')) return null;
  return `${token[0]}${WILDCARD}${token.slice(close)}`;
}

/** Masks one token; returns it unchanged when nothing in it looks variable. */
export function maskToken(token: string): string {
  if (!hasDigit(token) && !token.includes('/')) return token;
  // A bare number (a size, a counter): no whole-token pattern matches one, and it is all one variable word.
  if (allDigits(token)) return WILDCARD;
  for (const { guard, re } of WHOLE_TOKEN) {
    if (guard(token) && re.test(token)) return keepEdges(token);
  }
  const quoted = maskQuoted(token);
  if (quoted !== null) return quoted;
  let out = '';
  let start = 0;
  let changed = false;
  for (let i = 0; i <= token.length; i++) {
    const c = i < token.length ? token.charCodeAt(i) : -1;
    if (c !== -1 && !isDelim(c)) continue;
    if (i > start) {
      if (isVariableWord(token, start, i)) {
        // Runs like 1.2.3 or 10:20:30 are one value: never leave `<*>.<*>`.
        const n = out.length;
        if (n >= 4 && (out[n - 1] === '.' || out[n - 1] === ':') && out.endsWith(WILDCARD, n - 1))
          out = out.slice(0, -1);
        else out += WILDCARD;
        changed = true;
      } else {
        const word = trailingNumber(token, start, i);
        if (word.length !== i - start) changed = true;
        out += word;
      }
    }
    if (c !== -1) out += token[i];
    start = i + 1;
  }
  return changed ? out : token;
}

/** A whole-token mask keeps the brackets and trailing punctuation around the value: `[10.0.0.1]` → `[<*>]`. */
function keepEdges(token: string): string {
  let s = 0;
  let e = token.length;
  while (s < e && '(["\''.includes(token[s] as string)) s++;
  while (e > s && ')]"\',;:.'.includes(token[e - 1] as string)) e--;
  return token.slice(0, s) + WILDCARD + token.slice(e);
}

const MONTHS = new Set(
  'jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september october november december'.split(
    ' ',
  ),
);
const WEEKDAYS = new Set(
  'mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday'.split(' '),
);

/**
 * Masks written-out dates (`Fri Jul 1 07:57:30 2005`, `Jun 14`): a month name is a value only when a day
 * number follows it, and a weekday only when such a month follows it, so the words alone stay text.
 */
export function maskDates(raw: readonly string[], masked: string[]): void {
  for (let i = 0; i + 1 < raw.length; i++) {
    const word = raw[i] as string;
    // Cheapest test first: a day number must follow.
    if (!isDigit((raw[i + 1] as string).charCodeAt(0))) continue;
    if (word.length < 3 || word.length > 9 || !MONTHS.has(word.toLowerCase().replace(/[.,]$/, ''))) continue;
    if (!/^\d{1,2}(st|nd|rd|th)?,?$/.test(raw[i + 1] as string)) continue;
    masked[i] = WILDCARD;
    masked[i + 1] = WILDCARD;
    const prev = i > 0 ? (raw[i - 1] as string).toLowerCase().replace(/,$/, '') : '';
    if (WEEKDAYS.has(prev)) masked[i - 1] = WILDCARD;
  }
}

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

/** Digits in a token, or -1 when it has neither a digit nor a `/` (nothing in it can be a value). */
function digitsOrPlain(token: string): number {
  let digits = 0;
  let slash = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= C_0 && c <= C_9) digits++;
    else if (c === 47) slash = true;
  }
  return digits === 0 && !slash ? -1 : digits;
}

/** Tokens with this many digits are ids, counters or times: they seldom repeat, so caching them only churns. */
const UNIQUE_DIGITS = 8;

/** Memoises maskToken: most tokens repeat, and the cache is dropped whole when it fills (no LRU cost). */
export class TokenMasker {
  private cache = new Map<string, string>();

  constructor(private readonly maxEntries = 100_000) {}

  mask(token: string): string {
    // Most tokens are plain words: a scan is cheaper than hashing them for the cache.
    const digits = digitsOrPlain(token);
    if (digits < 0) return token;
    if (digits >= UNIQUE_DIGITS) return maskToken(token);
    let m = this.cache.get(token);
    if (m === undefined) {
      m = maskToken(token);
      if (this.cache.size >= this.maxEntries) this.cache = new Map();
      this.cache.set(token, m);
    }
    return m;
  }
}
