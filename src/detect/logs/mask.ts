/**
 * Variable masking for one whitespace-separated token. A masked token keeps its constant punctuation and words
 * (`worker-246` → `worker-<*>`, `(pid=1973)` → `(pid=<*>)`) so that lines of one template agree on it whatever
 * the values were, while `ssh2` or `L3` (words with a digit that are part of the message) stay as they are.
 */
import { C_0, C_9, isDigit, isHexLetter, isLetter } from './chars.js';
import { isVariableWord, numberTail } from './mask-words.js';

export const WILDCARD = '<*>';

export { C_0, C_9, isDigit, isLetter } from './chars.js';

/** Characters that end a sub-word: the delimiters of the Loghub template guidelines (Khan et al.), plus `/`. */
const DELIMS = new Uint8Array(128);
for (const ch of ',;:=|"\'[](){}.-+@#$%&/<>!?*') DELIMS[ch.charCodeAt(0)] = 1;

const isDelim = (c: number): boolean => c < 128 && DELIMS[c] === 1;

/** Characters a whole-token pattern needs, found in one scan of the token (`shapeOf`). */
const S_DOT = 1;
const S_SLASH = 2;
const S_BACKSLASH = 4;
const S_COLONS = 8; // two or more
const S_URL = 16; // `://`
const S_AT = 32;

function shapeOf(t: string): number {
  let shape = 0;
  let colons = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 46) shape |= S_DOT;
    else if (c === 47) shape |= S_SLASH;
    else if (c === 92) shape |= S_BACKSLASH;
    else if (c === 64) shape |= S_AT;
    else if (c === 58) {
      if (++colons === 2) shape |= S_COLONS;
      if (t.charCodeAt(i + 1) === 47 && t.charCodeAt(i + 2) === 47) shape |= S_URL;
    }
  }
  return shape;
}

interface WholeTokenPattern {
  /** Characters (`S_*` bits) the token must have. */
  need: number;
  minLength: number;
  maxLength: number;
  re: RegExp;
}

const whole = (
  need: number,
  re: RegExp,
  minLength = 0,
  maxLength = Number.POSITIVE_INFINITY,
): WholeTokenPattern => ({
  need,
  re,
  minLength,
  maxLength,
});

/**
 * Each whole-token pattern with what a token must have for it to match (characters, a length), so that a
 * token pays only for the patterns it could match.
 */
