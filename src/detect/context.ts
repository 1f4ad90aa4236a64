import { bytesOf, type DetectorOptions, type Expectation, opt, type StreamDetector } from './detector.js';
import { AnomalyLikelihood } from './likelihood.js';
import { RatioSpatialRule, SpatialRule } from './spatial.js';

/**
 * A bounded set of 32-bit keys with a last-use stamp each: buckets of 4 slots, a new key taking a free slot of
 * its bucket or the one unused the longest. What the context model has learnt is which keys it has seen; a
 * forgotten key is seen as new, which is the honest answer once memory is full.
 */
export class KeySet {
  private readonly keys: Uint32Array;
  private readonly used: Uint32Array;
  private readonly mask: number;
  private clock = 0;

  constructor(slots: number) {
    let n = 4;
    while (n < slots) n *= 2;
    this.keys = new Uint32Array(n);
    this.used = new Uint32Array(n);
    this.mask = n / 4 - 1;
  }

  get byteLength(): number {
    return this.keys.byteLength + this.used.byteLength + 16;
  }

  clear(): void {
    this.keys.fill(0);
    this.used.fill(0);
  }

  /** Marks `key` (non-zero) as used now; returns whether it was already held. */
  touch(key: number): boolean {
    const k = key >>> 0 || 1;
    const b = ((Math.imul(k, 0x9e3779b1) >>> 16) & this.mask) * 4;
    const now = ++this.clock >>> 0;
    let victim = b;
    for (let i = b; i < b + 4; i++) {
      if (this.keys[i] === k) {
        this.used[i] = now;
        return true;
      }
      if (this.keys[i] === 0) {
        victim = i;
        break;
      }
      if (this.used[i]! < this.used[victim]!) victim = i;
    }
    this.keys[victim] = k;
    this.used[victim] = now;
    return false;
  }
}

function mix(h: number, x: number): number {
  return Math.imul((h ^ x) >>> 0, 0x01000193) ^ (h >>> 15);
}

/**
 * Contextual novelty after CAD OSE (Smirnov's Contextual Anomaly Detector, NAB's third entry), written for a
 * stream with bounded state. The series is quantised to levels; a context is the run of the last k levels
 * (k = 1..`order`); the model remembers which contexts it has seen and which level followed each. At every
 * sample it asks, of the contexts it knows that end at the previous sample, how many predicted the level that
 * came (CAD: the share of selected contexts that are active), and how many of the transitions are new (CAD: the
 * share of new contexts). The raw score is CAD's, (1 − predicted share + new share) / 2, in 0..1: 0 when the
 * series does what it did before in the same context, 1 when nothing about the moment was seen before.
 *
 * CAD quantises by the series' whole minimum and maximum, which NAB hands every detector (a look-ahead); here
 * the levels are a grid of step range-so-far / `levels` on powers of two, so that when the range grows past
 * the grid the step doubles and every level maps exactly onto the coarser grid. The model's keys are hashes of
 * the old levels, so it is forgotten and the last `replay` values are learnt again on the new grid: a relearning
 * scored live would read as a long anomaly, and fill the likelihood's long window with it (NAB, cross-validated:
 * 72.57 standard with the replay, 69.35 without; docs/detection.md).
 */
export class ContextNovelty {
  private readonly seen: KeySet;
  private readonly history: Float64Array;
  private readonly order: number;
  private readonly levels: number;
  private origin = Number.NaN;
  private lo = Infinity;
  private hi = -Infinity;
  private step = 0;
  private count = 0;
  private readonly recent: Float32Array;
  private head = 0;
  private held = 0;

  constructor(levels = 8, order = 6, slots = 4096, replay = 1024) {
    this.levels = Math.max(1, levels);
    this.order = Math.max(1, Math.round(order));
    this.history = new Float64Array(this.order);
    this.seen = new KeySet(slots);
    this.recent = new Float32Array(Math.max(0, Math.round(replay)));
  }

