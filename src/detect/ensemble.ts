import { TailCalibrator } from './calibrate.js';
import { CusumDetector } from './cusum.js';
import { bytesOf, type DetectorOptions, type Expectation, opt, type StreamDetector } from './detector.js';
import { HoltWintersDetector } from './holt-winters.js';
import { RobustZDetector } from './robust-z.js';

/**
 * The default detector (`auto`): a robust z-score (spikes, against the recent window), seasonal Holt-Winters
 * (samples that break the daily or weekly pattern) and CUSUM (sustained shifts no single sample shows), each
 * calibrated to surprise against its own history on this series, combined by the strongest, then damped while
 * an alarm episode is already under way so one event gives one alarm.
 */
export class EnsembleDetector implements StreamDetector {
  readonly name = 'auto';
  private readonly robust: RobustZDetector;
  private readonly hw: HoltWintersDetector;
  private readonly cusum: CusumDetector;
  private readonly cal: TailCalibrator[];
  private readonly warmup: number;
  private readonly scale: number;
  private readonly decay: number;
  private episode = 0;
  private period = 0;
  private n = 0;

  constructor(opts?: DetectorOptions) {
    this.robust = new RobustZDetector({ window: opt(opts, 'window', 128, 8) });
    this.hw = new HoltWintersDetector({
      bins: opt(opts, 'bins', 144, 4),
      alpha: opt(opts, 'alpha', 0.01, 1e-4),
    });
    this.cusum = new CusumDetector({ h: 1e9 });
    const memory = opt(opts, 'memory', 1000, 10);
    this.cal = [0, 1, 2].map(() => new TailCalibrator(48, 3, memory));
    this.warmup = Math.round(opt(opts, 'warmup', 100, 0));
    this.scale = opt(opts, 'scale', Math.log(1000), 0.01);
    this.decay = opt(opts, 'decay', 0.995, 0);
  }

  observe(at: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    this.robust.observe(at, value);
    this.hw.observe(at, value);
    // CUSUM sums the model's standardised residuals: a shift in what the season does not explain.
    const r = this.hw.residualZ();
    this.cusum.observe(at, r);
    const f0 = this.robust.z();
    const f1 = Math.abs(r);
    const f2 = this.cusum.statistic();
    const c = this.cal;
    if (this.hw.period() !== this.period) {
      // The residuals now exclude the season: what was routine before says nothing about them.
      this.period = this.hw.period();
      c[1]!.reset();
      c[2]!.reset();
    }
    let u = 0;
    if (this.n++ < this.warmup) return 0;
    if (c[1]!.samples > this.warmup) u = Math.max(c[0]!.surprise(f0), c[1]!.surprise(f1), c[2]!.surprise(f2));
    c[0]!.add(f0);
    c[1]!.add(f1);
    c[2]!.add(f2);
    // Within an episode only a stronger surprise than the one that opened it counts again.
    const prev = this.episode;
    this.episode = Math.max(u, prev * this.decay);
    const v = u > prev ? u : u * 0.5;
    return v / (v + this.scale);
  }

  expectation(): Expectation {
    return this.hw.expectation();
  }

  stateBytes(): number {
    return (
      bytesOf(6) +
      this.robust.stateBytes() +
      this.hw.stateBytes() +
      this.cusum.stateBytes() +
      this.cal.reduce((n, c) => n + c.byteLength, 0)
    );
  }
}
