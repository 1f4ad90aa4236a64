/**
 * The checks external alerts add to a service (`alert:<alertname>`), bounded and expiring. An alert name
 * Medic has not seen adds a check to the service's health model; without a bound, a sender inventing names
 * (or a label that varies) would grow the model and every health computation without end. A service holds
 * at most `maxPerService` alert checks, and a resolved one is removed `graceMs` after it resolved (it stays
 * that long so a flapping alert keeps its check and history). At the bound, the check resolved longest ago
 * makes room; when every one still fires, the new alert is `full`: its finding goes on without a check.
 */
export interface AlertChecksOptions {
  maxPerService?: number;
  graceMs?: number;
}

export const ALERT_CHECKS_PER_SERVICE = 50;
export const ALERT_CHECK_GRACE_MS = 60 * 60_000;

interface Tracked {
  firing: boolean;
  resolvedAt: number | null;
}

export class AlertChecks {
  private readonly byService = new Map<string, Map<string, Tracked>>();
  private readonly max: number;
  readonly graceMs: number;

  constructor(o: AlertChecksOptions = {}) {
    this.max = o.maxPerService ?? ALERT_CHECKS_PER_SERVICE;
    this.graceMs = o.graceMs ?? ALERT_CHECK_GRACE_MS;
  }

  /**
   * The alert fires: `known` (tracked already), `new` (added: declare it; `evicted` names a resolved check
   * that made room) or `full` (not added).
   */
  fire(service: string, check: string): { added: 'known' | 'new' | 'full'; evicted?: string } {
    const checks = this.byService.get(service) ?? new Map<string, Tracked>();
    this.byService.set(service, checks);
    const known = checks.get(check);
    if (known) {
      known.firing = true;
      known.resolvedAt = null;
      return { added: 'known' };
    }
    let evicted: string | undefined;
    if (checks.size >= this.max) {
      evicted = this.oldestResolved(checks);
      if (evicted === undefined) return { added: 'full' };
      checks.delete(evicted);
    }
    checks.set(check, { firing: true, resolvedAt: null });
    return evicted === undefined ? { added: 'new' } : { added: 'new', evicted };
  }

  /** The alert resolved at `now`; false when it was never tracked (resolved before Medic saw it fire). */
  resolve(service: string, check: string, now: number): boolean {
    const t = this.byService.get(service)?.get(check);
    if (!t) return false;
    t.firing = false;
    t.resolvedAt = now;
    return true;
  }

  /** Removes the checks resolved at least `graceMs` before `now`; returns the services that lost some. */
  expire(now: number): string[] {
    const changed: string[] = [];
    for (const [service, checks] of this.byService) {
      let lost = false;
      for (const [check, t] of checks) {
        if (t.resolvedAt !== null && now - t.resolvedAt >= this.graceMs) {
          checks.delete(check);
          lost = true;
        }
      }
      if (checks.size === 0) this.byService.delete(service);
      if (lost) changed.push(service);
    }
    return changed;
  }

  /** When the next resolved check is due to go, or null when none is resolved. */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const checks of this.byService.values())
      for (const t of checks.values())
        if (t.resolvedAt !== null && (next === null || t.resolvedAt + this.graceMs < next))
          next = t.resolvedAt + this.graceMs;
    return next;
  }

  /** The service's alert checks and whether each fires, in the order they were added. */
  checks(service: string): [string, boolean][] {
    return [...(this.byService.get(service) ?? new Map<string, Tracked>())].map(([c, t]) => [c, t.firing]);
  }

  has(service: string, check: string): boolean {
    return this.byService.get(service)?.has(check) ?? false;
  }

  services(): string[] {
    return [...this.byService.keys()];
  }

  drop(service: string): void {
    this.byService.delete(service);
  }

  private oldestResolved(checks: Map<string, Tracked>): string | undefined {
    let oldest: [string, number] | undefined;
    for (const [check, t] of checks)
      if (t.resolvedAt !== null && (oldest === undefined || t.resolvedAt < oldest[1]))
        oldest = [check, t.resolvedAt];
    return oldest?.[0];
  }
}