  get byteLength(): number {
    return this.seen.byteLength + this.history.byteLength + this.recent.byteLength + bytesOf(8);
  }

  /** Takes one value, returns the raw novelty in 0..1 (1 on the first samples: nothing is known yet). */
  push(value: number): number {
    if (Number.isNaN(this.origin)) this.origin = value;
    this.lo = Math.min(this.lo, value);
    this.hi = Math.max(this.hi, value);
    const range = this.hi - this.lo;
    if (range > 0 && (this.step === 0 || range > this.levels * this.step)) {
      // The grid: the smallest power-of-two step (times the first range seen) that spans the range in `levels`.
      let s = this.step || range / this.levels;
      while (range > this.levels * s) s *= 2;
      const regrid = this.step !== 0;
      this.step = s;
      if (regrid) {
        this.seen.clear();
        this.count = 0;
        this.relearn();
      } else this.history.fill(0);
    }
    const out = this.learn(this.levelOf(value));
    if (this.recent.length > 0) {
      this.recent[this.head] = value;
      this.head = (this.head + 1) % this.recent.length;
      this.held = Math.min(this.held + 1, this.recent.length);
    }
    return out;
  }

  private levelOf(value: number): number {
    return this.step > 0 ? Math.floor((value - this.origin) / this.step) : 0;
  }

  /**
   * After a regrid, the recent values (`replay` of them) are learnt again on the new grid, unscored: the
   * series' usual sequences are known at once instead of being new for a while, a relearning that would read
   * as a long anomaly to the likelihood and fill its long window with it.
   */
  private relearn(): void {
    const r = this.recent;
    for (let k = this.held; k > 0; k--) {
      const v = r[(this.head - k + r.length) % r.length]!;
      this.learn(this.levelOf(v));
    }
  }

  private learn(level: number): number {
    const h = this.history;
    const known = Math.min(this.count, this.order);
    let selected = 0;
    let active = 0;
    let fresh = 0;
    let ctx = 0x811c9dc5;
    for (let k = 1; k <= known; k++) {
      ctx = mix(ctx, h[k - 1]! | 0);
      // A context key and its transition key differ by a tag, so one set holds both.
      const c = mix(ctx, k);
      const hadContext = this.seen.touch(c);
      const hadTransition = this.seen.touch(mix(c, (level | 0) + 0x5bd1e995));
      if (hadContext) {
        selected++;
        if (hadTransition) active++;
      }
      if (!hadTransition) fresh++;
    }
    for (let k = this.order - 1; k > 0; k--) h[k] = h[k - 1]!;
    h[0] = Math.max(-1e9, Math.min(1e9, level));
    this.count++;
    if (known === 0) return 1;
    return (1 - (selected > 0 ? active / selected : 0) + fresh / known) / 2;
  }
}

/**
 * `context`: the contextual novelty as a detector. By default (`likelihood` 1) its raw score goes through the
 * anomaly likelihood (likelihood.ts), so the score means the same on a noisy series as on a quiet one; with
 * `likelihood` 0 the output is CAD's own: the raw score, silenced for `rest` samples after any raw score of
 * 0.75 or more (one event, one alarm). The first `warmup` samples score 0.
 */
export class ContextDetector implements StreamDetector {
  readonly name = 'context';
  private readonly model: ContextNovelty;
  private readonly like: AnomalyLikelihood | null;
  private readonly rest: number;
  private readonly warmup: number;
  private readonly spatial: SpatialRule;
  private readonly ratio: RatioSpatialRule | null;
  private lastHigh = -Infinity;
  private n = 0;
  private last = Number.NaN;

