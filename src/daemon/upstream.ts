import type { Clock } from '../core/index.js';
import type { DependencyGraph } from '../incidents/index.js';

/** What the upstream watch reads of the daemon. */
export interface UpstreamDeps {
  clock: Clock;
  graph(): DependencyGraph;
  /** Down or degraded now (the health model's verdict). */
  failing(service: string): boolean;
  /** A check failed its last probe, confirmed or not. */
  suspect(service: string): boolean;
  /** Runs the service's checks now and waits for their results to be judged. */
  runChecks(service: string): Promise<void>;
  /** True when the service's supervised process is stopped right now (from /proc). */
  stopped(service: string): Promise<boolean>;
}

/**
 * Knows, for each service, whether something it depends on is in trouble now or was moments ago. Two
 * decisions rest on it: a dependent's health changes that follow from an upstream failure are not the
 * dependent's own flapping, and a dependent's heal waits while an upstream fails, whatever order the
 * findings arrived in (a proxy's check may fail before the hung app's own check does).
 */
export class UpstreamWatch {
  private readonly lastTroubleAt = new Map<string, number>();

  constructor(private readonly d: UpstreamDeps) {}

  /** A service's health changed: remember when it was last in trouble. */
  note(service: string, failing: boolean, at: number): void {
    if (failing || this.lastTroubleAt.has(service)) this.lastTroubleAt.set(service, at);
  }

  /**
   * An upstream of `service` failing now (or, with `suspects`, failing its last probe), or recovered less
   * than `settleMs` ago; null when none.
   */
  troubled(service: string, settleMs: number, suspects = false): string | null {
    const now = this.d.clock.now();
    for (const up of this.upstreamOrdered(service)) {
      if (this.d.failing(up) || (suspects && this.d.suspect(up))) return up;
      const last = this.lastTroubleAt.get(up);
      if (last !== undefined && now - last < settleMs) return up;
    }
    return null;
  }

  /**
   * Before a dependent's heal: an upstream in trouble, including trouble not yet confirmed. Every upstream is
   * probed once more first, so a hung upstream whose next check was not due yet shows itself before the
   * dependent is restarted for what is not its fault (a proxy's check may fail before the app's own does).
   */
  async blocking(service: string, settleMs: number): Promise<string | null> {
    const known = this.troubled(service, settleMs, true);
    if (known) return known;
    const ups = this.upstreamOrdered(service);
    if (ups.length === 0) return null;
    await Promise.all(ups.map((up) => this.d.runChecks(up).catch(() => {})));
    const troubled = this.troubled(service, settleMs, true);
    if (troubled) return troubled;
    // An upstream with no checks of its own says nothing through them; its process may still be stopped.
    const stopped = await Promise.all(ups.map((up) => this.d.stopped(up).catch(() => false)));
    return ups.find((_, i) => stopped[i]) ?? null;
  }

  /** Upstreams, nearest first, so the one named is the one the dependent talks to. */
  private upstreamOrdered(service: string): string[] {
    const graph = this.d.graph();
    const out: string[] = [];
    let frontier = graph.dependenciesOf(service);
    const seen = new Set<string>([service]);
    while (frontier.length > 0) {
      const next: string[] = [];
      for (const s of frontier) {
        if (seen.has(s)) continue;
        seen.add(s);
        out.push(s);
        next.push(...graph.dependenciesOf(s));
      }
      frontier = next;
    }
    return out;
  }
}
