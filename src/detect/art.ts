import { TailCalibrator } from './calibrate.js';
import { bytesOf, type DetectorOptions, type Expectation, opt, type StreamDetector } from './detector.js';
import { OnsetGate } from './onset.js';

/**
 * Fuzzy ART over short windows of the series (after ARTime, the adaptive-resonance entry that leads NAB):
 * the series is downsampled (each block of `step` samples is represented by its mean, or by its extreme when
 * the extreme is a clear spike), scaled by the range seen so far, and every downsampled point makes a feature
 * vector: the last `window` points as they are (level) and the Haar wavelet of the same window scaled to its own
 * range (shape). Fuzzy ART keeps a bounded set of categories, each a box in feature space; a feature vector
 * that falls in or near a box (match ≥ `rho`) widens it (learning), one that matches no box well founds a new
 * category (the least recently used one is recycled when all `cats` are taken). The novelty of a point is
 * 1 − its best match.
 *
 * ARTime adapts its vigilance per series from the similarities it has seen and alarms when a new category is
 * founded; here the same per-series adaptation is done by the `TailCalibrator` every Medic detector uses:
 * novelty becomes surprise against this series' own history of novelty, so a noisy series that keeps founding
 * categories does not alarm on each, and a quiet one does on its first new shape. ARTime's scaling by the
 * series' whole min and max (NAB hands every detector those, a look-ahead) is replaced by the range so far; a
 * new extreme rescales the stored boxes exactly (the map is affine and increasing, so mins stay mins).
 */
export class FuzzyArt {
  /** Boxes: lower and upper corner per category, `dim` values each, in the current scale. */
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  private readonly used: Float64Array;
  count = 0;
  private clock = 0;

  constructor(
    readonly dim: number,
    readonly cats: number,
    /** Learning vigilance: a match at or above it widens the box, below it founds a category. */
    private readonly rho: number,
    /** How many leading dimensions are the level (rescaled with the range); the rest are shape. */
    private readonly levelDims: number,
  ) {
    this.lo = new Float32Array(dim * cats);
    this.hi = new Float32Array(dim * cats);
    this.used = new Float64Array(cats);
  }

  get byteLength(): number {
    return this.lo.byteLength + this.hi.byteLength + this.used.byteLength + 32;
  }

  /**
   * Match of x (values in 0..1) with category j: the fuzzy-ART choice |x ∧ w| / |w| with complement coding,
   * i.e. 1 − (how far x lies outside the box) / (the box's complement size), cubed, times the same measure for
   * the newest point alone, squared (the newest point is what is judged; ARTime weighs it the same way).
   */
  private match(x: Float64Array, j: number): number {
    const d = this.dim;
    const o = j * d;
    const lo = this.lo;
    const hi = this.hi;
    let out = 0;
    let size = 0;
    for (let i = 0; i < d; i++) {
      const l = lo[o + i]!;
      const h = hi[o + i]!;
      const v = x[i]!;
      size += h - l;
      if (v < l) out += l - v;
      else if (v > h) out += v - h;
    }
    const norm = d - size;
    const fs = norm > 0 ? 1 - out / norm : 1;
    const k = o + this.levelDims - 1;
    const v = x[this.levelDims - 1]!;
    const l = lo[k]!;
    const h = hi[k]!;
    const en = 1 - (h - l);
    const eo = v < l ? l - v : v > h ? v - h : 0;
    const es = en > 0 ? 1 - eo / en : 1;
    return fs * fs * fs * es * es;
  }

  /** Presents x: returns the best match before learning (0 with no category yet), then learns x. */
  learn(x: Float64Array): number {
    this.clock++;
    const d = this.dim;
    let best = 0;
    let arg = -1;
    for (let j = 0; j < this.count; j++) {
      const m = this.match(x, j);
      if (m > best) {
        best = m;
        arg = j;
      }
    }
    if (arg >= 0 && best >= this.rho) {
      const o = arg * d;
      for (let i = 0; i < d; i++) {
        const v = x[i]!;
        if (v < this.lo[o + i]!) this.lo[o + i] = v;
        if (v > this.hi[o + i]!) this.hi[o + i] = v;
      }
      this.used[arg] = this.clock;
      return best;
    }
    let j = this.count;
    if (j < this.cats) this.count++;
    else {
      // Full: recycle the category unused the longest.
      j = 0;
      for (let k = 1; k < this.cats; k++) if (this.used[k]! < this.used[j]!) j = k;
    }
    const o = j * d;
    for (let i = 0; i < d; i++) {
      this.lo[o + i] = x[i]!;
      this.hi[o + i] = x[i]!;
    }
    this.used[j] = this.clock;
    return best;
  }

  /** The level dimensions were scaled as (v − a) / r; they are now (v − a2) / r2. */
  rescale(a: number, r: number, a2: number, r2: number): void {
    const k = r / r2;
    const c = (a - a2) / r2;
    for (let j = 0; j < this.count; j++) {
      const o = j * this.dim;
      for (let i = 0; i < this.levelDims; i++) {
        this.lo[o + i] = this.lo[o + i]! * k + c;
        this.hi[o + i] = this.hi[o + i]! * k + c;
      }
    }
  }
}

/** In-place Haar transform of a power-of-two-length array (orthonormal), `tmp` of the same length. */
export function haar(a: Float64Array, tmp: Float64Array): void {
  const s = Math.SQRT1_2;
  for (let n = a.length; n > 1; n >>= 1) {
    const h = n >> 1;
    for (let i = 0; i < h; i++) {
      tmp[i] = (a[2 * i]! + a[2 * i + 1]!) * s;
      tmp[h + i] = (a[2 * i]! - a[2 * i + 1]!) * s;
    }
    for (let i = 0; i < n; i++) a[i] = tmp[i]!;
  }
}

