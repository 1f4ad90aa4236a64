/** Whether a sub-word of a token (between delimiters) is a value: a number, a hash, a measurement, an id. */
import { C_0, isDigit, isLetter } from './chars.js';

/**
 * A sub-word is a variable when it is mostly digits, or a hex number (0x1f, or 8+ hex characters). Its
 * digits, letters and whether all its other characters are hex letters are counted by the caller's scan.
 */
export function isVariableWord(
  token: string,
  start: number,
  end: number,
  digits: number,
  letters: number,
  hexOnly: boolean,
): boolean {
  if (digits === 0) return false;
  if (digits > letters) return true;
  const len = end - start;
  if (len > 2 && token.charCodeAt(start) === C_0 && (token.charCodeAt(start + 1) | 32) === 120) return true;
  return (hexOnly && len >= 8) || isMeasure(token, start, end) || isGenerated(token, start, end);
}

/**
 * A sub-word a program generated rather than a person named: within a run of letters and digits, they switch
 * four times or more in short runs (letters three at most: `x2x9z`, `8f2a9c`, `a9f3kq7`). A name with digits
 * switches fewer times or has longer words (`ssh2`, `k8s`, `utf8mb4`, `Http11Nio2Protocol`, `C3P0PooledConnection`).
 */
function isGenerated(token: string, start: number, end: number): boolean {
  let switches = 0;
  let letters = 0;
  let named = false; // a run of more than three letters in this run: a word
  let prev = -1; // 1: a digit, 0: a letter
  for (let i = start; i <= end; i++) {
    const c = i < end ? token.charCodeAt(i) : -1;
    const kind = isDigit(c) ? 1 : isLetter(c) ? 0 : -1;
    if (kind < 0) {
      // A run of letters and digits ends (`_`, the sub-word's end): judged, then the next starts afresh.
      if (switches >= 4 && !named) return true;
      switches = 0;
      letters = 0;
      named = false;
      prev = -1;
      continue;
    }
    if (kind === 0) named ||= ++letters > 3;
    else letters = 0;
    if (prev >= 0 && kind !== prev) switches++;
    prev = kind;
  }
  return false;
}

/** Units a measurement glued to its number may have: of time, of size. */
const UNITS: ReadonlySet<string> = new Set(
  'ns us ms s sec secs m min mins h d b kb mb gb tb kib mib gib'.split(' '),
);

/**
 * A sub-word that is a number with its unit, or several (`5MB` of `5MB/14MB`, `4s38ms`): a measurement,
 * however many letters its unit has. Starts with a digit, or it is a name (`eth0`, `ssh2`).
 */
function isMeasure(token: string, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const d = i;
    while (i < end && isDigit(token.charCodeAt(i))) i++;
    if (i === d) return false;
    const u = i;
    while (i < end && isLetter(token.charCodeAt(i))) i++;
    if (i - u === 0 || i - u > 4 || !UNITS.has(token.slice(u, i).toLowerCase())) return false;
  }
  return true;
}

/**
 * `took1514044800223` → `took<*>`: a long number (four digits or more) glued to a word is still a number,
 * while a name with a short one (`ssh2`, `eth0`, `node716`) is a name. Returns where that number starts, or
 * `end` when the sub-word has none.
 */
export function numberTail(token: string, start: number, end: number): number {
  let j = end;
  while (j > start && isDigit(token.charCodeAt(j - 1))) j--;
  if (end - j < 4 || j === start || !isLetter(token.charCodeAt(j - 1))) return end;
  return j;
}
