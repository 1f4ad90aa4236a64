import { describe, expect, it } from 'vitest';
import { OneStepRegression } from './one-step.js';
import { gaussian } from './synthetic.fixture.js';

function fed(phi: number, n: number, seed = 3): { fit: OneStepRegression; last: number } {
  const g = gaussian(seed);
  const fit = new OneStepRegression();
  let x = 0;
  for (let i = 0; i < n; i++) {
    x = phi * x + 0.5 * g();
    fit.push(50 + x);
  }
  return { fit, last: 50 + x };
}

describe('OneStepRegression', () => {
  it('says nothing before it has pairs to fit', () => {
    const fit = new OneStepRegression();
    fit.push(1);
    fit.push(2);
    expect(fit.innovation(100)).toBe(0);
  });

  it('on a drifting series, the next ordinary step is a small innovation and a jump of 4 steps a large one', () => {
    const { fit, last } = fed(0.9, 5000);
    // The residual spread is the innovations' 0.5; the level's own spread is 0.5 / √(1 − 0.81) ≈ 1.15.
    expect(Math.abs(fit.innovation(last))).toBeLessThan(1.5);
    expect(fit.innovation(last + 2)).toBeGreaterThan(3);
    expect(fit.innovation(last - 2)).toBeLessThan(-3);
  });

  it('on independent noise it is a z-score against the mean', () => {
    const { fit } = fed(0, 5000);
    expect(fit.innovation(50 + 1)).toBeCloseTo(2, 0);
    expect(fit.innovation(50)).toBeCloseTo(0, 0);
  });

  it('ignores non-finite values and holds a few numbers of state', () => {
    const { fit, last } = fed(0.5, 1000);
    const before = fit.innovation(last + 1);
    fit.push(Number.NaN);
    expect(fit.innovation(last + 1)).toBe(before);
    expect(fit.byteLength).toBeLessThanOrEqual(64);
  });
});
