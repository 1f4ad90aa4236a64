import type { Finding, ProbeResult, Severity } from '../core/index.js';
import { newId } from '../core/index.js';

export type CheckState = 'unknown' | 'up' | 'degraded' | 'down';

export interface ThresholdOptions {
  /** Consecutive failures before the check is judged down. */
  downAfter: number;
  /** Consecutive successes before it is judged up again. */
  upAfter: number;
}

export interface ThresholdVerdict {
  state: CheckState;
  previous: CheckState;
  /** Set when the state just changed into down or degraded. */
  finding: Finding | null;
}

/**
 * Hysteresis over one check's results: a single blip neither opens nor closes anything. Down after N
 * consecutive failures, up after M consecutive successes; a degraded answer (up, but out of bounds) counts
 * toward degraded the same way.
 */
export class ThresholdDetector {
  private state: CheckState = 'unknown';
  private fails = 0;
  private slow = 0;
  private oks = 0;

  constructor(
    readonly service: string,
    readonly check: string,
    private opts: ThresholdOptions,
  ) {}

  configure(opts: ThresholdOptions): void {
    this.opts = opts;
  }

  /** Forgets what was seen: evidence about a process that has been replaced is stale. */
  reset(): void {
    this.state = 'unknown';
    this.fails = 0;
    this.slow = 0;
    this.oks = 0;
  }

  current(): CheckState {
    return this.state;
  }

  /** True when the last result failed or was out of bounds, even if too few in a row to change the state. */
  suspect(): boolean {
    return this.fails > 0 || this.slow > 0 || this.state === 'down' || this.state === 'degraded';
  }

  observe(result: ProbeResult, at: number): ThresholdVerdict {
    const previous = this.state;
    if (result.ok) {
      this.oks++;
      this.fails = 0;
      this.slow = 0;
      // The first result after start-up settles an unknown check at once.
      if (this.state === 'unknown' || this.oks >= this.opts.upAfter) this.state = 'up';
    } else if (result.degraded) {
      this.slow++;
      this.oks = 0;
      this.fails = 0;
      if (this.slow >= this.opts.downAfter && this.state !== 'down') this.state = 'degraded';
    } else {
      this.fails++;
      this.oks = 0;
      this.slow = 0;
      if (this.fails >= this.opts.downAfter) this.state = 'down';
    }
    const changed = this.state !== previous;
    const finding =
      changed && (this.state === 'down' || this.state === 'degraded')
        ? this.makeFinding(this.state, result, at)
        : null;
    return { state: this.state, previous, finding };
  }

  /** Forces the state, for evidence that needs no hysteresis (a supervised process exiting). */
  force(state: CheckState, at: number, summary: string, evidence: Record<string, unknown>): ThresholdVerdict {
    const previous = this.state;
    this.state = state;
    this.fails = state === 'down' ? this.opts.downAfter : 0;
    this.oks = state === 'up' ? this.opts.upAfter : 0;
    this.slow = 0;
    const finding =
      previous !== state && state === 'down'
        ? {
            id: newId('fnd'),
            service: this.service,
            check: this.check,
            kind: 'down' as const,
            severity: 'critical' as const,
            score: 1,
            summary,
            evidence,
            at,
          }
        : null;
    return { state, previous, finding };
  }

  private makeFinding(state: 'down' | 'degraded', result: ProbeResult, at: number): Finding {
    const severity: Severity = state === 'down' ? 'critical' : 'warning';
    const count = state === 'down' ? this.fails : this.slow;
    return {
      id: newId('fnd'),
      service: this.service,
      check: this.check,
      kind: state,
      severity,
      score: 1,
      summary: `${this.service}/${this.check} ${state}: ${result.message}`,
      evidence: { consecutive: count, lastResult: result },
      at,
    };
  }
}
