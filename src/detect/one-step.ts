import { bytesOf } from './detector.js';

/** The standard normal's z with an upper tail of 1e-5: the anomaly likelihood's red level (a score of 0.5). */
export const RED_Z = 4.2649;

/**
 * The series' own one-step dynamics: a least-squares fit of each value on the one before it (an AR(1)
 * regression, x_t ≈ a + b·x_{t−1}), kept as running means and co-moments of the pairs, so state is a few
 * numbers. `innovation(x)` is how far x lies from what the fit expected after the last value, in residual
 * standard deviations.
 *
 * Why: a slowly drifting metric (a queue length, memory in use) moves a little each step and reaches new
 * levels by ordinary steps, so "beyond the range so far" or "more than a mean step" says nothing about it.
 * Judged against where the series was a step ago and how much it usually departs from that, a drift's step
 * is routine and a jump is not. On independent noise the fit's slope is near 0 and this is a plain z-score
 * against the mean; on a random walk it is the step against the usual step.
 */
export class OneStepRegression {
  private n = 0;
  private prev = Number.NaN;
  private meanA = 0;
  private meanB = 0;
  private m2A = 0;
  private m2B = 0;
  private co = 0;

  get byteLength(): number {
    return bytesOf(7);
  }

  /** Pairs seen so far (values − 1). */
  get pairs(): number {
    return this.n;
  }

  /** Signed residual of `x` after the last value pushed, in residual standard deviations (0 until 3 pairs). */
  innovation(x: number): number {
    if (this.n < 3 || !Number.isFinite(this.prev)) return 0;
    const varA = this.m2A / this.n;
    const slope = varA > 0 ? this.co / this.m2A : 0;
    const expected = this.meanB + slope * (this.prev - this.meanA);
    // Residual variance of the fit: what the previous value does not explain.
    const rv = Math.max(0, this.m2B - (varA > 0 ? (this.co * this.co) / this.m2A : 0)) / this.n;
    const sd = Math.sqrt(rv) + 1e-9 * (1 + Math.abs(this.meanB));
    return (x - expected) / sd;
  }

  push(x: number): void {
    if (!Number.isFinite(x)) return;
    const a = this.prev;
    this.prev = x;
    if (!Number.isFinite(a)) return;
    // Welford's update for the pair (a, x): exact running means, variances and covariance.
    const n = ++this.n;
    const dA = a - this.meanA;
    this.meanA += dA / n;
    const dB = x - this.meanB;
    this.meanB += dB / n;
    this.m2A += dA * (a - this.meanA);
    this.m2B += dB * (x - this.meanB);
    this.co += dA * (x - this.meanB);
  }
}
