import { describe, expect, it } from 'vitest';
import { normalTail } from './likelihood.js';
import { RED_Z } from './one-step.js';
import { ResidualTail } from './residual-tail.js';
import { gaussian } from './synthetic.fixture.js';

const P = normalTail(RED_Z);

/** Standardised residuals of multiplicative noise, 100·e^{σN}: skewed to the right. */
function skewed(seed: number, sigma: number, n: number): number[] {
  const g = gaussian(seed);
  const m = Math.exp((sigma * sigma) / 2);
  const sd = m * Math.sqrt(Math.exp(sigma * sigma) - 1);
  return Array.from({ length: n }, () => (Math.exp(sigma * g()) - m) / sd);
}

describe('ResidualTail', () => {
  it('reads as a Gaussian until it has seen otherwise', () => {
    const t = new ResidualTail(2);
    expect(t.heavier(P, 1)).toBe(1);
    expect(t.heavier(P, -1)).toBe(1);
    expect(t.byteLength).toBeLessThanOrEqual(64);
  });

  // A tail fitted on a few dozen excesses varies: over 30 seeds (60 tails) the median is 1.01, the 90th
  // percentile 1.12, the largest 1.29. That is the sensitivity the option costs a Gaussian series.
  it('finds Gaussian residuals about as heavy as a Gaussian (5 seeds of 20,000)', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const g = gaussian(seed);
      const t = new ResidualTail(2);
      for (let i = 0; i < 20_000; i++) t.push(g());
      expect(t.heavier(P, 1), `seed ${seed}`).toBeLessThan(1.3);
      expect(t.heavier(P, -1), `seed ${seed}`).toBeLessThan(1.3);
    }
  });

  it('finds the right tail of multiplicative noise heavy, and its left tail not', () => {
    const t = new ResidualTail(2);
    for (const z of skewed(1, 0.3, 20_000)) t.push(z);
    // The true 1e-5 point of these residuals lies near z 7.9: nearly twice a Gaussian's 4.265.
    expect(t.heavier(P, 1)).toBeGreaterThan(1.5);
    expect(t.heavier(P, -1)).toBe(1);
  });
});
