import { bytesOf } from './detector.js';

/** The standard normal's z with an upper tail of 1e-5: the anomaly likelihood's red level (a score of 0.5). */
export const RED_Z = 4.2649;

/**
 * The standard normal's z with a two-sided tail of 1e-3: where a robust fit clips a pair's residual. On Gaussian
 * residuals one pair in a thousand is clipped, and only by its excess (the residual variance lost is 0.2% of it),
 * so on plain noise the fit is the plain one; below `RED_Z`, so a value the spatial rule could call a jump never
 * teaches the fit at full size.
 */
export const CLIP_Z = 3.2905;

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
 *
 * `memory` > 0: the fit forgets. Once more than `memory` pairs were seen, the newest pair weighs 1/memory and
 * the older ones fade by 1 − 1/memory each (exponentially weighted means and co-moments); before that the sums
 * are the plain running ones. Without it, after a regime change (a deploy doubles a latency and its noise) every
 * step is judged against the whole history's fit for as long again as the history was; with it the fit is the
 * new regime's within a few `memory` pairs. 0: the whole history, as before.
 *
 * `clip` > 0 (robust): a pair whose residual from the fit so far lies beyond `clip` residual spreads is learnt
 * with its residual clipped to `clip` spreads (Huber's update: the value moved onto the edge, the previous value
 * kept as it came). Without it one excursion (an outage's spike of 80 spreads for an hour) enters the co-moments
 * at full size, inflates the residual spread several times and bends the slope, and for a week or two every jump
 * reads as ordinary. A lasting change is still learnt: each clipped pair grows the residual variance by about
 * (clip² − 1)/weight of itself, so the clip widens until the new values pass it, and since the regressor is the
 * value as it came, a new level is soon what the fit expects after it. 0: off, the plain fit.
 */
export class OneStepRegression {
  private n = 0;
  private prev = Number.NaN;
  private meanA = 0;
  private meanB = 0;
  private m2A = 0;
  private m2B = 0;
  private co = 0;
  private readonly memory: number;
  private readonly clip: number;

  constructor(memory = 0, clip = 0) {
    // Fewer than 3 pairs is no fit (innovation() says nothing before 3): such a memory would be no memory at all.
    if (!(memory === 0 || memory >= 3)) throw new RangeError(`one-step memory ${memory}: 0 or at least 3`);
    // A clip at or below one spread would clip ordinary residuals and shrink the spread it is measured in.
    if (!(clip === 0 || clip > 1)) throw new RangeError(`one-step clip ${clip}: 0 or above 1`);
    this.memory = memory;
    this.clip = clip;
  }

  get byteLength(): number {
    return bytesOf(9);
  }

  /** The pairs' effective count: all of them, or `memory` once more were seen. */
  private get weight(): number {
    return this.memory > 0 && this.n > this.memory ? this.memory : this.n;
  }

  /** Pairs seen so far (values − 1). */
  get pairs(): number {
    return this.n;
  }

  /** Signed residual of `x` after the last value pushed, in residual standard deviations (0 until 3 pairs). */
  innovation(x: number): number {
    if (this.n < 3 || !Number.isFinite(this.prev)) return 0;
    return (x - this.expectedAfter(this.prev)) / this.spread();
  }

  /** The fit's value after `a`. */
  private expectedAfter(a: number): number {
    const varA = this.m2A / this.weight;
    const slope = varA > 0 ? this.co / this.m2A : 0;
    return this.meanB + slope * (a - this.meanA);
  }

  /** The residual standard deviation: what the previous value does not explain (never quite 0). */
  private spread(): number {
    const varA = this.m2A / this.weight;
    const rv = Math.max(0, this.m2B - (varA > 0 ? (this.co * this.co) / this.m2A : 0)) / this.weight;
    return Math.sqrt(rv) + 1e-9 * (1 + Math.abs(this.meanB));
  }

  push(value: number): void {
    if (!Number.isFinite(value)) return;
    const a = this.prev;
    // The next pair's previous value is the value as it came: the clip moves a pair's response, not the series.
    this.prev = value;
    if (!Number.isFinite(a)) return;
    const x = this.clip > 0 && this.n >= 3 ? this.clipped(a, value) : value;
    const n = ++this.n;
    if (this.memory > 0 && n > this.memory) {
      this.forget(a, x);
      return;
    }
    // Welford's update for the pair (a, x): exact running means, variances and covariance.
    const dA = a - this.meanA;
    this.meanA += dA / n;
    const dB = x - this.meanB;
    this.meanB += dB / n;
    this.m2A += dA * (a - this.meanA);
    this.m2B += dB * (x - this.meanB);
    this.co += dA * (x - this.meanB);
  }

  /** `x` moved to within `clip` residual spreads of what the fit expects after `a` (Huber's ψ on the residual). */
  private clipped(a: number, x: number): number {
    const expected = this.expectedAfter(a);
    const edge = this.clip * this.spread();
    const r = x - expected;
    return r > edge ? expected + edge : r < -edge ? expected - edge : x;
  }

  /**
   * The same update at a fixed weight w = 1/memory (West's exponentially weighted form): with the sums read as
   * memory × (co)variance, each becomes (1 − w)(sum + product of the deviations from the old means). At
   * n = memory it is Welford's step, so the switch is seamless.
   */
  private forget(a: number, x: number): void {
    const w = 1 / this.memory;
    const dA = a - this.meanA;
    const dB = x - this.meanB;
    this.meanA += w * dA;
    this.meanB += w * dB;
    const keep = 1 - w;
    this.m2A = keep * (this.m2A + dA * dA);
    this.m2B = keep * (this.m2B + dB * dB);
    this.co = keep * (this.co + dA * dB);
  }
}
