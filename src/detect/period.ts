/**
 * Automatic period detection with bounded memory. Samples are averaged into at most `capacity` blocks; when
 * the buffer fills, neighbouring blocks merge (the block doubles), so any length of warm-up fits. Each time it
 * fills, the autocorrelation of the (differenced) blocks is searched for the strongest peak. Series of
 * operations metrics repeat daily or weekly, so those lags are tried before any other.
 */

const DAY = 86_400_000;
const WEEK = 7 * DAY;

export interface PeriodResult {
  /** The period in ms (timestamps decide the phase, so gaps in a series do not shift it). */
  periodMs: number;
  /** Autocorrelation at the chosen lag: how strongly the series repeats. */
  strength: number;
}

export class PeriodFinder {
  private readonly blocks: Float32Array;
  private n = 0;
  private block = 1;
  private sum = 0;
  private inBlock = 0;
  private first = Number.NaN;
  private last = Number.NaN;
  private seen = 0;

  constructor(
    capacity = 256,
    private readonly minStrength = 0.4,
  ) {
    this.blocks = new Float32Array(capacity);
  }

  get byteLength(): number {
    return this.blocks.byteLength + 64;
  }

  /** Adds one sample; returns a period when one has just been found, else null. */
  push(at: number, value: number): PeriodResult | null {
    if (Number.isNaN(this.first)) this.first = at;
    this.last = at;
    this.seen++;
    this.sum += value;
    if (++this.inBlock < this.block) return null;
    this.blocks[this.n++] = this.sum / this.block;
    this.sum = 0;
    this.inBlock = 0;
    // Look every quarter buffer: a daily period should be found after two days, not after a buffer's worth.
    const found = this.n % (this.blocks.length >> 2) === 0 ? this.search() : null;
    if (this.n === this.blocks.length) {
      // Merge pairs: half the resolution, twice the span.
      const half = this.n >> 1;
      for (let i = 0; i < half; i++) this.blocks[i] = (this.blocks[2 * i]! + this.blocks[2 * i + 1]!) / 2;
      this.n = half;
      this.block *= 2;
    }
    return found;
  }

  private search(): PeriodResult | null {
    const n = this.n;
    const b = this.blocks;
    // Remove the linear trend: a drifting series would otherwise look correlated at every lag.
    const d = new Float64Array(n);
    let sx = 0;
    let sy = 0;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sx += i;
      sy += b[i]!;
      sxy += i * b[i]!;
      sxx += i * i;
    }
    const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    const icpt = (sy - slope * sx) / n;
    let var0 = 0;
    for (let i = 0; i < n; i++) {
      d[i] = b[i]! - icpt - slope * i;
      var0 += d[i]! * d[i]!;
    }
    if (!(var0 > 0)) return null;
    // Normalised by the overlap, not by n: a lag of 1.5 cycles would otherwise never look periodic.
    const acf = (lag: number): number => {
      let s = 0;
      for (let i = lag; i < n; i++) s += d[i]! * d[i - lag]!;
      return (s / (n - lag)) * (n / var0);
    };
    const msPerBlock = ((this.last - this.first) / Math.max(1, this.seen - 1)) * this.block;
    if (!(msPerBlock > 0)) return null;
    // The calendar first: a day or a week, once at least 1.5 cycles are in the buffer.
    for (const p of [DAY, WEEK]) {
      const lag = Math.round(p / msPerBlock);
      if (lag < 4 || lag > (2 * n) / 3) continue;
      let a = -1;
      for (let l = Math.max(1, lag - 1); l <= lag + 1; l++) a = Math.max(a, acf(l));
      if (a >= this.minStrength) return { periodMs: p, strength: a };
    }
    // Then any strong repetition. A smooth series correlates with itself at every short lag, so a peak only
    // counts after the autocorrelation has first dropped below zero (the first trough of a real cycle).
    const maxLag = Math.floor(n / 2);
    let lag = 1;
    while (lag < maxLag && acf(lag) > 0) lag++;
    let bestLag = 0;
    let best = Math.max(0.6, this.minStrength);
    let prev = acf(lag);
    let cur = acf(lag + 1);
    for (lag = lag + 1; lag < maxLag; lag++) {
      const next = acf(lag + 1);
      if (cur > best && cur >= prev && cur >= next) {
        best = cur;
        bestLag = lag;
      }
      prev = cur;
      cur = next;
    }
    return bestLag === 0 ? null : { periodMs: bestLag * msPerBlock, strength: best };
  }

  /**
   * The average shape of one period over `bins` phase bins, from what the buffer holds (detrended, mean 0),
   * so a seasonal model starts knowing the pattern instead of alarming on it while it learns. Bins the buffer
   * never covered are 0.
   */
  profile(periodMs: number, bins: number): Float32Array {
    const out = new Float32Array(bins);
    const count = new Uint16Array(bins);
    const n = this.n;
    const msPerSample = (this.last - this.first) / Math.max(1, this.seen - 1);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += this.blocks[i]!;
    mean /= n;
    for (let i = 0; i < n; i++) {
      const t = this.first + (i * this.block + (this.block - 1) / 2) * msPerSample;
      const bin = Math.min(
        bins - 1,
        Math.floor((((t % periodMs) + periodMs) % periodMs) / (periodMs / bins)),
      );
      out[bin]! += this.blocks[i]! - mean;
      count[bin]!++;
    }
    for (let i = 0; i < bins; i++) if (count[i]) out[i]! /= count[i]!;
    return out;
  }
}
