import { ArtNovelty } from './art.js';
import { TailCalibrator } from './calibrate.js';
import { ContextDetector } from './context.js';
import { CusumDetector } from './cusum.js';
import { bytesOf, type DetectorOptions, type Expectation, opt, type StreamDetector } from './detector.js';
import { HoltWintersDetector } from './holt-winters.js';
import { RED_Z } from './one-step.js';
import { OnsetGate } from './onset.js';
import { PhaseMemory } from './phase-memory.js';
import { RobustZDetector } from './robust-z.js';

/** −ln(1e-10): the likelihood's scale, where a tail of 1e-5 scores 0.5. */
const LN_TAIL = Math.log(1e10);

/**
 * The default detector (`auto`): a robust z-score (spikes, against the recent window), seasonal Holt-Winters
 * (samples that break the daily or weekly pattern), CUSUM (sustained shifts no single sample shows) and the
 * excess beyond the series' whole range so far (Numenta's "spatial" anomaly), each calibrated to surprise
 * against its own history on this series (with a fitted tail, so "far beyond the usual extremes" keeps counting,
 * unless the history already holds that deviation several times), combined by the strongest, then reduced to
 * the onsets of events (OnsetGate): one event, one high score, because every sample over a threshold is a
 * separate alarm to whoever reads them.
 *
 * Beside them, the contextual detector (context.ts: CAD OSE's learnt contexts of quantised values, through
 * HTM's anomaly likelihood): a sequence the series has not shown before in that context. The score is the
 * higher of the two. The onsets find what breaks the season or the scale (a phase change, a spike); the
 * contexts find what breaks the sequence, and their likelihood is what holds one threshold across series:
 * under leave-one-category-out on NAB the pair scores 74.01 standard (its `tailfit`, `rest` and `seen` chosen by
 * the folds) where the onsets alone score 62.12 (docs/detection.md).
 */
export class EnsembleDetector implements StreamDetector {
  readonly name = 'auto';
  private readonly robust: RobustZDetector;
  private readonly hw: HoltWintersDetector;
  private readonly cusum: CusumDetector;
  private readonly cal: TailCalibrator[];
  private readonly art: ArtNovelty | null;
  private readonly artCal: TailCalibrator | null;
  private readonly gate: OnsetGate;
  private readonly context: ContextDetector | null;
  private readonly warmup: number;
  private readonly scale: number;
  private readonly rest: number;
  private readonly logscale: boolean;
  private readonly margin: number;
  private readonly phase: PhaseMemory | null;
  private readonly hold: number;
  private sinceRed = Infinity;
  private announced = 0;
  private since = Infinity;
  private period = 0;
  private hi = -Infinity;
  private lo = Infinity;
  private n = 0;

