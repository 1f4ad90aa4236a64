import { describe, expect, it } from 'vitest';
import { maskToken, TokenMasker } from './mask.js';

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
});
