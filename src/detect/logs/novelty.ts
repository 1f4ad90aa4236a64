import type { Clock, Finding, Severity } from '../../core/index.js';
import { newId } from '../../core/index.js';
import type { Classification } from './classify.js';

/**
 * Per-template novelty and spikes. A template is "new" when it was first seen after a warm-up (at start
 * every template is new, and that says nothing); an error template that is new raises a `pattern` finding at
 * once. A template spikes when its count in the current window is well above its own recent average
 * (an exponentially weighted mean and deviation of per-window counts), and above a floor so that 1→3 is not
 * a spike. Example lines go into the evidence. State per template is a few numbers: bounded by the miner.
 */

export interface NoveltyOptions {
  service: string;
  /** Width of the counting window. */
  windowMs: number;
  /** No "new template" findings before this long after start: everything is new at first. */
  warmupMs: number;
  /** A window's count must exceed mean + k·deviation … */
  spikeSigma: number;
  /** … and this many lines. */
  spikeMinCount: number;
  /** Weight of the newest window in the running mean. */
  alpha: number;
  /** Example lines kept per template for evidence. */
  examples: number;
  /** Only templates of error lines raise findings (a new info template is not news). */
  errorsOnly: boolean;
}

export const DEFAULT_NOVELTY: Omit<NoveltyOptions, 'service'> = {
  windowMs: 60_000,
  warmupMs: 5 * 60_000,
  spikeSigma: 4,
  spikeMinCount: 20,
  alpha: 0.2,
  examples: 3,
  errorsOnly: true,
};

interface Stat {
  text: string;
  windowStart: number;
  count: number;
  mean: number;
  dev: number;
  windows: number;
  examples: string[];
  error: Classification | null;
  spiking: boolean;
}

export interface Observation {
  templateId: string;
  template: string;
  line: string;
  created: boolean;
  error: Classification | null;
}

export class NoveltyDetector {
  private readonly opts: NoveltyOptions;
  private readonly stats = new Map<string, Stat>();
  private readonly startedAt: number;

  constructor(
    private readonly clock: Clock,
    opts: Partial<NoveltyOptions> & { service: string },
  ) {
    this.opts = { ...DEFAULT_NOVELTY, ...opts };
    this.startedAt = clock.now();
  }

  /** Feeds one mined line; returns the findings it caused (usually none). */
  observe(o: Observation): Finding[] {
    const now = this.clock.now();
    const out: Finding[] = [];
    let s = this.stats.get(o.templateId);
    if (!s) {
      s = {
        text: o.template,
        windowStart: now,
        count: 0,
        mean: 0,
        dev: 0,
        windows: 0,
        examples: [],
        error: o.error,
        spiking: false,
      };
      this.stats.set(o.templateId, s);
      const warm = now - this.startedAt >= this.opts.warmupMs;
      if (o.created && warm && (o.error || !this.opts.errorsOnly))
        out.push(this.finding('new', o, s, o.error?.severity ?? 'warning', 0.9));
    }
    s.text = o.template;
    s.error ??= o.error;
    this.roll(s, now);
    s.count++;
    if (s.examples.length < this.opts.examples) s.examples.push(o.line);
    const limit = Math.max(this.opts.spikeMinCount, s.mean + this.opts.spikeSigma * Math.max(s.dev, 1));
    if (!s.spiking && s.windows >= 3 && s.count > limit && (s.error || !this.opts.errorsOnly)) {
      s.spiking = true;
      const score = Math.min(1, 0.5 + (s.count - limit) / (2 * limit));
      out.push(this.finding('spike', o, s, s.error?.severity ?? 'warning', score));
    }
    return out;
  }

  /** Closes the windows that ended: quiet minutes count as zeros in the mean. */
  private roll(s: Stat, now: number): void {
    const { windowMs, alpha } = this.opts;
    let passed = Math.floor((now - s.windowStart) / windowMs);
    if (passed <= 0) return;
    for (let first = true; passed > 0; passed--, first = false) {
      const x = first ? s.count : 0;
      const diff = x - s.mean;
      s.mean += alpha * diff;
      s.dev = Math.sqrt((1 - alpha) * (s.dev * s.dev + alpha * diff * diff));
      s.windows++;
      if (!first && s.mean < 0.01 && s.windows > 50) break;
    }
    s.windowStart = now - ((now - s.windowStart) % windowMs);
    s.count = 0;
    s.spiking = false;
    s.examples = [];
  }

  private finding(
    kind: 'new' | 'spike',
    o: Observation,
    s: Stat,
    severity: Severity,
    score: number,
  ): Finding {
    const what =
      kind === 'new'
        ? 'new error template'
        : `template spiking (${s.count}/window, usual ${s.mean.toFixed(1)})`;
    return {
      id: newId('fnd'),
      service: this.opts.service,
      check: `logs:${o.templateId}`,
      kind: 'pattern',
      severity,
      score,
      summary: `${this.opts.service}: ${what}: ${o.template}`,
      evidence: {
        reason: kind,
        templateId: o.templateId,
        template: o.template,
        category: s.error?.category ?? null,
        count: s.count,
        mean: s.mean,
        examples: kind === 'new' ? [o.line] : [...s.examples],
      },
      at: this.clock.now(),
    };
  }
}
