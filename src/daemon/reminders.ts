import type { Bus, Clock, Incident, TimerHandle } from '../core/index.js';
import { errorMessage, formatDuration } from '../core/index.js';
import type { Store } from '../store/index.js';

export interface ReminderDeps {
  bus: Bus;
  clock: Clock;
  store: Pick<Store, 'getIncident' | 'listIncidents'>;
  /** `policy.remind_every`: how often an escalated incident is sent again (0: never). */
  everyMs(): number;
  /** Sends the reminder of an incident escalated `forMs` ago. */
  send(incident: Incident, forMs: number): Promise<void>;
  onError(err: string): void;
}

/**
 * An escalated incident is not forgotten: it is sent again every `policy.remind_every` until it ends, like an
 * Alertmanager repeat. Escalations found in the store at start-up are reminded too, so a restart does not
 * drop a human's open request.
 */
export class EscalationReminders {
  private readonly timers = new Map<string, TimerHandle>();
  private offs: (() => void)[] = [];

  constructor(private readonly d: ReminderDeps) {}

  async start(): Promise<void> {
    this.offs.push(
      this.d.bus.on('incident', ({ incident }) => {
        if (incident.state === 'escalated') this.arm(incident.id);
        else if (incident.state === 'resolved' || incident.state === 'suppressed') this.clear(incident.id);
      }),
      this.d.bus.on('escalation', (e) => {
        if (e.incidentId) this.arm(e.incidentId);
      }),
    );
    const { items } = await this.d.store.listIncidents({ state: 'escalated', limit: 500 });
    for (const i of items) this.arm(i.id);
  }

  stop(): void {
    for (const off of this.offs) off();
    this.offs = [];
    for (const t of this.timers.values()) this.d.clock.clearTimeout(t);
    this.timers.clear();
  }

  /** Incidents with a reminder due. */
  pending(): string[] {
    return [...this.timers.keys()];
  }

  private arm(id: string): void {
    const every = this.d.everyMs();
    if (every <= 0 || this.timers.has(id)) return;
    this.timers.set(
      id,
      this.d.clock.setTimeout(() => {
        this.timers.delete(id);
        void this.fire(id).catch((err) => this.d.onError(errorMessage(err)));
      }, every),
    );
  }

  private clear(id: string): void {
    const t = this.timers.get(id);
    if (t) this.d.clock.clearTimeout(t);
    this.timers.delete(id);
  }

  private async fire(id: string): Promise<void> {
    const incident = await this.d.store.getIncident(id);
    if (incident?.state !== 'escalated') return;
    await this.d.send(incident, this.d.clock.now() - incident.updatedAt);
    this.arm(id);
  }
}

/** The words of a reminder. */
export function reminderText(incident: Incident, forMs: number): string {
  return `${incident.service} still needs a human: escalated ${formatDuration(forMs)} ago and not resolved (${incident.title})`;
}
