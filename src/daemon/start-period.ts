import type { Bus, ProbeResult } from '../core/index.js';

/**
 * A supervised process's start period (`run.start_period`, Docker's HEALTHCHECK --start-period): failed probes
 * in its first moments say it is still starting, not that it is down, so they are not judged. Each check's
 * first pass ends the period for that check (a port that binds says nothing of a `/health` still warming up);
 * once the period is over, every failure counts. Exits are never held: a process that dies on start is seen
 * at once.
 */
export class StartPeriods {
  /** Service → when its current process started and the checks that passed since; gone once it is over. */
  private readonly starting = new Map<string, { at: number; passed: Set<string> }>();

  constructor(
    bus: Bus,
    /** The service's start period in ms (0: none). */
    private readonly periodOf: (service: string) => number,
  ) {
    // The bus is the daemon's own and lives as long as it: nothing to unsubscribe.
    bus.on('signal', (s) => {
      if (s.kind === 'start' && this.periodOf(s.service) > 0)
        this.starting.set(s.service, { at: s.at, passed: new Set() });
    });
  }

  /** True when the probe result is judged; false for a failure of a check not yet passed within the period. */
  admits(service: string, check: string, result: Pick<ProbeResult, 'ok'>, at: number): boolean {
    const s = this.starting.get(service);
    if (s === undefined) return true;
    if (at - s.at >= this.periodOf(service)) {
      this.starting.delete(service);
      return true;
    }
    if (result.ok) {
      s.passed.add(check);
      return true;
    }
    return s.passed.has(check);
  }
}
