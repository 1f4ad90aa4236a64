import type { Finding, ProbeResult, ServiceHealth } from '../core/index.js';
import { type CheckState, ThresholdDetector, type ThresholdOptions } from './threshold.js';

export interface HealthChange {
  service: string;
  from: ServiceHealth;
  to: ServiceHealth;
  reason: string;
}

export interface Observation {
  finding: Finding | null;
  change: HealthChange | null;
  check: { state: CheckState; previous: CheckState };
}

/** The pseudo-check that stands for a supervised process being alive. */
export const PROCESS_CHECK = 'running';

/**
 * A service's health is the worst of its checks' states: any down → down, any degraded → degraded, all up →
 * healthy, otherwise unknown.
 */
export class HealthModel {
  private readonly detectors = new Map<string, Map<string, ThresholdDetector>>();
  private readonly health = new Map<string, ServiceHealth>();

  /** Declares a service's checks; detectors of checks no longer declared are dropped. */
  define(service: string, checks: { name: string; opts: ThresholdOptions }[]): void {
    const existing = this.detectors.get(service) ?? new Map<string, ThresholdDetector>();
    const next = new Map<string, ThresholdDetector>();
    for (const c of checks) {
      const d = existing.get(c.name) ?? new ThresholdDetector(service, c.name, c.opts);
      d.configure(c.opts);
      next.set(c.name, d);
    }
    this.detectors.set(service, next);
    if (!this.health.has(service)) this.health.set(service, 'unknown');
  }

  remove(service: string): void {
    this.detectors.delete(service);
    this.health.delete(service);
  }

  services(): string[] {
    return [...this.detectors.keys()];
  }

  get(service: string): ServiceHealth {
    return this.health.get(service) ?? 'unknown';
  }

  checks(service: string): { name: string; state: CheckState }[] {
    return [...(this.detectors.get(service)?.values() ?? [])].map((d) => ({
      name: d.check,
      state: d.current(),
    }));
  }

  /**
   * True when any check of the service failed its last probe, even once: trouble not yet confirmed by
   * `down_after`. A dependent's heal waits while an upstream is suspect.
   */
  suspect(service: string): boolean {
    return [...(this.detectors.get(service)?.values() ?? [])].some((d) => d.suspect());
  }

  /** Sets every check of the service but `keep` back to unknown (a new process starts from no evidence). */
  reset(service: string, keep: string): HealthChange | null {
    for (const d of this.detectors.get(service)?.values() ?? []) if (d.check !== keep) d.reset();
    return this.recompute(service, 'checks reset');
  }

  observe(service: string, check: string, result: ProbeResult, at: number): Observation | null {
    const d = this.detectors.get(service)?.get(check);
    if (!d) return null;
    const v = d.observe(result, at);
    return { finding: v.finding, change: this.recompute(service, `${check}: ${result.message}`), check: v };
  }

  force(
    service: string,
    check: string,
    state: CheckState,
    at: number,
    summary: string,
    evidence: Record<string, unknown>,
  ): Observation | null {
    const d = this.detectors.get(service)?.get(check);
    if (!d) return null;
    const v = d.force(state, at, summary, evidence);
    return { finding: v.finding, change: this.recompute(service, summary), check: v };
  }

  private recompute(service: string, reason: string): HealthChange | null {
    const states = [...(this.detectors.get(service)?.values() ?? [])].map((d) => d.current());
    let to: ServiceHealth = 'unknown';
    if (states.includes('down')) to = 'down';
    else if (states.includes('degraded')) to = 'degraded';
    else if (states.length > 0 && states.every((s) => s === 'up')) to = 'healthy';
    const from = this.get(service);
    if (from === to) return null;
    this.health.set(service, to);
    return { service, from, to, reason };
  }
}
