import { WILDCARD } from './mask.js';

/**
 * Writes a template the way the Loghub template guidelines (Khan et al., ICSE'22) write one, so that two
 * clusters that differ only in how a value was cut up print the same text, and so that the text is what a
 * person expects: a value is one `<*>` whatever its inner punctuation.
 */

/**
 * Words that are values whenever they stand alone between delimiters: the literals of every data format
 * (booleans, null). Names of users, hosts or products are not listed: which of them are values is for the
 * miner to see from how lines differ, not for a list drawn from one log.
 */
export const VALUE_WORDS: ReadonlySet<string> = new Set(['true', 'false', 'null']);

const PATH_SPLIT = /([\s,!;:=|"'[\](){}])/;
const TOKEN_SPLIT = /([\s,!;:=|"'[\](){}.\-+@#$%&])/;
const PATH_LIKE = /^(\/[^/]+)+$/;
const DIGITS = /^\d+$/;
const HAS_VAR = /^[^\s/]*<\*>[^\s/]*$/;
const ANGLED = `<${WILDCARD}>`;

export function canonicalTemplate(template: string, valueWords: ReadonlySet<string> = VALUE_WORDS): string {
  let t = template.trim().replace(/\s+/g, ' ');
  if (t.includes('/')) {
    t = t
      .split(PATH_SPLIT)
      .map((p) => (PATH_LIKE.test(p) ? WILDCARD : p))
      .join('');
  }
  const parts = t.split(TOKEN_SPLIT);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (p.length === 0 || p.length === 1) {
      if (p.length === 1 && p >= '0' && p <= '9') parts[i] = WILDCARD;
      continue;
    }
    // A value in angle brackets (`<<*>>`: an address) keeps them, as a bracketed one does.
    if (p === ANGLED) continue;
    if (valueWords.has(p.toLowerCase()) || DIGITS.test(p) || (p !== WILDCARD && HAS_VAR.test(p)))
      parts[i] = WILDCARD;
  }
  t = parts.join('');
  t = repeatReplace(t, '<*>.<*>', WILDCARD);
  t = repeatReplace(t, '<*><*>', WILDCARD);
  t = repeatReplace(t, '<*>:<*>', WILDCARD);
  return t;
}

function repeatReplace(s: string, from: string, to: string): string {
  let out = s;
  while (out.includes(from)) out = out.split(from).join(to);
  return out;
}
