import type { MedicConfig } from '../config/index.js';
import type { Bus, Clock, Finding, Incident } from '../core/index.js';
import { formatDuration } from '../core/index.js';
import type { Flapping, IncidentManager } from '../incidents/index.js';
import type { Store } from '../store/index.js';

export interface NoticesDeps {
  bus: Bus;
  clock: Clock;
  store: Pick<Store, 'listFindings'>;
  incidents: Pick<IncidentManager, 'note'>;
  config(): MedicConfig;
}

/**
 * What people are told about an incident beyond its opening and end: a service flapping (once per incident:
 * heals go on, slower), and a new kind of failure on an incident already handed to a human (sent, not
 * swallowed). A hold changes how Medic acts, never whether anyone knows.
 */
export class Notices {
  /** Incidents (and service) already told about flapping. */
  private readonly flapTold = new Set<string>();
  /** incident|service: the service's current failure in the incident has been seen (a new one once healthy). */
  private readonly episodes = new Set<string>();
  /** When each service was last seen healthy again. */
  private readonly healthyAt = new Map<string, number>();

  constructor(private readonly d: NoticesDeps) {}

  async flapping(f: Finding, incident: Incident, flap: Flapping): Promise<void> {
    const key = `${incident.id}|${f.service}`;
    if (this.flapTold.has(key)) return;
    this.flapTold.add(key);
    const delay = flapDelay(this.d.config(), flap);
    const reason = `${f.service} is flapping (${flap.changesLastHour} health changes in the last hour, limit ${flap.limit}): Medic keeps healing it, each heal delayed longer (now ${formatDuration(delay)})`;
    await this.d.incidents.note(incident.id, reason, { service: f.service, flapping: true, ...flap });
    this.d.bus.emit('flapping', {
      service: f.service,
      incidentId: incident.id,
      reason,
      changesLastHour: flap.changesLastHour,
      delayMs: delay,
      at: this.d.clock.now(),
    });
  }

  /**
   * Notes the finding's service failing in the incident; true when this begins a new failure of it there (its
   * first finding in the incident, or the first since it was healthy again).
   */
  episode(f: Finding, incident: Incident): boolean {
    // The finding may come before the health change that says the service fails (an exit is reported at
    // once; the health follows): a service healthy long enough before it starts a new failure either way.
    if (f.kind === 'down' || f.kind === 'degraded') this.failing(f.service, f.at);
    const key = `${incident.id}|${f.service}`;
    const fresh = !this.episodes.has(key);
    this.episodes.add(key);
    return fresh;
  }

  /**
   * The service is healthy again. Once it has stayed so for `correlation.new_failure_after`, its next finding
   * in any incident is a new failure; a process dying on every start, up for moments between its keepalive
   * starts, is one failure, told once.
   */
  recovered(service: string, at = this.d.clock.now()): void {
    this.healthyAt.set(service, at);
  }

  /**
   * The service fails again: a new failure if it had been healthy long enough since. Both times are the
   * events' own (`at`), not when they were handled: a lane busy for seconds must not stretch or shrink the
   * healthy stretch measured against `correlation.new_failure_after`.
   */
  failing(service: string, at = this.d.clock.now()): void {
    const since = this.healthyAt.get(service);
    this.healthyAt.delete(service);
    if (since === undefined || at - since < this.d.config().correlation.new_failure_after) return;
    for (const key of this.episodes) if (key.endsWith(`|${service}`)) this.episodes.delete(key);
  }

  /**
   * A finding on an escalated incident is news for the human when it is a check and kind the incident has not
   * seen (a failure: not a warning-level anomaly), or a new failure of a member (one healthy again since, now
   * failing: the database, healed in the API's escalated incident, crashed again). Medic may heal it; the
   * human still hears of it.
   */
  async whileEscalated(f: Finding, incident: Incident, fresh = false): Promise<void> {
    // A series unlike its past (a warning-level anomaly) is a sign, not a failure: it is on the timeline of an
    // incident a human already holds, and does not page them again (a second metric's anomaly paged 4 s after
    // the escalation, as if something new had broken). A configured `severity: critical` still does.
    if (f.kind === 'anomaly' && f.severity !== 'critical') return;
    const seen = await this.d.store.listFindings({ incidentId: incident.id, limit: 200 });
    const before = seen.filter(
      (x) => x.id !== f.id && x.service === f.service && x.check === f.check && x.kind === f.kind,
    );
    if (before.length > 0 && !fresh) return;
    this.d.bus.emit('escalation', {
      service: f.service,
      incidentId: incident.id,
      reason: `new failure while ${incident.service} waits for a human: ${f.summary}`,
      at: this.d.clock.now(),
    });
  }

  /** The incident ended. */
  forget(incidentId: string): void {
    for (const key of this.flapTold) if (key.startsWith(`${incidentId}|`)) this.flapTold.delete(key);
    for (const key of this.episodes) if (key.startsWith(`${incidentId}|`)) this.episodes.delete(key);
  }
}

/** The delay of a flapping service's heal: `correlation.flapping_backoff` per change past the limit. */
export function flapDelay(config: MedicConfig, flap: Flapping): number {
  const { initial, factor, max } = config.correlation.flapping_backoff;
  return Math.min(max, initial * factor ** (flap.over - 1));
}