  constructor(opts?: DetectorOptions) {
    this.robust = new RobustZDetector({ window: opt(opts, 'window', 128, 8) });
    // The level follows within about 30 samples: a jump stands out at once, a new level is soon the norm.
    this.hw = new HoltWintersDetector({
      bins: opt(opts, 'bins', 144, 4),
      alpha: opt(opts, 'alpha', 0.03, 1e-4),
      huber: opt(opts, 'huber', 0, 0),
    });
    this.cusum = new CusumDetector({ h: 1e9 });
    const memory = opt(opts, 'memory', 1500, 10);
    const tail = opt(opts, 'tail', 0.1, 0.001);
    // A deviation that has come back several times within the memory is routine, however far out it lies.
    // 4 times: every fold of NAB's leave-one-category-out chose 4 from 4 and 8 (the hand-set 8 before); at the
    // same thresholds it removes false alarms and loses no detection (docs/detection.md, fourteenth round).
    const seen = opt(opts, 'seen', 4, 0);
    this.cal = [0, 1, 2, 3].map(() => new TailCalibrator(48, 3, memory, tail, 8, seen));
    // Shape novelty (ART over windowed features, art.ts): a fifth feature when `art` > 0.
    const art = opt(opts, 'art', 0, 0);
    this.art =
      art > 0
        ? new ArtNovelty(
            opt(opts, 'artStep', 2, 1),
            opt(opts, 'artWindow', 8, 2),
            opt(opts, 'artCats', 64, 1),
            opt(opts, 'artRho', 0.9, 0),
          )
        : null;
    this.artCal = art > 0 ? new TailCalibrator(48, 3, memory, tail, 8, seen) : null;
    // The contextual detector under the anomaly likelihood (context.ts), beside the onsets; `context=0`: without.
    // `stepped` on by default: without it a new record of plain noise (a metric that only wobbles) scores 1.0
    // every week or two at a sample a minute, at any threshold. NAB: 69.35 / 58.60 / 74.74 cross-validated
    // with `rest=30`, against 69.54 / 51.26 / 75.88 without either; 72.57 / 59.14 / 78.57 since `replay`
    // (docs/detection.md).
    // `jump` on by default: a record must also be a jump by the series' own one-step dynamics (a residual of
    // its AR(1) fit beyond the likelihood's red level, a tail of 1e-5: z 4.265), or a slowly drifting metric
    // (a queue length) sets off the rule by wandering to new ground: on AR(1) noise at φ 0.9 it scored 1.0 in
    // most series. NAB cross-validated 74.11 / 63.64 / 79.59 with it, 74.00 / 63.43 / 79.52 without.
    // `tailfit` on by default: once the likelihood has a full long window (8640 averages, HTM's history), its
    // Gaussian tail is capped by the averages' own fitted tail. A series the contexts have learnt (a drifting
    // metric after a few weeks) has novelty 0 nearly always and in rare bursts, which the Gaussian reads as far
    // out: AR(1) noise scored 0.7 or more 22 (φ 0.5) and 66 (φ 0.9) times a series-year without it. NAB
    // cross-validated 74.61 / 64.85 / 79.93 with it (trusted from the start instead: 68.36, the short series'
    // labelled bursts look like their earlier ones). Chosen by the folds from 0, 288, 2016, 8640 and 17280: 8640
    // in the four that can tell (73.81 / 65.08 / 78.76 with the folds' choices; 73.70 / 64.87 / 78.69 since the robust
    // z-score's spread floor, docs/detection.md thirteenth round; 74.01 / 65.91 / 78.90 with `seen` 4, fourteenth).
    // `ratio` and `jumplog` (spatial.ts), off: the spatial rule also on ln(value), or a record also a jump there.
    // `jumptail` (spatial.ts), off: a record's residual judged against the series' own residual tail once it has
    // that many residuals. From the start it clears multiplicative noise's records but every fold declined it
    // (realAdExchange's labelled upward records are ordinary by that series' own tail); at 8640 NAB cannot tell.
    // `jumpmemory` (spatial.ts, one-step.ts), 2016: the AR(1) fit of `jump` forgets at that many pairs, so after
    // a regime change steps are judged by the new regime's dynamics, not the whole history's. NAB cannot tell
    // (the same scores sample for sample at 0, 2016 and 8640); on noise whose spread grows, 2016 ends the late
    // false alarms that 0 and 8640 leave (docs/detection.md, tenth round).
    // `jumprobust` (spatial.ts, one-step.ts), off: that fit clips a pair's residual at z 3.29 before learning it, so
    // an excursion does not blind the jump test for weeks. NAB cannot tell (it acts only in probation there); with
    // the range of the whole history it gains nothing, and it costs early alarms (docs/detection.md, twelfth round).
    this.context =
      opt(opts, 'context', 1, 0) > 0
        ? new ContextDetector({
            stepped: opt(opts, 'stepped', 1, 0),
            jump: opt(opts, 'jump', RED_Z, 0),
            tailfit: opt(opts, 'tailfit', 8640, 0),
            spatial: opt(opts, 'spatial', 0.05, 0),
            ratio: opt(opts, 'ratio', 0, 0),
            jumplog: opt(opts, 'jumplog', 0, 0),
            jumptail: opt(opts, 'jumptail', 0, 0),
            jumpmemory: opt(opts, 'jumpmemory', 2016, 0),
            rangememory: opt(opts, 'rangememory', 0, 0),
            jumprobust: opt(opts, 'jumprobust', 0, 0),
            replay: opt(opts, 'replay', 1024, 0),
          })
        : null;
    this.margin = opt(opts, 'margin', 1.5, 1);
    this.gate = new OnsetGate(opt(opts, 'decay', 0.99, 0), this.margin);
    // An onset that repeats one at the same phase of the season (a nightly job, a daily edge) is routine unless
    // clearly stronger (the gate's margin); remembered onsets fade to 0.8 a period. `phase=0`: without.
    this.phase = opt(opts, 'phase', 1, 0) > 0 ? new PhaseMemory(opt(opts, 'bins', 144, 4), 0.8) : null;
    this.warmup = Math.round(opt(opts, 'warmup', 100, 0));
    // 5 nats (P ≈ 0.007 per sample) maps to 0.5: about where NAB's optimiser puts the alarm threshold.
    this.scale = opt(opts, 'scale', 5, 0.01);
    // `logscale=1`: the onsets on the likelihood's scale (e^-v as a tail), so a threshold is one tail for both
    // halves: on plain noise 2 scores of 0.5 or more in 20,000 samples instead of 76, but NAB cross-validated
    // 63.99 instead of 72.57 (its events sit at 5-12 nats of onset surprise); an option, not the default.
    this.logscale = opt(opts, 'logscale', 0, 0) > 0;
    // One alarm per event across both halves (HTM's red-run tail). 60 samples: every fold of NAB's
    // leave-one-category-out chose it from 30, 60, 120 and 240 (CAD OSE's 30 was the default before).
    this.rest = opt(opts, 'rest', 60, 0);
    // `hold` (0: off): a strict refractory period. After a score at HTM's red level (0.5), every score for `hold`
    // samples is reported at 0.3 however high. Every fold chose 0 from 0..240: an event's labelled alarm often
    // comes soon after a false one, and a strict hold loses it (docs/detection.md).
    this.hold = opt(opts, 'hold', 0, 0);
  }

