/**
 * A log of many templates, as a desktop's or an appliance's system log has (hundreds of kinds of line in a few
 * thousand lines, most seen a few times, a few seen often): kinds built from a vocabulary of made-up words, so
 * that no word of any real log helps, with values of the usual kinds in some positions (numbers, addresses,
 * paths, durations, host names, hex ids, key=value values). Seeded: the same log every run.
 */
import { duration, int, ipv4, type LineKind, path, Rng } from './formats.fixture.js';

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'de', 'fa'].concat([
  'gu',
  'ha',
  'je',
  'po',
  'qu',
  'xi',
  'zo',
  'be',
  'ce',
  'wy',
]);

/** Host names with a number, under public and private names (`ip-10-0-1-5.ec2.internal`). */
const host = (r: Rng) =>
  `${r.pick(['web', 'db', 'node', 'ip-10-0'])}${r.int(1, 40)}.${r.pick(['example.com', 'example.net', 'ec2.internal', 'svc.cluster.local'])}`;

const VALUES: Array<(r: Rng) => string> = [
  int(0, 99_999),
  ipv4,
  path,
  duration,
  host,
  (r) => r.hex(16),
  (r) => `0x${r.hex(8)}`,
];

/**
 * `count` kinds of line, each listed in proportion to a Zipf weight (the first most often), for `generate`:
 * 4 to 28 words, a value in about one position in seven after the second word, some behind a `key=`.
 */
export function manyKinds(count: number, seed: number): LineKind[] {
  const r = new Rng(seed);
  const vocabulary: string[] = [];
  for (let i = 0; i < 3000; i++) {
    let w = '';
    for (let j = r.int(1, 4); j > 0; j--) w += r.pick(SYLLABLES);
    vocabulary.push(w);
  }
  const weighted: LineKind[] = [];
  for (let k = 0; k < count; k++) {
    const words: string[] = [];
    const values: LineKind['values'] = [];
    for (let i = r.int(4, 28); i > 0; i--) {
      if (words.length > 1 && r.next() < 0.15) {
        values.push(r.pick(VALUES));
        words.push(`${r.next() < 0.4 ? `${r.pick(vocabulary)}=` : ''}<*>`);
      } else words.push(r.pick(vocabulary));
    }
    const kind = { template: words.join(' '), values };
    for (let w = Math.max(1, Math.round(200 / (k + 1))); w > 0; w--) weighted.push(kind);
  }
  return weighted;
}
