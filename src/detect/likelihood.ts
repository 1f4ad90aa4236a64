import { TailCalibrator } from './calibrate.js';
import { bytesOf } from './detector.js';

/** ln(1e-10): the log-likelihood score is ln(tail) over this, so a tail of 1e-5 scores 0.5 and 1e-10 scores 1. */
const LN_FLOOR = Math.log(1e-10);

/**
 * Upper tail of the standard normal, Q(z) = P(Z ≥ z), by the complementary error function (Numerical Recipes'
 * Chebyshev fit, relative error below 1.2e-7 everywhere): accurate far into the tail, where 1 − Φ(z) computed
 * directly would round to 0.
 */
export function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

export interface LikelihoodOptions {
  /** Raw scores averaged into the short window (HTM: 10). */
  average?: number;
  /** Samples seen before any enters the long-window statistics (HTM default 288; NAB's run: half probation). */
  learning?: number;
  /** Averages needed after learning before the first estimate (HTM default 100). */
  estimation?: number;
  /** Long window, in samples (HTM: 8640), kept as per-period sums so the state does not grow with it. */
  history?: number;
  /** The Gaussian is re-estimated every this many samples (HTM: 100). */
  period?: number;
  /**
   * > 0: the averages' own upper tail is fitted too (TailCalibrator with the long window's memory) and, once it
   * holds this many averages, the more probable of the two tails is taken. 0 (HTM): the Gaussian alone.
   */
  tailfit?: number;
}

/**
 * Numenta's anomaly likelihood (nupic anomaly_likelihood.py, used by NAB's HTM detector), written for a
 * stream with bounded state: how improbable the recent raw anomaly score is given this series' own history of
 * it. A raw score (any number where bigger is stranger: HTM's share of unpredicted columns, a context model's
 * novelty) is averaged over a short window; a Gaussian is fitted to those averages over a long window and
 * re-fitted every `period` samples; the likelihood is the Gaussian's upper tail at the current average. So a
 * series whose raw score is always busy needs more to alarm than a quiet one, and one threshold means about the
 * same rate of alarms on every series: that is what makes scores of different series comparable.
 *
 * As HTM does: the mean is floored at 0.03 and the variance at 0.0003 (a series that is perfectly predicted
 * must not make every blip infinitely unlikely); in a run of tails below 1e-5, only the first is kept and the
 * rest are reported at 1e-3 (one event, one alarm); the output is ln(tail) / ln(1e-10), in 0..1.
 *
 * State: the short window's ring plus a sum and a sum of squares per period of the long window (HTM keeps every
 * average of the long window: 8640 floats). The estimate at each re-fit is the same: the long window moves in
 * steps of `period`, which is when HTM re-fits.
 */
export class AnomalyLikelihood {
  private readonly ring: Float64Array;
  private readonly sums: Float64Array;
  private readonly squares: Float64Array;
  private readonly counts: Float64Array;
  private readonly learning: number;
  private readonly estimation: number;
  private readonly period: number;
  private pos = 0;
  private filled = 0;
  private sum = 0;
  private n = 0;
  private block = 0;
  private mean = 0;
  private sd = 0;
  private fitted = false;
  private wasRed = false;
  private readonly ownTail: TailCalibrator | null;
  private readonly trustAfter: number;
  private owned = 0;

  constructor(o: LikelihoodOptions = {}) {
    // The Gaussian suits a dense raw score (HTM's share of unpredicted columns). On a slowly drifting series the
    // contexts' novelty is 0 nearly always and comes in rare bursts, which the Gaussian puts at 1e-7 and beyond
    // though the series shows one every few thousand samples; the fitted tail says how often it does.
    // Averages in 0..1 are scaled by 100 so the calibrator's log bins (a third of an octave) resolve them.
    this.trustAfter = Math.max(1, o.tailfit ?? 0);
    this.ownTail = (o.tailfit ?? 0) > 0 ? new TailCalibrator(48, 3, o.history ?? 8640, 0.1, 8, 0) : null;
    const average = Math.max(1, Math.round(o.average ?? 10));
    this.learning = Math.max(0, Math.round(o.learning ?? 288));
    this.estimation = Math.max(1, Math.round(o.estimation ?? 100));
    this.period = Math.max(1, Math.round(o.period ?? 100));
    const blocks = Math.max(1, Math.ceil((o.history ?? 8640) / this.period));
    this.ring = new Float64Array(average);
    this.sums = new Float64Array(blocks);
    this.squares = new Float64Array(blocks);
    this.counts = new Float64Array(blocks);
  }

  get byteLength(): number {
    return (
      this.ring.byteLength +
      this.sums.byteLength +
      this.squares.byteLength +
      this.counts.byteLength +
      (this.ownTail?.byteLength ?? 0) +
      bytesOf(15)
    );
  }

  /** The short-window average of the raw score after the last push. */
  get average(): number {
    return this.sum / Math.max(1, this.filled);
  }

  /** Takes one raw score; returns the log-likelihood score in 0..1 (0 until the first estimate). */
  push(raw: number): number {
    const r = this.ring;
    if (this.filled === r.length) this.sum -= r[this.pos]!;
    else this.filled++;
    r[this.pos] = raw;
    this.sum += raw;
    this.pos = (this.pos + 1) % r.length;
    const avg = this.sum / this.filled;
    const n = ++this.n;
    if (n <= this.learning) return 0;
    const b = this.block;
    this.sums[b]! += avg;
    this.squares[b]! += avg * avg;
    this.counts[b]! += 1;
    const since = n - this.learning;
    if (since % this.period === 0) {
      if (since >= this.estimation) this.fit();
      // The next period starts a fresh slot: the oldest period leaves the long window.
      this.block = (b + 1) % this.sums.length;
      this.sums[this.block] = 0;
      this.squares[this.block] = 0;
      this.counts[this.block] = 0;
    } else if (!this.fitted && since >= this.estimation) this.fit();
    const own = this.ownTail;
    let counted = 0;
    if (own) {
      if (this.owned >= this.trustAfter) counted = Math.exp(-own.surprise(100 * avg));
      else this.owned++;
      own.add(100 * avg);
    }
    if (!this.fitted) return 0;
    let tail = Math.max(this.tail(avg), counted);
    const red = tail <= 1e-5;
    if (red && this.wasRed) tail = 1e-3;
    this.wasRed = red;
    return Math.log(tail + 1e-10) / LN_FLOOR;
  }

  /** HTM's tail: the upper tail above the mean, and 1 − the mirrored tail below it (never alarming). */
  private tail(x: number): number {
    const z = (x - this.mean) / this.sd;
    return normalTail(z);
  }

  private fit(): void {
    let s = 0;
    let q = 0;
    let c = 0;
    for (let i = 0; i < this.sums.length; i++) {
      s += this.sums[i]!;
      q += this.squares[i]!;
      c += this.counts[i]!;
    }
    if (c < 1) return;
    const mean = s / c;
    const variance = c > 1 ? Math.max(0, (q - s * mean) / (c - 1)) : 0;
    this.mean = Math.max(mean, 0.03);
    this.sd = Math.sqrt(Math.max(variance, 0.0003));
    this.fitted = true;
  }
}
