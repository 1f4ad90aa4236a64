import { bytesOf } from './detector.js';

/**
 * What the onsets' surprise was at each phase of the series' season, fading by `decay` per period. A deviation
 * that comes back at the same time of day (a nightly backup, a square wave's daily edge, a nightly batch job)
 * is part of the pattern from its second showing on, however far it lies from the samples just before it: a
 * window-based score (the robust z) sees it as new every time, and a calibrator's recurrence count needs more
 * showings than a week of daily ones gives. Bounded: one value and one time per phase bin.
 */
export class PhaseMemory {
  private readonly level: Float32Array;
  private readonly stamp: Float64Array;
  private periodMs = 0;

  constructor(
    bins = 144,
    /** Share of a remembered surprise left after one period. */
    private readonly decay = 0.8,
  ) {
    this.level = new Float32Array(Math.max(1, Math.round(bins)));
    this.stamp = new Float64Array(this.level.length);
  }

  get byteLength(): number {
    return this.level.byteLength + this.stamp.byteLength + bytesOf(2);
  }

  /** A new season (0: none): what was remembered was at phases of another period. */
  reset(periodMs: number): void {
    this.periodMs = periodMs;
    this.level.fill(0);
    this.stamp.fill(0);
  }

  /** The strongest remembered surprise at the phase of `at` and its two neighbouring bins, faded to `at`. */
  recall(at: number): number {
    if (this.periodMs <= 0) return 0;
    const b = this.binOf(at);
    const n = this.level.length;
    let best = 0;
    for (let k = -1; k <= 1; k++) {
      const i = (b + k + n) % n;
      const lv = this.level[i]!;
      if (lv > 0) best = Math.max(best, lv * this.decay ** ((at - this.stamp[i]!) / this.periodMs));
    }
    return best;
  }

  /** Remembers surprise `u` at the phase of `at` (the larger of it and what is there, faded). */
  store(at: number, u: number): void {
    if (this.periodMs <= 0 || !(u > 0)) return;
    const i = this.binOf(at);
    const lv = this.level[i]!;
    const faded = lv > 0 ? lv * this.decay ** ((at - this.stamp[i]!) / this.periodMs) : 0;
    if (u >= faded) {
      this.level[i] = u;
      this.stamp[i] = at;
    }
  }

  private binOf(at: number): number {
    const p = this.periodMs;
    const phase = (((at % p) + p) % p) / p;
    return Math.min(this.level.length - 1, Math.floor(phase * this.level.length));
  }
}
