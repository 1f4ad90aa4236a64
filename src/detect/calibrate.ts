/**
 * Turns a raw deviation (z, a CUSUM sum: anything ≥ 0 where bigger is stranger) into surprise, −ln P(X ≥ x),
 * from the series' own history of that deviation. A z of 6 is routine on a spiky series and alarming on a
 * smooth one; calibrating per series is what lets one corpus-wide threshold serve every series.
 *
 * The history is a histogram over log2(1 + x) with a fixed number of bins (bounded state), forgetting slowly
 * so that a series that changes character is re-learned. Beyond the largest value seen the tail is
 * extrapolated, so "far beyond anything seen" scores well above "just beyond".
 */
export class TailCalibrator {
  private readonly counts: Float32Array;
  private total = 0;
  private weight = 1;
  private top = -1;

  constructor(
    bins = 48,
    private readonly perOctave = 3,
    /** Samples after which old evidence has lost about two thirds of its weight. */
    private readonly memory = 5000,
  ) {
    this.counts = new Float32Array(bins);
  }

  get byteLength(): number {
    return this.counts.byteLength + 32;
  }

  get samples(): number {
    return this.total / this.weight;
  }

  /** Surprise of `x` against the history so far (0 when there is none yet). */
  surprise(x: number): number {
    if (this.total <= 0) return 0;
    const c = this.counts;
    const last = c.length - 1;
    // Past the last bin everything is "the largest kind": its repeats must become routine like any other.
    const pos = Math.min(last + 0.5, Math.log2(1 + Math.max(0, x)) * this.perOctave);
    const bin = Math.floor(pos);
    // Mass strictly above this bin, plus the part of this bin above x (uniform within the bin).
    let above = 0;
    for (let i = bin + 1; i <= this.top; i++) above += c[i]!;
    above += c[bin]! * (1 - Math.min(1, pos - bin));
    const prior = 0.5 * this.weight;
    const p = (above + prior) / (this.total + 2 * prior);
    if (bin > this.top) {
      // Past everything seen: a Gaussian-shaped tail through the top edge, u = u_top·(x/x_top)². A series whose
      // largest deviations were rare at a small x (light tail) climbs fast; a heavy-tailed one slowly.
      const edge = 2 ** ((this.top + 1) / this.perOctave) - 1;
      const ratio = Math.max(1, x / Math.max(edge, 1e-12));
      return -Math.log(p) * ratio * ratio;
    }
    return -Math.log(p);
  }

  /** Forgets everything: the quantity calibrated has changed meaning (a model just found its season). */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.weight = 1;
    this.top = -1;
  }

  add(x: number): void {
    const pos = Math.log2(1 + Math.max(0, x)) * this.perOctave;
    const bin = Math.min(this.counts.length - 1, Math.floor(pos));
    // Forgetting without touching every bin: new samples weigh more; rescale before floats overflow.
    this.weight *= 1 + 1 / this.memory;
    this.counts[bin]! += this.weight;
    this.total += this.weight;
    if (bin > this.top) this.top = bin;
    if (this.weight > 1e12) {
      for (let i = 0; i < this.counts.length; i++) this.counts[i]! /= this.weight;
      this.total /= this.weight;
      this.weight = 1;
    }
  }
}
