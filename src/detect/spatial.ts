import { bytesOf } from './detector.js';
import { normalTail } from './likelihood.js';
import { CLIP_Z, OneStepRegression } from './one-step.js';
import { RecentExtremes } from './recent-extremes.js';
import { ResidualTail } from './residual-tail.js';

/**
 * The weight of the residual tail's Gaussian prior, in excesses beyond z 3. Chosen on synthetic noise (30 seeds
 * each of Gaussian, AR(1) and multiplicative noise; weights 1, 2, 5, 10): the smallest weights clear the skewed
 * noise's records, and 2 keeps a short history from swinging the fit on one excess.
 */
const TAIL_PRIOR = 2;

/**
 * HTM's "spatial" anomaly (NAB's numenta detector): a value beyond the range so far by `share` of it. Two
 * guards against plain and drifting noise, each optional: `stepped`, the excess must also pass the series'
 * mean absolute step (a record of noise lies a fraction of a step beyond the old one); `jump` > 0, the value
 * must also be a residual of the series' running AR(1) fit beyond `jump` residual spreads in the direction of
 * the excess (a drifting series reaches new ground by ordinary steps). State: a few numbers (with `rangeMemory`,
 * 16 more).
 */
export class SpatialRule {
  private readonly dynamics: OneStepRegression | null;
  private readonly logDynamics: OneStepRegression | null;
  private readonly tail: ResidualTail | null;
  private readonly tailP: number;
  private readonly recent: RecentExtremes | null;
  private readonly stepMemory: number;
  private positive = true;
  private steps = 0;
  private stepSum = 0;
  private prev = Number.NaN;
  private lo = Infinity;
  private hi = -Infinity;

  constructor(
    private readonly share: number,
    private readonly stepped: boolean,
    private readonly jump: number,
    /**
     * With `jump`: while the series has only been positive, the value must also be a jump on ln(value). A
     * positive skewed quantity (a latency, a price) has multiplicative noise, whose upper records are far
     * beyond a Gaussian z of the linear residual though they are ordinary on its own scale.
     */
    jumpLog = false,
    /**
     * With `jump`, > 0: once the series has given this many residuals, the residual must also pass the series'
     * own residual tail where that tail is heavier than a Gaussian's (residual-tail.ts). A skewed series' normal
     * upper residuals lie far beyond a Gaussian z; judged against its own excesses, they do not.
     */
    private readonly tailFrom = 0,
    /** With `jump`, > 0: the AR(1) fits forget at this many pairs (one-step.ts), so a regime change is soon the norm. */
    memory = 0,
    /**
     * > 0: the range and the mean step forget. The range is that of about the last `rangeMemory` samples
     * (recent-extremes.ts); the mean step, once past that many steps, an exponentially weighted mean whose
     * newest step weighs 1/`rangeMemory` (seamless, as one-step.ts). Without it one excursion (an outage's
     * spike, a backfill) widens the range for good, and every later record inside it goes unseen; a mean
     * step after the noise changes is mostly the old regime's. 0: the whole history, as before.
     */
    rangeMemory = 0,
    /**
     * With `jump`: the AR(1) fits learn robustly, a pair's residual clipped to `CLIP_Z` spreads (one-step.ts).
     * Without it one excursion inflates the fit's residual spread, and for a week or two after it a jump reads
     * as an ordinary step.
     */
    robust = false,
  ) {
    if (!(rangeMemory === 0 || rangeMemory >= 8))
      throw new RangeError(`spatial range memory ${rangeMemory}: 0 or at least 8`);
    this.recent = rangeMemory > 0 ? new RecentExtremes(rangeMemory) : null;
    this.stepMemory = rangeMemory;
    const clip = robust ? CLIP_Z : 0;
    this.dynamics = jump > 0 ? new OneStepRegression(memory, clip) : null;
    this.logDynamics = jump > 0 && jumpLog ? new OneStepRegression(memory, clip) : null;
    this.tail = jump > 0 && tailFrom > 0 ? new ResidualTail(TAIL_PRIOR) : null;
    this.tailP = normalTail(jump);
  }