const WHOLE_TOKEN: readonly WholeTokenPattern[] = [
  // URLs and absolute or home-relative paths: the file is the variable, not the message.
  whole(S_URL, /^[a-z][a-z0-9+.-]*:\/\/\S+$/i),
  whole(S_SLASH, /^["'([]?~?(\/[^/\s]+)+\/?["')\],:;.]?$/),
  // Windows paths (C:\Windows\System32\x.dll, \\server\share)
  whole(S_BACKSLASH, /^["'([]?([a-z]:|\\\\[\w.$-]+)\\[^\s"')\]]*["')\],:;.]?$/i),
  // UUIDs
  whole(0, /^[("'[]?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}[)"'\],:;.]?$/i, 36),
  // e-mail addresses, bare or in angle brackets: the sender or recipient, chosen per message
  whole(S_AT, /^[<("'[]?[\w.+-]+@[\w-]+(\.[\w-]+)+[>)"'\],;:.]{0,3}$/i),
  // an object's default string, its class and identity hash (com.example.Pool@1b2c3d): the instance varies
  whole(S_AT, /^[("'[]?[a-z_$][\w$]*(\.[\w$]+)*@[0-9a-f]{2,16}[)"'\],;:.]?$/i),
  // IPv4 with optional port and leading slash; IPv6 with at least three groups
  whole(S_DOT, /^[/("'[]?\d{1,3}(\.\d{1,3}){3}(:\d+)?[)"'\],:;.]?$/),
  // and other colon-separated hex groups: MAC addresses, PCI addresses (0000:00:1f.0), clock times
  whole(S_COLONS, /^[("'[]?[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,}(\.[0-9a-f]{1,4})?(%\w+)?[)"'\],;.]?$/i),
  // host names that carry an address or a number (10-1-2-3.pool.example.net, host129.example.com:8080): a
  // top-level label of 2-6 letters, or a longer name for private networks (ip-10-0-1-5.ec2.internal,
  // node-3.cluster.internal, db1.lan.localdomain); `log4j2.xml.example` stays a file's name
  whole(S_DOT, /^[("'[]?[\w-]+(\.[\w-]+)+\.([a-z]{2,6}|internal|localdomain|localhost)(:\d+)?[)"'\],:;.]?$/i),
  // and any dotted name of three labels or more with a port (coord-2.cluster.internal:2888); `File.java:12` stays
  whole(S_DOT, /^[("'[]?[a-z][\w-]*(\.[\w-]+){2,}:\d{1,5}[)"'\],;.]?$/i),
  // version numbers (v1.0.0, 4.2.1-3.12, 1.16b): dotted numbers with an optional release or letter suffix
  whole(S_DOT, /^[([]?v?\d+(\.\d+)+([-_+~][0-9a-z]+(\.[0-9a-z]+)*)?[a-z]{0,3}[)\],;:]{0,2}$/i),
  // numbers with a unit: durations (12ms, 1.5s, and compound ones: +1s203ms, 2h5m), sizes (64KB), percentages;
  // closed as a value in brackets is before a separator (`(27.2%);`)
  whole(
    0,
    /^[(<>=~+-]?(\d+(\.\d+)?(ns|us|µs|ms|s|sec|secs|m|min|mins|h|d|b|kb|mb|gb|tb|kib|mib|gib|%))+[)\]]?[,;.]?$/i,
    0,
    16,
  ),
];

/**
 * An IPv6 address in brackets with its port (`[2001:db8::1]:443`, `[::1]:8080`): one endpoint, as an IPv4
 * address with its port is; its brackets are the address's, not around a value (keepEdges would keep one).
 */
const V6_ENDPOINT = /^([("']?)\[[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,}(\.\d{1,3}){0,3}\]:\d{1,5}([)"',;.]?)$/i;

const UUID_IN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

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

/** The closing bracket of an opening one, by character code. */
const CLOSE_OF: Record<number, number> = { 40: 41, 91: 93, 123: 125 };

/**
 * Index just past `key=` or `name(` at the start of a token (after an opening bracket), or -1. The key is a
 * name, never a value, even with a digit in it (`r24=`, `eth0=`).
 */
function nameEnd(token: string): number {
  // Natively first: most tokens have neither `=` nor `(`.
  const eq = token.indexOf('=');
  const paren = token.indexOf('(', 1);
  const at = eq < 0 ? paren : paren < 0 ? eq : Math.min(eq, paren);
  if (at < 1 || at + 1 >= token.length) return -1;
  let i = 0;
  const c0 = token.charCodeAt(0);
  if (c0 === 40 || c0 === 91 || c0 === 123) i = 1;
  const first = token.charCodeAt(i);
  if (!isLetter(first) && first !== 95) return -1;
  // A key in the bracket it opened with (`(email)=`, as a database writes a key's column) is a key too.
  const closed =
    i === 1 && token.charCodeAt(at) === 61 && token.charCodeAt(at - 1) === CLOSE_OF[c0] ? at - 1 : at;
  for (i++; i < closed; i++) {
    const c = token.charCodeAt(i);
    if (!isLetter(c) && !isDigit(c) && c !== 95 && c !== 46 && c !== 45) return -1;
  }
  return at + 1;
}

/** Trailing closing brackets and separators of a value, which stay constant text. */
function closersFrom(s: string): number {
  let e = s.length;
  while (e > 0 && ')]}"\',;:.'.includes(s[e - 1] as string)) e--;
  return e;
}

/** True when the text has a run of three letters: a word, which a value in brackets keeps. */
function hasWord(s: string, end: number): boolean {
  let run = 0;
  for (let i = 0; i < end; i++) {
    if (isLetter(s.charCodeAt(i))) {
      if (++run >= 3) return true;
    } else run = 0;
  }
  return false;
}

/**
 * `key=value` and `name(value)`: the value is masked on its own (so an address, a path or a number after a
 * key is recognised as it would be alone), and a key's value with a variable in it is one variable whole
 * (`manager=com.example.Store@8a2a501` → `manager=<*>`, `ids=1##2##3` → `ids=<*>`), as is a bracketed value
 * with no word in it (`at(R2-M1-N4)` → `at(<*>)`). A value holding a further `key=` keeps its own key.
 */
function maskNamedValue(token: string): string | null {
  const k = nameEnd(token);
  if (k < 0) return null;
  const rest = token.slice(k);
  const masked = maskToken(rest);
  if (masked === rest) return null;
  const head = token.slice(0, k);
  // A value that is one variable in its brackets or quotes keeps them: `from=<<*>>,`, `id=[<*>]`.
  if (rest.includes('=') || isSingleValue(masked)) return head + masked;
  const end = closersFrom(rest);
  if (end === 0) return head + masked;
  if (token.charCodeAt(k - 1) === 40 && hasWord(rest, end)) return head + masked;
  return head + WILDCARD + outerClosers(rest, end);
}

const OPENING = '<([{"\'';
const CLOSING = '>)]}"\',;:.';

/** True when a masked value is `<*>` alone, with only brackets, quotes and punctuation around it. */
function isSingleValue(masked: string): boolean {
  let s = 0;
  while (s < masked.length && OPENING.includes(masked[s] as string) && !masked.startsWith(WILDCARD, s)) s++;
  if (!masked.startsWith(WILDCARD, s)) return false;
  for (let i = s + WILDCARD.length; i < masked.length; i++)
    if (!CLOSING.includes(masked[i] as string)) return false;
  return true;
}

/**
 * The closing punctuation after a value that masking turns into one `<*>`, without the brackets that close
 * one opened inside it (`client=relay.example.net[10.0.0.1]` → `client=<*>`, not `client=<*>]`).
 */
function outerClosers(rest: string, end: number): string {
  let i = end;
  for (; i < rest.length; i++) {
    const c = rest[i] as string;
    const open = c === ')' ? '(' : c === ']' ? '[' : c === '}' ? '{' : '';
    if (open === '' || countOf(rest, open, end) <= countOf(rest, c, end)) break;
  }
  return rest.slice(i);
}

function countOf(s: string, ch: string, end: number): number {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0 && i < end; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

/** Characters after which a `-` before a number is its sign. */
const SIGN_AFTER = '_=(:[,';

/** Masks one token; returns it unchanged when nothing in it looks variable. */
export function maskToken(token: string): string {
  const digits = digitsOrPlain(token);
  return digits < 0 ? literalOr(token) : maskCounted(token, digits);
}

/**
 * `true`, `false` or `null` as a value, alone, in brackets or quotes, or after a key (`true,`, `(null)`,
 * `granted=true`), or the token unchanged: the literals of every data format are values wherever they stand,
 * as the canonical writing (canonical.ts) already writes them, so that lines which differ only in one are one
 * template. Read from the token's end, so that most words fail on their last letter (not `e` or `l`).
 */
export function literalOr(token: string): string {
  const len = token.length;
  if (len < 4) return token;
  let e = len;
  while (e > 0 && isCloser(token.charCodeAt(e - 1))) e--;
  const c = token.charCodeAt(e - 1) | 32;
  let s = -1;
  if (c === 101)
    s = isWordAt(token, e - 4, e, 'true') ? e - 4 : isWordAt(token, e - 5, e, 'false') ? e - 5 : -1;
  else if (c === 108 && isWordAt(token, e - 4, e, 'null')) s = e - 4;
  if (s < 0) return token;
  let b = s;
  while (b > 0 && isOpener(token.charCodeAt(b - 1))) b--;
  // Alone in its brackets, or a key's value: `trueish` or `untrue` are words.
  if (b > 0 && token.charCodeAt(b - 1) !== 61 && token.charCodeAt(b - 1) !== 58) return token;
  return token.slice(0, s) + WILDCARD + token.slice(e);
}

const isOpener = (c: number): boolean => c === 60 || c === 40 || c === 91 || c === 34 || c === 39;
const isCloser = (c: number): boolean =>
  c === 62 || c === 41 || c === 93 || c === 34 || c === 39 || c === 44 || c === 59 || c === 58 || c === 46;

/** Whether `token[s, e)` is `word`, in any case. */
function isWordAt(token: string, s: number, e: number, word: string): boolean {
  if (s < 0 || e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++)
    if ((token.charCodeAt(s + i) | 32) !== word.charCodeAt(i)) return false;
  return true;
}

/** `maskToken` for a token known to hold `digits` digits (and, with none, a path separator or an `@`). */
export function maskCounted(token: string, digits: number): string {
  // A bare number (a size, a counter): no whole-token pattern matches one, and it is all one variable word.
  if (digits === token.length) return WILDCARD;
  const shape = shapeOf(token);
  const len = token.length;
  if ((shape & S_COLONS) !== 0 && token.includes(']:')) {
    const v6 = V6_ENDPOINT.exec(token);
    if (v6 !== null) return `${v6[1]}${WILDCARD}${v6[4]}`;
  }
  for (let w = 0; w < WHOLE_TOKEN.length; w++) {
    const p = WHOLE_TOKEN[w] as WholeTokenPattern;
    if ((shape & p.need) === p.need && len >= p.minLength && len <= p.maxLength && p.re.test(token))
      return keepEdges(token);
  }
  const named = maskNamedValue(token);
  if (named !== null) return named;
  const quoted = maskQuoted(token);
  if (quoted !== null) return quoted;
  // Without a digit, no sub-word is a number.
  if (digits === 0) return literalOr(token);
  // A UUID glued to other text (`tasks.resize[1b4e28ba-2fa1-11d2-883f-0016d3cca427]`) is one value, not five
  // groups of hex that the sub-words below would judge one by one.
  if (len > 36 && token.indexOf('-') >= 8) {
    const u = UUID_IN.exec(token);
    if (u !== null) return maskToken(token.slice(0, u.index) + WILDCARD + token.slice(u.index + 36));
  }
  // Sub-words between delimiters; `out` holds the token up to `copied`, the rest is copied when it ends.
  let out = '';
  let copied = 0;
  let start = 0;
  let wordDigits = 0;
  let letters = 0;
  let hexOnly = true;
  for (let i = 0; i <= len; i++) {
    const c = i < len ? token.charCodeAt(i) : -1;
    if (c >= 0 && !isDelim(c)) {
      if (isDigit(c)) wordDigits++;
      else {
        if (isLetter(c)) letters++;
        if (!isHexLetter(c)) hexOnly = false;
      }
      continue;
    }
    if (i > start) {
      if (isVariableWord(token, start, i, wordDigits, letters, hexOnly)) {
        out += token.slice(copied, start);
        // Runs like 1.2.3 or 10:20:30 are one value: never leave `<*>.<*>`.
        const n = out.length;
        if (n >= 4 && (out[n - 1] === '.' || out[n - 1] === ':') && out.endsWith(WILDCARD, n - 1))
          out = out.slice(0, -1);
        else if (n > 0 && out[n - 1] === '-' && (n === 1 || SIGN_AFTER.includes(out[n - 2] as string)))
          // A minus sign is part of its number (`-2`, `id_-1727…`), a hyphen after a word is not (`node-2`).
          out = `${out.slice(0, -1)}${WILDCARD}`;
        else out += WILDCARD;
        copied = i;
      } else {
        const cut = wordDigits < 4 ? i : numberTail(token, start, i);
        if (cut < i) {
          out += token.slice(copied, cut) + WILDCARD;
          copied = i;
        }
      }
    }
    start = i + 1;
    wordDigits = 0;
    letters = 0;
    hexOnly = true;
  }
  if (copied === 0) return token;
  return copied < len ? out + token.slice(copied) : out;
}

/** A whole-token mask keeps the brackets and trailing punctuation around the value: `[10.0.0.1]` → `[<*>]`. */
function keepEdges(token: string): string {
  let s = 0;
  let e = token.length;
  while (s < e && '<(["\''.includes(token[s] as string)) s++;
  while (e > s && '>)]"\',;:.'.includes(token[e - 1] as string)) e--;
  return token.slice(0, s) + WILDCARD + token.slice(e);
}

/**
 * Digits in a token, or -1 when it has no digit, path separator or `@` (nothing in it can be a value but a
 * literal: see literalOr).
 */
export function digitsOrPlain(token: string): number {
  let digits = 0;
  let sep = false;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= C_0 && c <= C_9) digits++;
    else if (c === 47 || c === 92 || c === 64) sep = true;
  }
  return digits === 0 && !sep ? -1 : digits;
}
