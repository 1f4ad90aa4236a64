import { describe, expect, it } from 'vitest';
import { maskToken } from './mask.js';
import { TokenMasker, tokenize } from './token-masker.js';

describe('TokenMasker', () => {
  // Tokens seen once wait in a small map; a second sight moves them to the cache; both maps are dropped when
  // full. Whatever the sizes, every answer is maskToken's.
  it('masks as maskToken does, whatever its map sizes and however often a token repeats', () => {
    const tokens = [
      'pid=42',
      'eth0',
      '/var/log/a1.log',
      'v1.2.3',
      '10.0.0.1:80',
      'ann@example.org',
      'worker-246',
      'granted=true',
      'false,',
      'None',
      '[null]',
      'enabled:false;',
    ];
    const seq = Array.from({ length: 200 }, (_, i) => tokens[(i * i + 3 * i) % tokens.length] as string);
    for (const [entries, once] of [
      [100_000, 4096],
      [2, 2],
      [1, 1],
      [3, 1],
    ] as const) {
      const m = new TokenMasker(entries, once);
      for (const t of seq) expect(m.mask(t)).toBe(maskToken(t));
      const raw: string[] = [];
      const masked: string[] = [];
      m.line(seq.slice(0, 20).join(' '), raw, masked);
      expect(masked).toEqual(raw.map(maskToken));
    }
  });

  it('splits and masks lines as tokenize and maskToken do, whatever the size of its maps', () => {
    const words = [
      'pid=42',
      'eth0',
      'a',
      'b',
      'ab',
      'ba',
      '/var/log/a1.log',
      'v1.2.3',
      'blk_-1608999687919862906',
      '10.0.0.1:80',
      'node-7',
      'ünïcödé',
      'x\u00a0y',
      'a-rather-long-word-of-many-letters',
    ];
    const seps = [' ', '  ', '\t', ' \r\n '];
    let seed = 7;
    const rand = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    const lines = Array.from({ length: 300 }, () => {
      let line = rand(3) === 0 ? ' ' : '';
      const count = rand(12);
      for (let w = 0; w < count; w++)
        line += (words[rand(words.length)] as string) + (seps[rand(seps.length)] as string);
      return line;
    });
    for (const slots of [1, 2, 64, 100_000]) {
      const m = new TokenMasker(slots, slots);
      const raw: string[] = [];
      const masked: string[] = [];
      for (const line of lines) {
        m.line(line, raw, masked);
        expect(raw).toEqual(tokenize(line));
        expect(masked).toEqual(raw.map(maskToken));
      }
    }
  });
});
