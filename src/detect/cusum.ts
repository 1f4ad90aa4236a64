import {
  bytesOf,
  type DetectorOptions,
  type Expectation,
  opt,
  type StreamDetector,
  squash,
} from './detector.js';

/**
 * Two-sided CUSUM on standardised deviations from a slow EWMA baseline: sums evidence of a sustained shift
 * (up or down) that no single sample shows. `k` is the slack per sample (in σ), the score is the larger sum
 * against `h`. After a shift is signalled the sums restart and the baseline jumps to the new level, so one
 * changepoint gives one alarm.
 */
export class CusumDetector implements StreamDetector {
  readonly name = 'cusum';
  private readonly alpha: number;
  private readonly k: number;
  private readonly h: number;
  private mean = 0;
  private variance = 0;
  private up = 0;
  private down = 0;
  private n = 0;
  private recent = 0;

  constructor(opts?: DetectorOptions) {
    this.alpha = opt(opts, 'alpha', 0.01, 1e-6);
    this.k = opt(opts, 'k', 0.5, 0);
    this.h = opt(opts, 'h', 8, 0.1);
  }

  /** The larger of the two cumulative sums, in σ. */
  statistic(): number {
    return Math.max(this.up, this.down);
  }

  observe(_at: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    // A fast average of recent samples: where the level is now, to restart from after a change.
    this.recent = this.n === 0 ? value : this.recent + 0.2 * (value - this.recent);
    if (this.n++ === 0) {
      this.mean = value;
      return 0;
    }
    const sd = Math.sqrt(this.variance) + 1e-9 * (1 + Math.abs(this.mean));
    const z = this.n > 20 ? Math.max(-6, Math.min(6, (value - this.mean) / sd)) : 0;
    this.up = Math.max(0, this.up + z - this.k);
    this.down = Math.max(0, this.down - z - this.k);
    const stat = Math.max(this.up, this.down);
    const d = value - this.mean;
    const a = this.n < 1 / this.alpha ? 1 / this.n : this.alpha;
    this.mean += a * d;
    this.variance = (1 - a) * (this.variance + a * Math.min(d * d, 36 * sd * sd));
    if (stat > this.h) {
      this.up = 0;
      this.down = 0;
      this.mean = this.recent;
    }
    return stat > 0 ? squash(stat, this.h, this.h / 4) : 0;
  }

  expectation(): Expectation {
    return { expected: this.mean, spread: Math.sqrt(this.variance) };
  }

  stateBytes(): number {
    return bytesOf(10);
  }
}