  constructor(opts?: DetectorOptions) {
    this.model = new ContextNovelty(
      opt(opts, 'levels', 8, 1),
      opt(opts, 'order', 6, 1),
      opt(opts, 'slots', 4096, 4),
      opt(opts, 'replay', 1024, 0),
    );
    this.like =
      opt(opts, 'likelihood', 1, 0) > 0
        ? new AnomalyLikelihood({
            average: opt(opts, 'average', 10, 1),
            learning: opt(opts, 'learning', 288, 0),
            estimation: opt(opts, 'estimation', 100, 1),
            history: opt(opts, 'history', 8640, 1),
            period: opt(opts, 'period', 100, 1),
            tailfit: opt(opts, 'tailfit', 0, 0),
          })
        : null;
    this.rest = opt(opts, 'rest', 30, 0);
    this.warmup = opt(opts, 'warmup', 0, 0);
    // HTM's spatial rule: beyond the range so far by this share of it scores 1 (0: off).
    const spatial = opt(opts, 'spatial', 0.05, 0);
    // With `stepped`, the excess must also pass the series' mean step: in plain noise a new record lies a
    // fraction of a step beyond the old one, which HTM's 5% alone calls an anomaly every ten thousand samples.
    const stepped = opt(opts, 'stepped', 0, 0) > 0;
    // `jump` z > 0: a value beyond the range must also be a jump by the series' own one-step dynamics (its
    // residual from an AR(1) fit at least z residual spreads in that direction), so a drifting series does not
    // set off the rule by wandering into new ground. 0: off.
    const jump = opt(opts, 'jump', 0, 0);
    // `jumplog=1`: a positive series' record must also be a jump on ln(value) (spatial.ts).
    // `jumptail` n > 0: once the series has given n residuals, a record's residual must also pass the series'
    // own residual tail where that tail is heavier than a Gaussian's (spatial.ts, residual-tail.ts).
    // `jumpmemory` n > 0: the AR(1) fits forget, the newest pair weighing 1/n (one-step.ts); 0: whole history.
    const memory = opt(opts, 'jumpmemory', 0, 0);
    // `rangememory` n > 0: the rule's range is about the last n samples' and its mean step forgets at n steps
    // (spatial.ts), so one past excursion does not hide later records for good; 0: whole history.
    const rangeMemory = opt(opts, 'rangememory', 0, 0);
    // `jumprobust=1`: the AR(1) fits clip a pair's residual at z 3.29 before learning it (one-step.ts), so one
    // excursion does not blind the jump test for weeks after it; 0: the plain fit.
    const robust = opt(opts, 'jumprobust', 0, 0) > 0;
    this.spatial = new SpatialRule(
      spatial,
      stepped,
      jump,
      opt(opts, 'jumplog', 0, 0) > 0,
      opt(opts, 'jumptail', 0, 0),
      memory,
      rangeMemory,
      robust,
    );
    // `ratio=1`: a series that has only been positive is also judged on ln(value), with the same guards
    // (spatial.ts: a rate that collapses by a factor is an anomaly however small the drop in its units).
    this.ratio =
      opt(opts, 'ratio', 0, 0) > 0 && spatial > 0
        ? new RatioSpatialRule(spatial, stepped, jump, memory, rangeMemory, robust)
        : null;
  }

  observe(_at: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    this.last = value;
    const raw = this.model.push(value);
    const i = this.n++;
    const judge = i >= this.warmup;
    // Both rules see every value (their ranges and fits must follow the series), hence no short-circuit.
    const linear = this.spatial.push(value, judge);
    const out = (this.ratio ? this.ratio.push(value, judge) : false) || linear;
    let score: number;
    if (this.like) score = this.like.push(raw);
    else {
      score = i - this.lastHigh > this.rest ? raw : 0;
      if (raw >= 0.75) this.lastHigh = i;
    }
    if (i < this.warmup) return 0;
    return out ? 1 : score;
  }

  expectation(): Expectation {
    return { expected: this.last, spread: 0 };
  }

  stateBytes(): number {
    return (
      bytesOf(5) +
      this.model.byteLength +
      (this.like?.byteLength ?? 0) +
      this.spatial.byteLength +
      (this.ratio?.byteLength ?? 0)
    );
  }
}
