import type { Bus, ProbeResult } from '../core/index.js';

/**
 * A supervised process's start period (`run.start_period`, Docker's HEALTHCHECK --start-period): failed probes
 * in its first moments say it is still starting, not that it is down, so they are not judged. The first
 * passing probe ends the period early; after it, every failure counts. Exits are never held: a process that
 * dies on start is seen at once.
 */
export class StartPeriods {
  /** Service → when its current process started; removed once a probe passed or the period is over. */
  private readonly starting = new Map<string, number>();

  constructor(
    bus: Bus,
    /** The service's start period in ms (0: none). */
    private readonly periodOf: (service: string) => number,
  ) {
    // The bus is the daemon's own and lives as long as it: nothing to unsubscribe.
    bus.on('signal', (s) => {
      if (s.kind === 'start' && this.periodOf(s.service) > 0) this.starting.set(s.service, s.at);
    });
  }

  /** True when the probe result is judged; false for a failure within the service's start period. */
  admits(service: string, result: Pick<ProbeResult, 'ok'>, at: number): boolean {
    const since = this.starting.get(service);
    if (since === undefined) return true;
    if (result.ok || at - since >= this.periodOf(service)) {
      this.starting.delete(service);
      return true;
    }
    return false;
  }
}
