import {
  bytesOf,
  type DetectorOptions,
  type Expectation,
  opt,
  type StreamDetector,
  squash,
} from './detector.js';
import { PeriodFinder } from './period.js';

/**
 * Additive Holt-Winters with a damped trend and a seasonal profile over phase bins. The period is found by
 * the PeriodFinder while warming up; until then (or when there is none) it is Holt's level and trend alone.
 * The seasonal profile has at most `bins` slots however long the period, which bounds the state; the phase
 * comes from timestamps, so irregular sampling keeps its place in the day.
 */
export class HoltWintersDetector implements StreamDetector {
  readonly name = 'holt-winters';
  private readonly alpha: number;
  private readonly beta: number;
  private readonly gamma: number;
  private readonly phi = 0.9;
  private readonly center: number;
  private readonly huber: number;
  private readonly maxBins: number;
  private finder: PeriodFinder | null;
  private season: Float32Array | null = null;
  /** Residual spread per phase bin: the minutes around a daily jump are noisier than the night. */
  private spreads: Float32Array | null = null;
  private lastAt = 0;
  private periodMs = 0;
  private level = Number.NaN;
  private trend = 0;
  private mae = 0;
  private n = 0;
  private lastExpected = Number.NaN;
  private lastResidual = 0;

  constructor(opts?: DetectorOptions) {
    this.alpha = opt(opts, 'alpha', 0.1, 1e-6);
    this.beta = opt(opts, 'beta', 0.01, 0);
    this.gamma = opt(opts, 'gamma', 0.1, 0);
    this.center = opt(opts, 'z', 5, 0.5);
    // `huber` k > 0: the level and season learn from the residual clipped to ±k spreads (robust Holt-Winters,
    // Gelper, Fried and Croux 2010, k = 2 there), so an anomaly does not enter the seasonal profile and come
    // back as a residual a period later. 0: off (in `auto` on NAB, cross-validated, it cost 1.3 standard points:
    // a clipped level lags a real shift, and the lag reads as more anomaly).
    this.huber = opt(opts, 'huber', 0, 0);
    this.maxBins = Math.round(opt(opts, 'bins', 144, 4));
    this.finder =
      opt(opts, 'seasonal', 1) > 0 ? new PeriodFinder(Math.round(opt(opts, 'buffer', 256, 16))) : null;
  }

  /** The period in use, in ms (0 when none was found). */
  period(): number {
    return this.periodMs;
  }

  /** Residual of the last sample in units of the running residual spread (signed). */
  residualZ(): number {
    return this.lastResidual;
  }

  observe(at: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    this.lastAt = at;
    if (this.finder) {
      const found = this.finder.push(at, value);
      if (found) this.startSeason(found.periodMs, this.finder.profile(found.periodMs, this.maxBins));
    }
    if (this.n++ === 0) {
      this.level = value;
      this.lastResidual = 0;
      return 0;
    }
    const s = this.season;
    const bin = s ? this.binOf(at) : 0;
    const seasonal = s ? s[bin]! : 0;
    const expected = this.level + this.phi * this.trend + seasonal;
    const e = value - expected;
    const sp = this.spreads;
    const local = sp ? Math.max(sp[bin]!, 0.2 * this.mae) : this.mae;
    const spread = 1.25 * local + 1e-9 * (1 + Math.abs(this.level));
    const z = this.n > 10 ? e / spread : 0;
    this.lastExpected = expected;
    this.lastResidual = z;
    // Level and trend learn from the deseasonalised value; the season from what the level does not explain.
    const k = this.huber * spread;
    const y = k > 0 && this.n > 10 ? expected + Math.max(-k, Math.min(k, e)) : value;
    const prevLevel = this.level;
    this.level = this.alpha * (y - seasonal) + (1 - this.alpha) * (prevLevel + this.phi * this.trend);
    this.trend = this.beta * (this.level - prevLevel) + (1 - this.beta) * this.phi * this.trend;
    if (s) s[bin] = seasonal + this.gamma * (y - this.level - seasonal);
    // A huge residual is clipped before it updates the spread, so one spike does not blind the next samples.
    const a = this.n < 50 ? 1 / this.n : 0.02;
    const clipped = Math.min(Math.abs(e), 4 * spread + 1e-12);
    this.mae += a * (clipped - this.mae);
    if (sp) sp[bin]! += this.gamma * (clipped - sp[bin]!);
    return z !== 0 ? squash(Math.abs(z), this.center) : 0;
  }

  expectation(): Expectation {
    return { expected: this.lastExpected, spread: 1.25 * this.mae };
  }

  stateBytes(): number {
    return bytesOf(17, this.season, this.spreads) + (this.finder?.byteLength ?? 0);
  }

  private binOf(at: number): number {
    const phase = (((at % this.periodMs) + this.periodMs) % this.periodMs) / this.periodMs;
    return Math.min(this.season!.length - 1, Math.floor(phase * this.season!.length));
  }

  private startSeason(periodMs: number, profile: Float32Array): void {
    this.periodMs = periodMs;
    this.season = profile;
    this.spreads = new Float32Array(profile.length).fill(this.mae);
    // The level so far included the season: take out the current phase's share. The finder is released.
    this.level -= profile[this.binOf(this.lastAt)]!;
    this.finder = null;
  }
}
