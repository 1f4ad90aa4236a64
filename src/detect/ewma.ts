import {
  bytesOf,
  type DetectorOptions,
  type Expectation,
  opt,
  type StreamDetector,
  squash,
} from './detector.js';

/**
 * Exponentially weighted mean and variance: O(1) state, forgets at rate `alpha`. The sample is scored against
 * the estimate before it is folded in.
 */
export class EwmaDetector implements StreamDetector {
  readonly name = 'ewma';
  private readonly alpha: number;
  private readonly center: number;
  private readonly warmup: number;
  private mean = 0;
  private variance = 0;
  private n = 0;

  constructor(opts?: DetectorOptions) {
    this.alpha = opt(opts, 'alpha', 0.05, 1e-6);
    this.center = opt(opts, 'z', 5, 0.5);
    this.warmup = Math.round(opt(opts, 'warmup', 20, 1));
  }

  observe(_at: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    const d = value - this.mean;
    let z = 0;
    if (this.n === 0) this.mean = value;
    else {
      if (this.n >= this.warmup)
        z = Math.abs(d) / Math.sqrt(this.variance + 1e-12 * (1 + this.mean * this.mean));
      // West's incremental form: mean and variance in one pass, numerically stable.
      const a = this.n < 1 / this.alpha ? 1 / (this.n + 1) : this.alpha;
      this.mean += a * d;
      this.variance = (1 - a) * (this.variance + a * d * d);
    }
    this.n++;
    return z > 0 ? squash(z, this.center) : 0;
  }

  expectation(): Expectation {
    return { expected: this.mean, spread: Math.sqrt(this.variance) };
  }

  stateBytes(): number {
    return bytesOf(6);
  }
}