  observe(at: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    const cx = this.context ? this.context.observe(at, value) : 0;
    this.robust.observe(at, value);
    this.hw.observe(at, value);
    // CUSUM sums the model's standardised residuals: a shift in what the season does not explain.
    const r = this.hw.residualZ();
    this.cusum.observe(at, r);
    // Beyond everything the series has done so far: the excess, in units of the range seen.
    const range = this.hi - this.lo;
    const f3 = range > 0 ? Math.max(0, value - this.hi, this.lo - value) / range : 0;
    this.hi = Math.max(this.hi, value);
    this.lo = Math.min(this.lo, value);
    const f0 = this.robust.z();
    const f1 = Math.abs(r);
    const f2 = this.cusum.statistic();
    const f4 = this.art ? this.art.push(value) * 100 : -1;
    const c = this.cal;
    if (this.hw.period() !== this.period) {
      // The residuals now exclude the season: what was routine before says nothing about them.
      this.period = this.hw.period();
      c[1]!.reset();
      c[2]!.reset();
      this.phase?.reset(this.period);
    }
    if (this.n++ < this.warmup) return 0;
    let u = 0;
    if (c[1]!.samples > this.warmup)
      u = Math.max(c[0]!.surprise(f0), c[1]!.surprise(f1), c[2]!.surprise(f2), c[3]!.surprise(f3));
    c[0]!.add(f0);
    c[1]!.add(f1);
    c[2]!.add(f2);
    c[3]!.add(f3);
    if (f4 >= 0) {
      const a = this.artCal!;
      if (a.samples > this.warmup) u = Math.max(u, a.surprise(f4));
      a.add(f4);
    }
    let v = this.gate.push(u);
    if (v > 0 && this.phase) {
      const before = this.phase.recall(at);
      this.phase.store(at, v);
      if (v <= this.margin * before) v = 0;
    }
    // Either says anomaly: both are near 0.5 at NAB's optimised threshold, and each is calibrated per series.
    const out = Math.max(cx, this.logscale ? Math.min(1, v / LN_TAIL) : v / (v + this.scale));
    return this.refractory(this.rested(out, v > 0 || cx >= 0.5));
  }

  /**
   * One event, one alarm, across the halves: an announcement (an onset, or a likelihood tail at HTM's red
   * level, 1e-5) within `rest` samples of the last one and not above it is reported as HTM reports the rest of
   * a red run (a tail of 1e-3: 0.3).
   */
  private rested(out: number, announcing: boolean): number {
    if (this.rest <= 0) return out;
    this.since++;
    if (!announcing) return out;
    if (this.since <= this.rest && out <= this.announced) return Math.min(out, 0.3);
    this.announced = out;
    this.since = 0;
    return out;
  }

  private refractory(out: number): number {
    if (this.hold <= 0) return out;
    if (++this.sinceRed <= this.hold) return Math.min(out, 0.3);
    if (out >= 0.5) this.sinceRed = 0;
    return out;
  }

  expectation(): Expectation {
    return this.hw.expectation();
  }

  stateBytes(): number {
    return (
      bytesOf(10) +
      this.robust.stateBytes() +
      this.hw.stateBytes() +
      this.cusum.stateBytes() +
      this.gate.byteLength +
      this.cal.reduce((n, c) => n + c.byteLength, 0) +
      (this.phase ? this.phase.byteLength : 0) +
      (this.art ? this.art.byteLength + this.artCal!.byteLength : 0) +
      (this.context ? this.context.stateBytes() : 0)
    );
  }
}