/**
 * The ART novelty of a series as a feature stream: feed every sample with push(); it returns the novelty
 * (1 − best match, 0..1) on the samples that close a downsampling block once the feature window is full,
 * and −1 on every other sample.
 */
export class ArtNovelty {
  private readonly art: FuzzyArt;
  private readonly ring: Float64Array;
  private readonly x: Float64Array;
  private readonly shape: Float64Array;
  private readonly tmp: Float64Array;
  private readonly step: number;
  private readonly win: number;
  private pos = 0;
  private points = 0;
  private sum = 0;
  private max = -Infinity;
  private min = Infinity;
  private k = 0;
  private avg = 0;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(step = 1, win = 8, cats = 64, rho = 0.9) {
    this.step = Math.max(1, Math.round(step));
    let w = 2;
    while (w < win) w *= 2;
    this.win = w;
    this.ring = new Float64Array(w);
    this.x = new Float64Array(2 * w);
    this.shape = new Float64Array(w);
    this.tmp = new Float64Array(w);
    this.art = new FuzzyArt(2 * w, Math.max(1, Math.round(cats)), rho, w);
  }

  get byteLength(): number {
    return (
      this.art.byteLength +
      this.ring.byteLength +
      this.x.byteLength +
      this.shape.byteLength +
      this.tmp.byteLength +
      bytesOf(13)
    );
  }

  push(value: number): number {
    this.sum += value;
    if (value > this.max) this.max = value;
    if (value < this.min) this.min = value;
    if (++this.k < this.step) return -1;
    const mean = this.sum / this.k;
    this.avg = this.points === 0 ? mean : (this.avg + mean) / 2;
    // The block's representative: its extreme on the side farther from the recent average, when that is a
    // clear spike (10% off the block's mean), else the mean.
    let p = Math.abs(this.max - this.avg) >= Math.abs(this.min - this.avg) ? this.max : this.min;
    if (Math.abs(p - mean) < 0.1 * Math.abs(mean)) p = mean;
    this.k = 0;
    this.sum = 0;
    this.max = -Infinity;
    this.min = Infinity;
    // Scale by the range so far; a wider range rescales the boxes learnt under the old one.
    const oldLo = this.lo;
    const oldR = this.hi - this.lo;
    const lo = Math.min(this.lo, p);
    const hi = Math.max(this.hi, p);
    const r = hi - lo;
    if (oldR > 0 && (lo !== oldLo || r !== oldR)) this.art.rescale(oldLo, oldR, lo, r);
    this.lo = lo;
    this.hi = hi;
    this.ring[this.pos] = p;
    this.pos = (this.pos + 1) % this.win;
    if (++this.points < this.win || !(r > 0)) return -1;
    // Level: the window in the series' scale; shape: its Haar coefficients after scaling it to 0..1.
    const w = this.win;
    const x = this.x;
    let wlo = Infinity;
    let whi = -Infinity;
    for (let i = 0; i < w; i++) {
      const v = this.ring[(this.pos + i) % w]!;
      x[i] = (v - lo) / r;
      if (v < wlo) wlo = v;
      if (v > whi) whi = v;
    }
    const wr = whi - wlo;
    const s = this.shape;
    for (let i = 0; i < w; i++) s[i] = wr > 0 ? (this.ring[(this.pos + i) % w]! - wlo) / wr : 0;
    haar(s, this.tmp);
    let slo = Infinity;
    let shi = -Infinity;
    for (let i = 0; i < w; i++) {
      if (s[i]! < slo) slo = s[i]!;
      if (s[i]! > shi) shi = s[i]!;
    }
    const sr = shi - slo;
    for (let i = 0; i < w; i++) x[w + i] = sr > 0 ? (s[i]! - slo) / sr : 0;
    return 1 - this.art.learn(x);
  }
}

/**
 * `art`: the ART novelty alone, calibrated per series, reduced to onsets, mapped to 0..1 like `auto`.
 */
export class ArtDetector implements StreamDetector {
  readonly name = 'art';
  private readonly nov: ArtNovelty;
  private readonly cal: TailCalibrator;
  private readonly gate: OnsetGate;
  private readonly warmup: number;
  private readonly scale: number;
  private n = 0;
  private last = Number.NaN;

  constructor(opts?: DetectorOptions) {
    this.nov = new ArtNovelty(
      opt(opts, 'step', 2, 1),
      opt(opts, 'window', 8, 2),
      opt(opts, 'cats', 64, 1),
      opt(opts, 'rho', 0.9, 0),
    );
    this.cal = new TailCalibrator(48, 3, opt(opts, 'memory', 1500, 10), opt(opts, 'tail', 0.1, 0.001), 8, 8);
    this.gate = new OnsetGate(opt(opts, 'decay', 0.99, 0), opt(opts, 'margin', 1.5, 1));
    this.warmup = Math.round(opt(opts, 'warmup', 100, 0));
    this.scale = opt(opts, 'scale', 5, 0.01);
  }

  observe(_at: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    this.last = value;
    const f = this.nov.push(value);
    if (f < 0) return 0;
    // Novelty in "units of mismatch": 0.1 and 0.01 apart, as the calibrator's log scale wants.
    const z = f * 100;
    let u = 0;
    if (this.n++ >= this.warmup) u = this.cal.surprise(z);
    this.cal.add(z);
    const v = this.gate.push(u);
    return v / (v + this.scale);
  }

  expectation(): Expectation {
    return { expected: this.last, spread: 0 };
  }

  stateBytes(): number {
    return bytesOf(3) + this.nov.byteLength + this.cal.byteLength + this.gate.byteLength;
  }
}
