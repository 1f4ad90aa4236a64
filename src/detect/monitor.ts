import type { Finding, Severity } from '../core/index.js';
import { newId } from '../core/index.js';
import type { StreamDetector } from './detector.js';

/**
 * The score at or above which a sample is anomalous unless configured. `auto`'s scores reach 0.5 about once in
 * 270 samples of plain noise (NAB's operating point: its series are short and dense with anomalies), 0.6 a few
 * times a series-year of 5-minute samples, 0.65 about once a series-year or less on Gaussian, autocorrelated,
 * multiplicative and count noise (an error count that is mostly 0: a few times), while a spike of 10 spreads
 * scores 1 (docs/detection.md, thirteenth round). A daemon that heals on findings wants the quiet side.
 */
export const DEFAULT_THRESHOLD = 0.65;

export interface MonitorOptions {
  /** Score at or above which a sample is anomalous (default DEFAULT_THRESHOLD). */
  threshold?: number;
  /** Samples kept as a finding's evidence (default 16). */
  evidence?: number;
  /** Consecutive normal samples that end an episode (default 5): one event, one finding. */
  clearAfter?: number;
  /**
   * The findings' severity (default `warning`): a series unlike its past is a sign, not a failure; a
   * route that pages on `critical` pages on it only where the user says so.
   */
  severity?: Severity;
}

export interface MonitorVerdict {
  score: number;
  /** Set on the first anomalous sample of an episode. */
  finding: Finding | null;
}

/**
 * One detector on one series of one service, turned into `anomaly` findings. The detector only scores; the
 * monitor owns what the stage needs around it: the threshold, one finding per episode rather than one per
 * sample, and the recent samples that the finding carries as evidence.
 */
export class AnomalyMonitor {
  private readonly threshold: number;
  private readonly clearAfter: number;
  private readonly severity: Severity;
  private readonly at: Float64Array;
  private readonly values: Float64Array;
  private head = 0;
  private count = 0;
  private inEpisode = false;
  private calm = 0;

  constructor(
    readonly service: string,
    readonly check: string,
    readonly detector: StreamDetector,
    opts: MonitorOptions = {},
  ) {
    this.threshold = opts.threshold ?? DEFAULT_THRESHOLD;
    this.clearAfter = opts.clearAfter ?? 5;
    this.severity = opts.severity ?? 'warning';
    const n = opts.evidence ?? 16;
    this.at = new Float64Array(n);
    this.values = new Float64Array(n);
  }

  observe(at: number, value: number): MonitorVerdict {
    const score = this.detector.observe(at, value);
    this.at[this.head] = at;
    this.values[this.head] = value;
    this.head = (this.head + 1) % this.at.length;
    this.count++;
    if (score < this.threshold) {
      if (this.inEpisode && ++this.calm >= this.clearAfter) this.inEpisode = false;
      return { score, finding: null };
    }
    this.calm = 0;
    if (this.inEpisode) return { score, finding: null };
    this.inEpisode = true;
    return { score, finding: this.finding(at, value, score) };
  }

  /** The recent samples, oldest first. */
  recent(): { at: number; value: number }[] {
    const n = Math.min(this.count, this.at.length);
    const out: { at: number; value: number }[] = [];
    for (let i = 0; i < n; i++) {
      const k = (this.head - n + i + this.at.length) % this.at.length;
      out.push({ at: this.at[k]!, value: this.values[k]! });
    }
    return out;
  }

  private finding(at: number, value: number, score: number): Finding {
    const { expected, spread } = this.detector.expectation();
    const dir = Number.isFinite(expected) ? (value > expected ? 'above' : 'below') : 'unlike';
    const exp = Number.isFinite(expected) ? ` ${dir} the expected ${round(expected)}` : '';
    return {
      id: newId('fnd'),
      service: this.service,
      check: this.check,
      kind: 'anomaly',
      severity: this.severity,
      score,
      summary: `${this.service}/${this.check} anomalous: ${round(value)}${exp} (score ${score.toFixed(2)}, ${this.detector.name})`,
      evidence: { detector: this.detector.name, value, expected, spread, samples: this.recent() },
      at,
    };
  }
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
