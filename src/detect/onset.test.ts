import { describe, expect, it } from 'vitest';
import { TailCalibrator } from './calibrate.js';
import { OnsetGate } from './onset.js';
import { gaussian } from './synthetic.fixture.js';

describe('OnsetGate', () => {
  it('passes the start of an event and silences its continuation', () => {
    const g = new OnsetGate(0.99, 1.5);
    const out = [1, 2, 9, 9.5, 10, 9, 8, 7, 0.5].map((u) => g.push(u));
    expect(out).toEqual([1, 2, 9, 0, 0, 0, 0, 0, 0]);
  });

  it('re-announces an event that grows clearly stronger, and a new event once the old one has faded', () => {
    const g = new OnsetGate(0.99, 1.5);
    expect(g.push(8)).toBe(8);
    expect(g.push(14)).toBe(14);
    for (let i = 0; i < 300; i++) g.push(0.5);
    expect(g.push(8)).toBe(8);
  });
});

describe('TailCalibrator', () => {
  it('keeps surprise growing past the largest value seen, whatever the length of the history', () => {
    const short = new TailCalibrator();
    const long = new TailCalibrator();
    const g = gaussian(1);
    for (let i = 0; i < 20_000; i++) {
      const x = Math.abs(g());
      if (i < 500) short.add(x);
      long.add(x);
    }
    for (const c of [short, long]) {
      // |N(0,1)| ≥ 2 has P = 0.0455, −ln P = 3.09: counted inside the history.
      expect(c.surprise(2)).toBeCloseTo(3.09, 0);
      // Beyond it the fitted tail keeps climbing (conservatively: a Pareto-like tail is heavier than Gauss's).
      expect(c.surprise(4)).toBeGreaterThan(6);
      expect(c.surprise(8)).toBeGreaterThan(c.surprise(4) + 3);
      expect(c.surprise(30)).toBeGreaterThan(c.surprise(8) + 6);
    }
    // Far past the usual extremes, 500 samples of history judge about as 20,000 do: no saturation at ln(n).
    expect(Math.abs(short.surprise(30) - long.surprise(30))).toBeLessThan(5);
  });

  it('scores a deviation that keeps recurring by how often it recurs, not as far beyond the extremes', () => {
    const fit = new TailCalibrator(48, 3, 1500, 0.1, 8, 0);
    const counted = new TailCalibrator(48, 3, 1500, 0.1, 8, 8);
    const g = gaussian(2);
    // A square wave's edge: a z of 1000 twice a day (every 144 samples), |N(0,1)| otherwise.
    for (let i = 0; i < 3000; i++) {
      const x = i % 144 === 0 ? 1000 : Math.abs(g());
      fit.add(x);
      counted.add(x);
    }
    // An edge-sized deviation (700: a bin below the edges, so all of them lie above it) recurs once in 144
    // samples: P ≈ 1/144, −ln P ≈ 5. The fitted tail alone calls it far rarer than it is.
    expect(fit.surprise(700)).toBeGreaterThan(7.5);
    expect(counted.surprise(700)).toBeGreaterThan(4.5);
    expect(counted.surprise(700)).toBeLessThan(5.5);
    // Never seen before: the fitted tail decides, as without the check.
    expect(counted.surprise(1e6)).toBeCloseTo(fit.surprise(1e6), 6);
    // Below the tail nothing changes.
    expect(counted.surprise(1)).toBeCloseTo(fit.surprise(1), 6);
  });
});
