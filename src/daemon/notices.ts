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

  /** A finding on an escalated incident: a check and kind the incident has not seen is news for the human. */
  async whileEscalated(f: Finding, incident: Incident): Promise<void> {
    const seen = await this.d.store.listFindings({ incidentId: incident.id, limit: 200 });
    const before = seen.filter(
      (x) => x.id !== f.id && x.service === f.service && x.check === f.check && x.kind === f.kind,
    );
    if (before.length > 0) return;
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
  }
}

/** The delay of a flapping service's heal: `correlation.flapping_backoff` per change past the limit. */
export function flapDelay(config: MedicConfig, flap: Flapping): number {
  const { initial, factor, max } = config.correlation.flapping_backoff;
  return Math.min(max, initial * factor ** (flap.over - 1));
}
