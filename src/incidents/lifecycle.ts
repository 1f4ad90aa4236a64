import type { Bus, Clock, Finding, Incident, IncidentState } from '../core/index.js';
import { newId } from '../core/index.js';
import type { Store } from '../store/index.js';

/**
 * Opens an incident on a service's first finding, attaches later findings of the same service to it, and
 * resolves it when the service is healthy again. Every transition goes to the store with its reason and to
 * the audit log.
 */
export class IncidentManager {
  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly clock: Clock,
  ) {}

  /**
   * Records the finding and returns the incident it belongs to, new or existing. Opening is keyed by service
   * in the store, so replicas seeing the same failure at once still open one incident.
   */
  async onFinding(f: Finding): Promise<{ incident: Incident; opened: boolean }> {
    const active = await this.store.activeIncident(f.service);
    if (active) return this.attach(active, f);
    const candidate: Incident = {
      id: newId('inc'),
      service: f.service,
      state: 'open',
      title: f.summary,
      severity: f.severity,
      rootCause: null,
      openedAt: f.at,
      updatedAt: f.at,
      resolvedAt: null,
    };
    const { incident, created } = await this.store.openIncident(
      candidate,
      `opened on ${f.kind} finding of ${f.service}/${f.check}`,
      f.service,
    );
    if (!created) return this.attach(incident, f);
    await this.attach(incident, f);
    await this.store.audit({
      at: f.at,
      actor: 'medic',
      event: 'incident.opened',
      subject: incident.id,
      data: { service: f.service, finding: f.id, summary: f.summary },
    });
    this.bus.emit('incident', { incident, change: 'opened' });
    return { incident, opened: true };
  }

  private async attach(incident: Incident, f: Finding): Promise<{ incident: Incident; opened: boolean }> {
    await this.store.insertFinding(f, incident.id);
    await this.store.addTimeline(incident.id, f.at, 'finding', f.summary, {
      findingId: f.id,
      kind: f.kind,
      check: f.check,
    });
    return { incident, opened: false };
  }

  /** Moves the service's active incident to `state`, if it has one and is not already there. */
  async transition(service: string, state: IncidentState, reason: string): Promise<Incident | null> {
    const active = await this.store.activeIncident(service);
    if (!active || active.state === state) return active;
    return this.move(active, state, reason);
  }

  async move(incident: Incident, state: IncidentState, reason: string): Promise<Incident> {
    const at = this.clock.now();
    const patch = state === 'resolved' ? { resolvedAt: at } : undefined;
    const next = await this.store.transitionIncident(incident.id, state, reason, at, patch);
    await this.store.audit({
      at,
      actor: 'medic',
      event: `incident.${state}`,
      subject: incident.id,
      data: { service: incident.service, from: incident.state, reason },
    });
    this.bus.emit('incident', { incident: next, change: state });
    return next;
  }

  /** The service is healthy again: its active incident resolves. */
  async onHealthy(service: string, reason: string): Promise<Incident | null> {
    const active = await this.store.activeIncident(service);
    if (!active) return null;
    return this.move(active, 'resolved', reason);
  }

  async note(incidentId: string, message: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.store.addTimeline(incidentId, this.clock.now(), 'note', message, data);
  }
}
