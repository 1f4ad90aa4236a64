import { describe, expect, it } from 'vitest';
import { ContextDetector, ContextNovelty, KeySet } from './context.js';
import { detectors } from './registry.js';
import { gaussian } from './synthetic.fixture.js';

/** A 12-sample staircase repeated, with a little noise; from `at` on, `after` instead. */
function pattern(n: number, at: number, after: (i: number) => number, noise = 0.05): number[] {
  const g = gaussian(5);
  return Array.from({ length: n }, (_, i) => (i >= at ? after(i) : 10 + (i % 12) + noise * g()));
}

describe('KeySet', () => {
  it('remembers keys, and forgets the one unused the longest when its bucket is full', () => {
    const s = new KeySet(4);
    expect(s.touch(7)).toBe(false);
    expect(s.touch(7)).toBe(true);
    for (const k of [11, 13, 17]) s.touch(k);
    s.touch(7);
    // Four slots, five keys: 11 is the one unused the longest.
    s.touch(19);
    expect(s.touch(7)).toBe(true);
    expect(s.touch(11)).toBe(false);
  });
});

describe('ContextNovelty', () => {
  it('learns a repeating sequence (novelty falls to 0) and scores a break in it high', () => {
    const m = new ContextNovelty(8, 6, 4096);
    const xs = pattern(3000, 2500, (i) => 10 + ((i * 7) % 12));
    const out = xs.map((x) => m.push(x));
    expect(out[0]).toBe(1);
    const learnt = out.slice(2000, 2500);
    expect(Math.max(...learnt)).toBeLessThan(0.2);
    // The scrambled order uses the same levels, in contexts never seen.
    expect(Math.max(...out.slice(2500, 2520))).toBeGreaterThan(0.5);
  });

  it('keeps its grid when the range holds and coarsens it when the range doubles', () => {
    const m = new ContextNovelty(8, 3, 1024);
    for (let i = 0; i < 500; i++) m.push(i % 8);
    const before = m.push(4);
    expect(before).toBeLessThan(0.2);
    // A value far beyond the range: the grid coarsens, and that value is new on any grid: novelty 1.
    expect(m.push(100)).toBe(1);
  });

  it('after the grid coarsens, knows the recent sequences at once (`replay`) instead of relearning them', () => {
    // The staircase learnt, then one value that quadruples the range (the grid coarsens), then the staircase.
    const xs = pattern(2200, 2200, () => 0).map((x, i) => (i === 2000 ? 60 : x));
    const noveltyAfter = (replay: number) => {
      const m = new ContextNovelty(8, 6, 4096, replay);
      const out = xs.map((x) => m.push(x));
      return out.slice(2002, 2100).reduce((s, x) => s + x, 0) / 98;
    };
    const relearnt = noveltyAfter(0);
    const replayed = noveltyAfter(1024);
    // Forgotten, the staircase is new for a while on the coarse grid; replayed, only the spike's own contexts are.
    expect(relearnt).toBeGreaterThan(0.05);
    expect(replayed).toBeLessThan(relearnt / 3);
  });
});

describe('ContextDetector', () => {
  it('scores the break of a learnt pattern above 0.5, and the pattern itself below it', () => {
    const d = new ContextDetector();
    // Without noise: a value on a level's edge would flip between levels, a context of its own each time.
    const xs = pattern(3000, 2500, (i) => 10 + ((i * 7) % 12), 0);
    const out = xs.map((x, i) => d.observe(i, x));
    expect(Math.max(...out.slice(1000, 2500))).toBeLessThan(0.5);
    expect(Math.max(...out.slice(2500, 2600))).toBeGreaterThan(0.5);
  });

  it('scores a value beyond the range so far 1 (the spatial rule), once the range is known', () => {
    const d = new ContextDetector();
    const xs = pattern(1000, 999, () => 50);
    const out = xs.map((x, i) => d.observe(i, x));
    expect(out[999]).toBe(1);
  });

  it('with likelihood 0, silences `rest` samples after a raw score of 0.75 (CAD OSE)', () => {
    const d = new ContextDetector({ likelihood: 0, rest: 30, spatial: 0 });
    const xs = pattern(2000, 1500, (i) => 10 + ((i * 5) % 12));
    const out = xs.map((x, i) => d.observe(i, x));
    const onsets = out.slice(1500).filter((s) => s >= 0.75).length;
    expect(onsets).toBeGreaterThan(0);
    // Nothing within `rest` samples after an alarm.
    const first = out.findIndex((s, i) => i >= 1500 && s >= 0.75);
    expect(Math.max(...out.slice(first + 1, first + 31))).toBe(0);
  });

  it('holds bounded state whatever the series, ignores non-finite values, and is registered', () => {
    const d = detectors.get('context')();
    const g = gaussian(9);
    for (let i = 0; i < 50_000; i++) d.observe(i, g() * 1000 + i);
    expect(d.stateBytes()).toBeLessThan(64 * 1024);
    expect(d.observe(0, Number.NaN)).toBe(0);
  });
});
