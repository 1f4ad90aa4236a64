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
  /** When each service was last seen failing, or not yet healthy again since (see `lastFailedAt`). */
  private readonly lastFailing = new Map<string, number>();
  /** Services that failed and have not been healthy since. */
  private readonly troubled = new Set<string>();

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
    this.lastFailing.delete(service);
    this.troubled.delete(service);
  }

  /**
   * The last time the service was seen failing (down or degraded), or since then not yet healthy (a process
   * restarted, before its checks pass again); its recovery's time once healthy. Undefined: never failed since
   * Medic started. What its dependents reported until then was its trouble, seen from their side, even when
   * no probe of its own failed (a process killed and restarted between two probes).
   */
  lastFailedAt(service: string): number | undefined {
    return this.lastFailing.get(service);
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
    const change = this.recompute(service, `${check}: ${result.message}`);
    this.track(service, at);
    return { finding: v.finding, change, check: v };
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
    const change = this.recompute(service, summary);
    this.track(service, at);
    return { finding: v.finding, change, check: v };
  }

  private track(service: string, at: number): void {
    const h = this.get(service);
    if (h === 'down' || h === 'degraded') this.troubled.add(service);
    if (!this.troubled.has(service)) return;
    this.lastFailing.set(service, Math.max(at, this.lastFailing.get(service) ?? at));
    if (h === 'healthy') this.troubled.delete(service);
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
