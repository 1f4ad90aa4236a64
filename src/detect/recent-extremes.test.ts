import { describe, expect, it } from 'vitest';
import { RecentExtremes } from './recent-extremes.js';
import { gaussian } from './synthetic.fixture.js';

const fed = (memory: number, xs: number[]) => {
  const r = new RecentExtremes(memory);
  for (const x of xs) r.push(x);
  return r;
};

describe('RecentExtremes', () => {
  it('is the whole history until its horizon has passed', () => {
    const xs = Array.from({ length: 2000 }, (_, i) => (i === 5 ? 50 : i === 7 ? -50 : Math.sin(i)));
    const r = fed(2016, xs);
    expect(r.hi).toBe(50);
    expect(r.lo).toBe(-50);
  });

  it('forgets an excursion of an hour once it is older than the horizon and a block', () => {
    const g = gaussian(1);
    const xs = Array.from({ length: 20_000 }, () => g());
    for (let i = 10_000; i < 10_012; i++) xs[i]! += 80;
    for (let i = 12_000; i < 12_012; i++) xs[i]! -= 80;
    expect(fed(2016, xs.slice(0, 10_100)).hi).toBeGreaterThan(70);
    // 2016 + 252 samples after the excursion's end it is out of the window, and stands out of the history.
    const r = fed(2016, xs.slice(0, 14_300));
    expect(r.hi).toBeLessThan(5);
    expect(r.lo).toBeGreaterThan(-5);
    // The noise's own extremes stay: within a few tenths of the history's largest ordinary value.
    const ordinary = xs.slice(0, 14_300).filter((x) => Math.abs(x) < 20);
    expect(r.hi).toBeGreaterThan(Math.max(...ordinary) - 0.5);
  });

  it('keeps a level that lasted (three blocks or more) as part of the range', () => {
    const xs = Array.from({ length: 10_000 }, (_, i) => (i >= 1000 && i < 1800 ? 100 : Math.sin(i)));
    expect(fed(2016, xs).hi).toBe(100);
  });

  it('keeps the extremes of stationary noise as the whole history does, most of the time', () => {
    let same = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const g = gaussian(seed);
      const xs = Array.from({ length: 50_000 }, () => 100 * Math.exp(0.3 * g()));
      const r = fed(2016, xs);
      if (r.hi === Math.max(...xs) && r.lo === Math.min(...xs)) same++;
    }
    expect(same).toBeGreaterThanOrEqual(18);
  });

  it('throws on a horizon shorter than its blocks, and holds a few hundred bytes', () => {
    expect(() => new RecentExtremes(7)).toThrow(RangeError);
    expect(() => new RecentExtremes(Number.NaN)).toThrow(RangeError);
    expect(new RecentExtremes(8640).byteLength).toBeLessThanOrEqual(256);
  });
});
