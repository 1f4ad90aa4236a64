import { describe, expect, it } from 'vitest';
import { detectors } from './registry.js';
import { RobustZDetector, robustSpread } from './robust-z.js';
import { SortedWindow } from './sorted-window.js';
import { gaussian, sparseCounts } from './synthetic.fixture.js';

const window = (values: number[]) => {
  const w = new SortedWindow(values.length);
  for (const v of values) w.push(v);
  return w;
};

describe('robust z-score on a series that sits on one value', () => {
  it('takes a window of one value as a range of one step of the series, once the series has stepped', () => {
    const zeros = window(new Array(128).fill(0));
    expect(robustSpread(zeros, 0, 1)).toBe(0.25);
    // No step yet: a flat series that first moves is far out.
    expect(robustSpread(zeros, 0)).toBe(1e-12);
    // A spread the window can show wins over the floor.
    expect(robustSpread(window([0, 0, 0, 2, ...new Array(124).fill(0)]), 0, 1)).toBe(0.5);
  });

  it("scores a count's usual 1 after a quiet window as it would after a window holding one", () => {
    const z = new RobustZDetector();
    z.observe(0, 0);
    z.observe(1, 1);
    for (let i = 2; i < 300; i++) z.observe(i, 0);
    z.observe(300, 1);
    expect(z.z()).toBe(4);
    // A series flat from the start that first moves stays far out.
    const flat = new RobustZDetector();
    for (let i = 0; i < 300; i++) flat.observe(i, 5);
    flat.observe(300, 5.5);
    expect(flat.z()).toBeGreaterThan(1e3);
  });

  it('gives auto no alarm storm on an error count that is mostly 0', () => {
    // Before the floor, a 1 after 128 quiet samples read as z 1e12: 312 scores of 0.7 or more in these 10
    // series (23-39 each); now 11 (0-2 each).
    let alarms = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const d = detectors.get('auto')({});
      const next = sparseCounts(seed);
      for (let i = 0; i < 20_000; i++) if (d.observe(i * 60_000, next()) >= 0.7 && i >= 600) alarms++;
    }
    expect(alarms).toBeLessThanOrEqual(25);
  });

  it('still scores a burst far above the usual counts', () => {
    const d = detectors.get('auto')({});
    const next = sparseCounts(3);
    for (let i = 0; i < 5_000; i++) d.observe(i * 60_000, next());
    expect(d.observe(5_000 * 60_000, 40)).toBeGreaterThanOrEqual(0.7);
    // Gaussian noise is untouched by the floor (its windows always have a spread).
    const g = gaussian(5);
    const z = new RobustZDetector();
    for (let i = 0; i < 500; i++) z.observe(i, 100 + g());
    z.observe(500, 106);
    expect(z.z()).toBeGreaterThan(4);
  });
});
