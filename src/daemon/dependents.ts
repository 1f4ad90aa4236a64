import type { Clock, Finding, Incident, ServiceHealth } from '../core/index.js';
import type { IncidentManager } from '../incidents/index.js';

const FAILING: readonly ServiceHealth[] = ['down', 'degraded'];

export interface DependentsDeps {
  clock: Clock;
  incidents: Pick<IncidentManager, 'note'>;
  health(service: string): ServiceHealth;
  /** A heal of the service runs now. */
  busy(service: string): boolean;
  runChecks(service: string): Promise<void>;
  /** `correlation.release_after`. */
  releaseAfter(): number;
  /**
   * How long the dependent may take to recover, when longer than release_after: one held degraded only by its
   * log patterns (lines that told of its upstream's trouble) recovers `novelty.quiet` after they stop. 0 when
   * any of its own checks fails.
   */
  telemetryGrace(service: string): number;
  /** The dependent still fails after its grace: diagnose and heal it in its turn. */
  heal(f: Finding, incident: Incident): Promise<void>;
  /**
   * A member still failing when the root is healthy again that waited for nothing: its own heal was decided
   * before. Held for a human (escalated): the incident says so, not "verifying" the root's heal (null). Else
   * its latest finding, to be released like a dependent's (null when none is known).
   */
  unattended(service: string, incident: Incident): Promise<Finding | null>;
  /** Runs work beside the lanes, tracked for `idle()` and stopped with the path. */
  spawn(work: () => Promise<void>): void;
  signal: AbortSignal;
}

/**
 * Dependents waiting for their root cause's heal (the API waits while its database is restarted). When the
 * root is healthy again each gets `correlation.release_after` to recover by itself; one that still fails is
 * diagnosed and healed in its turn. An incident of several services stays open while one of them waits.
 */
export class Dependents {
  /** Dependents waiting for their root's heal: service → its latest finding. */
  private readonly waiting = new Map<string, Finding>();

  constructor(private readonly d: DependentsDeps) {}

  /** The dependent waits for the root's heal; true when it was not waiting yet (say so on the incident). */
  wait(f: Finding): boolean {
    const already = this.waiting.has(f.service);
    this.waiting.set(f.service, f);
    return !already;
  }

  has(service: string): boolean {
    return this.waiting.has(service);
  }

  drop(service: string): void {
    this.waiting.delete(service);
  }

  /** Forgets waiting services no active incident holds any more. */
  prune(active: (service: string) => boolean): void {
    for (const [s] of this.waiting) if (!active(s)) this.waiting.delete(s);
  }

  /** What an incident of several services still waits for when `healthy` is healthy again. */
  holding(services: readonly string[], healthy: string): string[] {
    return services.filter(
      (s) => s !== healthy && (FAILING.includes(this.d.health(s)) || this.d.busy(s) || this.waiting.has(s)),
    );
  }

  /** The root is healthy again: each waiting dependent gets `release_after` to recover, then its own heal. */
  memberHealthy(incident: Incident, service: string, holding: readonly string[]): void {
    if (incident.rootCause !== service) return;
    for (const s of holding) {
      const f = this.waiting.get(s);
      if (f) this.d.spawn(() => this.release(s, f, incident));
      else if (!this.d.busy(s)) {
        this.d.spawn(async () => {
          const latest = await this.d.unattended(s, incident);
          if (latest && !this.waiting.has(s)) {
            this.waiting.set(s, latest);
            await this.release(s, latest, incident);
          }
        });
      }
    }
  }

  private async release(service: string, f: Finding, incident: Incident): Promise<void> {
    const grace = this.d.releaseAfter();
    const start = this.d.clock.now();
    try {
      await this.d.runChecks(service);
      while (FAILING.includes(this.d.health(service))) {
        const deadline = start + Math.max(grace, this.d.telemetryGrace(service));
        if (this.d.clock.now() >= deadline) break;
        await this.d.clock.sleep(Math.min(250, grace), this.d.signal);
      }
    } catch {
      return; // stopping
    }
    const waited = this.d.clock.now() - start;
    // Recovered (or healed) meanwhile: nothing waits any more. A newer finding that arrived while it waited
    // (another check failing) is the one to heal by: it is the latest word on the dependent.
    const latest = this.waiting.get(service);
    if (!latest) return;
    this.waiting.delete(service);
    if (!FAILING.includes(this.d.health(service))) return;
    await this.d.incidents.note(
      incident.id,
      `${service} still fails ${Math.round(Math.max(grace, waited) / 1000)}s after ${incident.rootCause} was healed: its own heal may run`,
      { service },
    );
    await this.d.heal({ ...(latest ?? f), at: this.d.clock.now() }, incident);
  }
}
