import { describe, expect, it } from 'vitest';
import { ArtDetector, ArtNovelty, FuzzyArt, haar } from './art.js';
import { EnsembleDetector } from './ensemble.js';
import { gaussian } from './synthetic.fixture.js';

/** A repeating shape (a 16-sample saw with noise) for `n` samples, then `after` from `at` on. */
function series(n: number, at: number, after: (i: number, e: number) => number, seed = 3): number[] {
  const g = gaussian(seed);
  return Array.from({ length: n }, (_, i) => {
    const e = g();
    return i >= at ? after(i, e) : 10 + (i % 16) * 0.5 + 0.05 * e;
  });
}

describe('haar', () => {
  it('is orthonormal: a constant has one coefficient, energy is kept', () => {
    const a = Float64Array.from([2, 2, 2, 2]);
    haar(a, new Float64Array(4));
    expect(a[0]).toBeCloseTo(4);
    expect([a[1], a[2], a[3]].map((x) => Math.abs(x!))).toEqual([0, 0, 0]);
    const b = Float64Array.from([1, -2, 3, 0.5, 4, 0, -1, 2]);
    const energy = b.reduce((s, x) => s + x * x, 0);
    haar(b, new Float64Array(8));
    expect(b.reduce((s, x) => s + x * x, 0)).toBeCloseTo(energy);
  });
});

describe('FuzzyArt', () => {
  it('matches a learnt point fully, founds a category for a far one, recycles when full', () => {
    const art = new FuzzyArt(2, 2, 0.9, 1);
    expect(art.learn(Float64Array.from([0.2, 0.2]))).toBe(0);
    expect(art.count).toBe(1);
    expect(art.learn(Float64Array.from([0.2, 0.2]))).toBeCloseTo(1, 6);
    expect(art.learn(Float64Array.from([0.9, 0.9]))).toBeLessThan(0.9);
    expect(art.count).toBe(2);
    art.learn(Float64Array.from([0.5, 0.0]));
    expect(art.count).toBe(2);
  });

  it('rescales the level dimensions exactly when the range widens', () => {
    const art = new FuzzyArt(2, 1, 0.5, 1);
    art.learn(Float64Array.from([0.5, 0.3]));
    // Values 0..10 scaled to 0..1 are now 0..20: 0.5 (value 5) becomes 0.25; shape dims are left alone.
    art.rescale(0, 10, 0, 20);
    expect(art.lo[0]).toBeCloseTo(0.25);
    expect(art.hi[0]).toBeCloseTo(0.25);
    expect(art.lo[1]).toBeCloseTo(0.3);
  });
});

describe('ArtNovelty', () => {
  it('reports novelty once per block of `step` samples, low for a learnt shape, high for a new one', () => {
    const nov = new ArtNovelty(2, 8, 64, 0.9);
    const xs = series(2000, 1500, (i, e) => 10 + (i % 4 < 2 ? 8 : 0) + 0.05 * e);
    const out = xs.map((x) => nov.push(x));
    expect(out.filter((f) => f >= 0).length).toBeGreaterThan(980);
    expect(out.filter((f, i) => f >= 0 && i % 2 === 0).length).toBe(0);
    const before = Math.max(...out.slice(1000, 1500));
    const after = Math.max(...out.slice(1500, 1520));
    expect(before).toBeLessThan(0.1);
    expect(after).toBeGreaterThan(0.2);
  });
});

describe('art detector', () => {
  it('raises its highest score at a change of shape, not on the routine before it', () => {
    const d = new ArtDetector();
    const xs = series(3000, 2400, (i, e) => 10 + (i % 6) * 1.2 + 0.05 * e);
    const out = xs.map((x, i) => d.observe(i, x));
    const quiet = Math.max(...out.slice(600, 2400));
    const event = Math.max(...out.slice(2400, 2460));
    expect(event).toBeGreaterThan(0.5);
    expect(event).toBeGreaterThan(quiet);
  });

  it('ignores gaps and keeps its state within 64 KiB, bounded however long it runs', () => {
    const d = new ArtDetector({ cats: 64 });
    const g = gaussian(5);
    expect(d.observe(0, Number.NaN)).toBe(0);
    for (let i = 0; i < 20_000; i++) d.observe(i, 50 + 10 * g());
    const bytes = d.stateBytes();
    for (let i = 0; i < 20_000; i++) d.observe(i, 50 + 10 * g());
    expect(d.stateBytes()).toBe(bytes);
    expect(bytes).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('auto with the ART feature (art=1)', () => {
  it('leaves auto unchanged without the option and sees the change of shape with it', () => {
    const xs = series(3000, 2400, (i, e) => 10 + (i % 6) * 1.2 + 0.05 * e);
    const plain = new EnsembleDetector();
    const same = new EnsembleDetector({ art: 0 });
    const withArt = new EnsembleDetector({ art: 1, artStep: 4 });
    const a = xs.map((x, i) => plain.observe(i, x));
    const b = xs.map((x, i) => same.observe(i, x));
    const c = xs.map((x, i) => withArt.observe(i, x));
    expect(b).toEqual(a);
    expect(Math.max(...c.slice(2400, 2460))).toBeGreaterThan(0.5);
    expect(withArt.stateBytes()).toBeGreaterThan(plain.stateBytes());
    expect(withArt.stateBytes()).toBeLessThanOrEqual(64 * 1024);
  });
});
