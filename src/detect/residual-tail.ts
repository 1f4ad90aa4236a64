import { bytesOf } from './detector.js';
import { normalTail } from './likelihood.js';

/** Where the tail starts, in residual spreads: beyond it a Gaussian's excesses are close to exponential. */
const U = 3;
const GAUSS_RATE = normalTail(U);
/** A Gaussian's mean log-excess beyond U, E[ln(Z/U) | Z > U] (numerically): the prior's tail shape. */
const GAUSS_EXCESS = (() => {
  let num = 0;
  let den = 0;
  for (let z = U; z < U + 8; z += 1e-3) {
    const d = Math.exp(-(z * z) / 2);
    num += d * Math.log(z / U);
    den += d;
  }
  return num / den;
})();

/**
 * The series' own tail of one-step residuals, each side apart: the residuals (in residual spreads) beyond
 * z 3 are fitted as an exponential tail, with `prior` pseudo-excesses of a Gaussian's shape and rate so a
 * short history reads as Gaussian. `quantile(p, side)` is the z the fitted tail exceeds with probability p.
 *
 * Why: a Gaussian z says how rare a residual is only for Gaussian residuals. A positive skewed quantity (a
 * latency, a request count: 100·e^{σN}) has upper residuals far beyond z 4.265 every few thousand samples as
 * its normal shape; fitted on its own excesses the tail puts its 1e-5 point where its records really lie, while
 * on Gaussian residuals it stays near the Gaussian's (4.39 for 4.265: an exponential is a little heavier than
 * the Gaussian beyond 3). State: five numbers.
 */
export class ResidualTail {
  private n = 0;
  private upCount = 0;
  private upSum = 0;
  private downCount = 0;
  private downSum = 0;

  constructor(private readonly prior: number) {}

  get byteLength(): number {
    return bytesOf(5);
  }

  /** Residuals counted so far. */
  get count(): number {
    return this.n;
  }

  /** Takes one signed residual in residual spreads (0 means the fit had nothing to say: not counted). */
  push(z: number): void {
    if (!Number.isFinite(z) || z === 0) return;
    this.n++;
    if (z > U) {
      this.upCount++;
      this.upSum += Math.log(z / U);
    } else if (z < -U) {
      this.downCount++;
      this.downSum += Math.log(-z / U);
    }
  }

  /** The residual z (in the direction `side`) beyond which the fitted tail leaves probability p. */
  quantile(p: number, side: 1 | -1): number {
    const k = side > 0 ? this.upCount : this.downCount;
    const sum = side > 0 ? this.upSum : this.downSum;
    const w = this.prior;
    const excess = (sum + w * GAUSS_EXCESS) / (k + w);
    const rate = (k + w) / (this.n + w / GAUSS_RATE);
    return U * Math.exp(excess * Math.log(Math.max(rate, p) / p));
  }

  /**
   * How much heavier than a Gaussian's the fitted tail is at p: its quantile over the one the same fit gives
   * a Gaussian (its prior alone), at least 1. A Pareto fit reads a Gaussian's tail a little heavy (4.60 for
   * 4.265 at 1e-5); as a ratio that bias cancels and a Gaussian series keeps its Gaussian z.
   */
  heavier(p: number, side: 1 | -1): number {
    const gauss = U * Math.exp(GAUSS_EXCESS * Math.log(GAUSS_RATE / p));
    return Math.max(1, this.quantile(p, side) / gauss);
  }
}
