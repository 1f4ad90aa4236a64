import type { Incident, ServiceHealth } from '../core/index.js';
import type { GuardState } from '../store/index.js';

/** What the watch reads of a running Medic. */
export interface WatchView {
  services(): string[];
  /** The services it depends on, directly or not (config `depends_on`). */
  upstreamOf(service: string): readonly string[];
  health(service: string): ServiceHealth;
  /** A heal of the service is running or due (Medic.healPending). */
  busy(service: string): boolean;
  activeIncident(service: string): Promise<Incident | null>;
  guard(service: string): Promise<GuardState | null>;
}

export interface WatchOptions {
  /**
   * How long a service may be unhealthy and uncovered before it counts: the time from a check failing to the
   * heal's decision (correlation, evidence, diagnosis), which the watch cannot see from outside. A stretch
   * longer than this counts whole.
   */
  graceMs: number;
  /** A retry due within this (the backoff cap, 5 min) covers the service. */
  capMs: number;
  /** correlation.release_after: a dependent gets this long after its upstream recovered before its own heal. */
  releaseAfterMs: number;
  /** Some notifier takes escalations: without one an escalation reaches nobody. */
  notifies: boolean;
}

export interface SilentStretch {
  service: string;
  from: number;
  to: number;
  /** What the service lacked: no incident, or an incident with no heal running or due and nobody told. */
  why: string;
}

const FAILING: readonly ServiceHealth[] = ['down', 'degraded'];

/**
 * The invariant of issue 12, sampled: every unhealthy service has a heal in progress, or one due within the
 * backoff cap, or an open escalated incident whose escalation was sent to someone. Time a service spends
 * otherwise is silent down time.
 */
export class SilenceWatch {
  private readonly notified = new Set<string>();
  private readonly healthySince = new Map<string, number>();
  private readonly open = new Map<string, { from: number; why: string }>();
  readonly stretches: SilentStretch[] = [];

  constructor(
    private readonly view: WatchView,
    private readonly opts: WatchOptions,
  ) {}

  /** The bus said an escalation was sent for this incident. */
  noteEscalation(incidentId: string | null): void {
    if (incidentId) this.notified.add(incidentId);
  }

  wasNotified(incidentId: string): boolean {
    return this.opts.notifies && this.notified.has(incidentId);
  }

  noteHealth(service: string, to: ServiceHealth, at: number): void {
    if (to === 'healthy') this.healthySince.set(service, at);
    else this.healthySince.delete(service);
  }

  /** One look at every service at `now`. */
  async sample(now: number): Promise<void> {
    for (const s of this.view.services()) {
      const why = FAILING.includes(this.view.health(s)) ? await this.uncovered(s, now) : null;
      const stretch = this.open.get(s);
      if (why && !stretch) this.open.set(s, { from: now, why });
      if (!why && stretch) this.close(s, now);
    }
  }

  /** Ends every open stretch (the run is over). */
  finish(now: number): void {
    for (const s of [...this.open.keys()]) this.close(s, now);
  }

  /** Silent ms of one service (or all, when null) within [from, to]. */
  silentMs(service: string | null, from = 0, to = Number.POSITIVE_INFINITY): number {
    return this.stretches
      .filter((x) => service === null || x.service === service)
      .reduce((sum, x) => sum + Math.max(0, Math.min(x.to, to) - Math.max(x.from, from)), 0);
  }

  private close(service: string, now: number): void {
    const stretch = this.open.get(service);
    this.open.delete(service);
    if (stretch && now - stretch.from > this.opts.graceMs)
      this.stretches.push({ service, from: stretch.from, to: now, why: stretch.why });
  }

  /** Why the unhealthy service is uncovered, or null when something covers it. */
  private async uncovered(s: string, now: number): Promise<string | null> {
    if (this.view.busy(s)) return null;
    const inc = await this.view.activeIncident(s);
    if (inc?.state === 'escalated' && this.wasNotified(inc.id)) return null;
    if (await this.due(s, now)) return null;
    // Medic acts on no dependent while a service it depends on fails, and gives it release_after once that
    // one is back: the dependent's heal waits on the upstream's (the root an incident names may also be one
    // the findings suggested).
    const root = inc ? (inc.rootCause ?? inc.service) : s;
    const upstreams = new Set([...this.view.upstreamOf(s), ...(root !== s ? [root] : [])]);
    for (const u of upstreams) if (await this.waitsFor(u, now)) return null;
    if (inc) {
      return inc.state === 'escalated'
        ? `incident ${inc.id} escalated, but no notification was sent`
        : `incident ${inc.id} ${inc.state}: no heal running or due, nobody told`;
    }
    return 'unhealthy with no incident: no heal running or due, nobody told';
  }

  /** The upstream `u` fails with its own heal running or due (or a human told), or came back just now. */
  private async waitsFor(u: string, now: number): Promise<boolean> {
    if (FAILING.includes(this.view.health(u))) {
      if (this.view.busy(u) || (await this.due(u, now))) return true;
      const inc = await this.view.activeIncident(u);
      return inc?.state === 'escalated' && this.wasNotified(inc.id);
    }
    const back = this.healthySince.get(u);
    return back !== undefined && now - back <= this.opts.releaseAfterMs + this.opts.graceMs;
  }

  /** A retry is due within the backoff cap (the guard holds the next allowed time of a failed heal). */
  private async due(s: string, now: number): Promise<boolean> {
    const g = await this.view.guard(s);
    return g !== null && !g.escalated && g.nextAllowedAt > now && g.nextAllowedAt - now <= this.opts.capMs;
  }
}