  get byteLength(): number {
    return (
      bytesOf(12) +
      (this.recent?.byteLength ?? 0) +
      (this.dynamics?.byteLength ?? 0) +
      (this.logDynamics?.byteLength ?? 0) +
      (this.tail?.byteLength ?? 0)
    );
  }

  /** Takes one finite value; returns whether it is a spatial anomaly (never when `judge` is false). */
  push(value: number, judge = true): boolean {
    const recent = this.recent;
    const hi = recent ? recent.hi : this.hi;
    const lo = recent ? recent.lo : this.lo;
    const range = hi - lo;
    const m = this.stepMemory;
    // Past `m` steps the sum is held as m × an exponentially weighted mean, so one division reads either.
    const step =
      this.stepped && this.steps > 0 ? this.stepSum / (m > 0 && this.steps > m ? m : this.steps) : 0;
    const tol = Math.max(this.share * range, step);
    const judged = judge && this.share > 0 && range > 0;
    const above = judged && value > hi + tol;
    const below = judged && value < lo - tol;
    let out = above || below;
    if (this.dynamics) {
      const z = this.dynamics.innovation(value);
      const side = above ? 1 : -1;
      // In the direction of the excess: a record reached against the series' pull is no jump.
      if (out) out = side * z >= this.jump;
      if (out && this.tail && this.tail.count >= this.tailFrom)
        out = side * z >= this.jump * this.tail.heavier(this.tailP, side);
      // What the rule calls a jump is not the series' normal shape: the tail learns the rest.
      if (!out) this.tail?.push(z);
      this.dynamics.push(value);
    }
    const ld = this.logDynamics;
    if (ld && this.positive) {
      if (value > 0) {
        const y = Math.log(value);
        if (out) out = (above ? 1 : -1) * ld.innovation(y) >= this.jump;
        ld.push(y);
      } else this.positive = false;
    }
    if (Number.isFinite(this.prev)) {
      const d = Math.abs(value - this.prev);
      // At steps = m this is the plain sum's own step: sum/m then moves by (d − sum/m)/m.
      if (m > 0 && ++this.steps > m) this.stepSum = this.stepSum * (1 - 1 / m) + d;
      else {
        this.stepSum += d;
        if (m === 0) this.steps++;
      }
    }
    this.prev = value;
    if (recent) recent.push(value);
    else {
      this.lo = Math.min(this.lo, value);
      this.hi = Math.max(this.hi, value);
    }
    return out;
  }
}

/**
 * The spatial rule on the ratio scale: for a series that has only ever been positive (a rate, a price, a
 * latency, a count of something that never stops), the same rule on ln(value). Such quantities vary by
 * factors: a cost per click falling from 0.3 to 0.004 is a collapse, yet in linear units it is a drop of less
 * than the series' usual hourly swing and lies a hair below its lowest value so far. On ln(value) noise keeps
 * its shape (a metric at 100 ± 0.5 is the same series there), so the guards hold as they do in linear units.
 * The first value at or below 0 turns it off for good: the quantity is not a ratio scale, or it can reach 0.
 */
export class RatioSpatialRule {
  private readonly rule: SpatialRule;
  private positive = true;

  constructor(share: number, stepped: boolean, jump: number, memory = 0, rangeMemory = 0, robust = false) {
    this.rule = new SpatialRule(share, stepped, jump, false, 0, memory, rangeMemory, robust);
  }

  get byteLength(): number {
    return bytesOf(1) + this.rule.byteLength;
  }

  push(value: number, judge = true): boolean {
    if (!this.positive) return false;
    if (!(value > 0)) {
      this.positive = false;
      return false;
    }
    return this.rule.push(Math.log(value), judge);
  }
}
