/**
 * Turns a raw deviation (z, a CUSUM sum: anything ≥ 0 where bigger is stranger) into surprise, −ln P(X ≥ x),
 * from the series' own history of that deviation. A z of 6 is routine on a spiky series and alarming on a
 * smooth one; calibrating per series is what lets one corpus-wide threshold serve every series.
 *
 * The history is a histogram over log2(1 + x) with a fixed number of bins (bounded state), forgetting slowly
 * so that a series that changes character is re-learned. The upper `tail` of the history is not counted but
 * fitted (peaks over a threshold): above the tail's edge, log2(1 + x) is taken as exponential with the mean
 * excess of the history there, a Pareto-like tail. So surprise keeps growing with how far beyond the usual
 * extremes a value lies, instead of saturating at ln(samples seen): a short history and a long one judge a
 * value ten times past their extremes alike, which is what makes scores of different series comparable.
 * Unless the value is no news: with `seen` > 0, a tail value that the history already holds `seen` times is
 * scored by its counted frequency when that is the more probable of the two.
 */
export class TailCalibrator {
  private readonly counts: Float32Array;
  private total = 0;
  private weight = 1;
  private top = -1;
  /** The fitted tail, refreshed every `refit` additions: its edge (octaves), surprise there, mean excess. */
  private edge = 0;
  private edgeSurprise = 0;
  private excess = 1;
  private pending = 0;
  private stale = true;

  constructor(
    bins = 48,
    private readonly perOctave = 3,
    /** Samples after which old evidence has lost about two thirds of its weight. */
    private readonly memory = 1500,
    /** Share of the history treated as the tail. */
    private readonly tail = 0.1,
    private readonly refit = 8,
    /**
     * Recurrence: when the history holds at least this many samples' weight at or above x, the counted
     * frequency caps the fitted tail (0: the tail alone). See surprise().
     */
    private readonly seen = 0,
  ) {
    this.counts = new Float32Array(bins);
  }

  get byteLength(): number {
    return this.counts.byteLength + 64;
  }

  get samples(): number {
    return this.total / this.weight;
  }

  /** Surprise of `x` against the history so far (0 when there is none yet). */
  surprise(x: number): number {
    if (this.total <= 0) return 0;
    if (this.stale) this.fit();
    const lx = Math.log2(1 + Math.max(0, x));
    const fitted = lx >= this.edge ? this.edgeSurprise + (lx - this.edge) / this.excess : Infinity;
    if (fitted < Infinity && this.seen <= 0) return fitted;
    // Below the tail: counted, the mass above x (uniform within x's bin). In the tail the same count is a
    // check on the fit: the top `tail` share mixes the bulk's edge with rare extremes, so a deviation that recurs (a
    // square wave's edge every half day, a key held down now and then) fits as "far beyond" each time. When
    // `seen` samples' weight already lies at or above x, it is not beyond the usual extremes: its counted
    // frequency is the better estimate wherever it is the higher probability.
    const c = this.counts;
    // Past the last bin, where add() piles everything: that bin's whole mass.
    const pos = Math.min(lx * this.perOctave, c.length - 1);
    const bin = Math.floor(pos);
    let above = c[bin]! * (1 - (pos - bin));
    for (let i = bin + 1; i <= this.top; i++) above += c[i]!;
    const prior = 0.5 * this.weight;
    if (fitted < Infinity) {
      if (above < this.seen * this.weight) return fitted;
      return Math.min(fitted, -Math.log(above / this.total));
    }
    return -Math.log((above + prior) / (this.total + 2 * prior));
  }

  /** Forgets everything: the quantity calibrated has changed meaning (a model just found its season). */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.weight = 1;
    this.top = -1;
    this.pending = 0;
    this.stale = true;
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
    // The fit moves slowly with the history: refreshing it every few samples keeps surprise O(1).
    if (++this.pending >= this.refit) {
      this.pending = 0;
      this.stale = true;
    }
  }

  /** The tail's edge: the lowest bin boundary with at most `tail` of the mass above it. */
  private fit(): void {
    this.stale = false;
    const c = this.counts;
    const limit = this.tail * this.total;
    let above = 0;
    let sum = 0;
    let edgeBin = this.top + 1;
    for (let i = this.top; i >= 0; i--) {
      if (above + c[i]! > limit) break;
      above += c[i]!;
      sum += c[i]! * (i + 0.5);
      edgeBin = i;
    }
    const prior = 0.5 * this.weight;
    this.edge = edgeBin / this.perOctave;
    this.edgeSurprise = -Math.log((above + prior) / (this.total + 2 * prior));
    // Mean excess over the edge, in octaves; at least half a bin (the histogram cannot resolve finer).
    this.excess = above > 0 ? Math.max(sum / above / this.perOctave - this.edge, 0.5 / this.perOctave) : 1;
  }
}
