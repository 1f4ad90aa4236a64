import { describe, expect, it } from 'vitest';
import { TrailingLists } from './lists.js';
import { TemplateMiner } from './miner.js';

/** Made-up ids of one shape: a list's members. */
const ids = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => `job_${(seed * 7919 + i * 104_729) % 9_999_991}`).join(' ');

function mineAll(lines: string[]): string[] {
  const miner = new TemplateMiner();
  const assigned = lines.map((l) => miner.add(l).template);
  return assigned.map((t) => miner.text(t));
}

describe('a list of values ending a message', () => {
  it('is one value once it has shown two lengths: one template for 1, 9 and 40 members', () => {
    const lines = [1, 1, 9, 40, 2, 9, 1].map((n, i) => `scheduler asked node-${i + 3} to drop ${ids(n, i)}`);
    const texts = mineAll(lines);
    // The first line of each new length before the fold stays where it was mined; after it, all join.
    const last = texts.at(-1)!;
    expect(last).toBe('scheduler asked node-<*> to drop <*>');
    expect(texts.filter((t) => t === last).length).toBeGreaterThanOrEqual(5);
    expect(new Set(texts.slice(2)).size).toBe(1);
  });

  it('keeps a run whose length never varies: each value its own place', () => {
    const lines = Array.from(
      { length: 30 },
      (_, i) => `fan speeds ${3000 + i} ${3100 + i * 3} ${2900 + i * 7} ${3050 + i}`,
    );
    expect(new Set(mineAll(lines))).toEqual(new Set(['fan speeds <*> <*> <*> <*>']));
  });

  it('is not folded across different words before it, nor when the message is the list alone', () => {
    const lists = new TrailingLists();
    // Each line here starts a template of its own, as a miner would tell the lists.
    const fold = (line: string) => {
      const raw = line.split(' ');
      const masked = raw.map((w) => (/\d/.test(w) ? w.replace(/\d+/g, '<*>') : w));
      lists.scan(raw, masked);
      lists.created(masked);
      return { raw, masked };
    };
    fold('drop job_1');
    expect(fold('keep job_1 job_2').masked).toEqual(['keep', 'job_<*>', 'job_<*>']);
    expect(fold('drop job_1 job_2 job_3')).toEqual({
      raw: ['drop', 'job_1 job_2 job_3'],
      masked: ['drop', '<*>'],
    });
    // A word with a delimiter around its value is text, not a list member: `id=<*>` ends no list.
    fold('set id=1');
    expect(fold('set id=1 id=2').masked).toEqual(['set', 'id=<*>', 'id=<*>']);
    fold('<*>');
    expect(fold('1 2 3').masked).toEqual(['<*>', '<*>', '<*>']);
  });

  it('does not take the evidence of one prefix for another of the same shape (`started`, `stopped`)', () => {
    const lines = [
      'pool workers started w1 w2',
      'pool workers started w1 w2 w3 w4',
      ...Array.from({ length: 5 }, (_, i) => `pool workers stopped ${i + 11} ${i + 12} ${i + 13}`),
    ];
    const texts = mineAll(lines);
    expect(new Set(texts.slice(2))).toEqual(new Set(['pool workers stopped <*> <*> <*>']));
  });

  it('mines a line longer than the words looked at that ends in a value, as it mined any other', () => {
    const long = (n: number) =>
      `${Array.from({ length: 84 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}`).join(' ')} ${n}`;
    const miner = new TemplateMiner();
    expect(() => {
      for (let i = 0; i < 5; i++) miner.add(long(i));
      miner.add('short line ending 12 13');
      miner.add('short line ending 12 13 14');
    }).not.toThrow();
  });
});
