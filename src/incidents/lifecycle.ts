import type { Bus, Clock, Finding, Incident, IncidentState, Severity } from '../core/index.js';
import { newId } from '../core/index.js';
import type { IncidentUpdate, Store } from '../store/index.js';
import type { CorrelationDecision } from './correlate.js';

/**
 * Decides whether an incident of several services may resolve when one of them is healthy again. Without a
 * gate an incident resolves as soon as its service is healthy (one service, one incident).
 */
export interface ResolveGate {
  /** Services of the incident, other than `healthy`, that keep it open (still failing, or mid-heal). */
  holding(incident: Incident, services: readonly string[], healthy: string): readonly string[];
  /** `service` is healthy but others still hold the incident open (e.g. release their waiting heals). */
  memberHealthy?(incident: Incident, service: string, holding: readonly string[]): void;
  /**
   * Members of the escalated incident, other than `service`, still failing with their heal held for a human.
   * While there are any, another member's heal does not take the incident out of `escalated`.
   */
  heldForHuman?(incident: Incident, service: string): Promise<readonly string[]>;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * Opens an incident on a service's first finding, attaches later findings of the same service to it, and
 * resolves it when the service is healthy again. Every transition goes to the store with its reason and to
 * the audit log.
 */
export class IncidentManager {
  private gate: ResolveGate | null = null;
  /**
   * Incidents whose title is a dependent's finding while their root has none yet: the root's first finding
   * becomes the title (a human read "db: incident resolved: web/backend down" after db had crashed). In
   * memory only: after a restart such a title stays the dependent's, which is still true, only less apt.
   */
  private readonly borrowedTitle = new Set<string>();

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

  private async attach(
    incident: Incident,
    f: Finding,
    duplicate = false,
  ): Promise<{ incident: Incident; opened: boolean }> {
    await this.store.insertFinding(f, incident.id);
    await this.store.addTimeline(incident.id, f.at, 'finding', f.summary, {
      findingId: f.id,
      kind: f.kind,
      check: f.check,
      service: f.service,
      ...(duplicate ? { duplicate: true } : {}),
    });
    return { incident, opened: false };
  }

  /** Moves the service's active incident to `state`, if it has one and is not already there. */
  async transition(service: string, state: IncidentState, reason: string): Promise<Incident | null> {
    const active = await this.store.activeIncident(service);
    if (!active || active.state === state) return active;
    // An incident handed to a human stays theirs while a member waits for them: the heal of another member
    // (the database under an escalated API) is told on the timeline, and the incident's state does not say
    // a heal is on its way for everyone.
    if (active.state === 'escalated' && state !== 'resolved' && this.gate?.heldForHuman) {
      const held = await this.gate.heldForHuman(active, service);
      if (held.length > 0) {
        await this.note(
          active.id,
          `${service}: ${reason} (the incident stays escalated: ${held.join(', ')} waits for a human)`,
          {
            service,
            state,
            held,
          },
        );
        return active;
      }
    }
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
    if (state === 'resolved' || state === 'suppressed') this.borrowedTitle.delete(incident.id);
    this.bus.emit('incident', { incident: next, change: state });
    return next;
  }

  /** Installs (or removes) the gate that keeps an incident of several services open until all are healthy. */
  setGate(gate: ResolveGate | null): void {
    this.gate = gate;
  }

  /**
   * The service is healthy again: its active incident resolves, unless a gate says other attached services
   * still hold it open; then the incident gets a note and stays.
   */
  async onHealthy(service: string, reason: string): Promise<Incident | null> {
    const active = await this.store.activeIncident(service);
    if (!active) return null;
    if (!this.gate) return this.move(active, 'resolved', reason);
    const services = await this.store.incidentServices(active.id);
    const holding = this.gate.holding(active, services, service);
    if (holding.length > 0) {
      await this.note(active.id, `${service} healthy (${reason}); waiting for ${holding.join(', ')}`, {
        service,
        holding,
      });
      this.gate.memberHealthy?.(active, service, holding);
      return active;
    }
    const all = services.length > 1 ? `; all of ${services.join(', ')} healthy` : '';
    return this.move(active, 'resolved', `${reason}${all}`);
  }

  /**
   * Applies a correlator decision to the store: opens, attaches, or merges (absorbed incidents end suppressed,
   * their findings move over). Returns the incident the finding now belongs to and whether it was opened by
   * this call.
   */
  async record(
    d: CorrelationDecision,
    f: Finding,
  ): Promise<{ incident: Incident; opened: boolean; duplicate: boolean }> {
    if (d.type === 'open') {
      const candidate: Incident = {
        id: newId('inc'),
        service: d.rootCause,
        state: 'open',
        title: f.summary,
        severity: f.severity,
        rootCause: d.rootCause,
        openedAt: f.at,
        updatedAt: f.at,
        resolvedAt: null,
      };
      const { incident, created } = await this.store.openIncident(
        candidate,
        `opened on ${f.kind} finding of ${f.service}/${f.check}: ${d.reason}`,
        f.service,
      );
      await this.attach(incident, f);
      if (!created) return { incident, opened: false, duplicate: false };
      if (f.service !== d.rootCause) this.borrowedTitle.add(incident.id);
      await this.store.audit({
        at: f.at,
        actor: 'medic',
        event: 'incident.opened',
        subject: incident.id,
        data: { service: f.service, rootCause: d.rootCause, finding: f.id, summary: f.summary },
      });
      this.bus.emit('incident', { incident, change: 'opened' });
      return { incident, opened: true, duplicate: false };
    }
    let incident = await this.store.getIncident(d.incidentId);
    if (!incident) throw new Error(`no incident ${d.incidentId}`);
    // The title of an absorbed incident that the root's own finding opened: the merged one takes it.
    let rootTitle: string | null = null;
    if (d.type === 'merge') {
      for (const id of d.absorbed) {
        const moved = await this.store.moveFindings(id, incident.id);
        const absorbed = await this.store.getIncident(id);
        if (absorbed?.rootCause === d.rootCause && !this.borrowedTitle.has(id)) rootTitle = absorbed.title;
        if (absorbed && absorbed.state !== 'resolved' && absorbed.state !== 'suppressed') {
          await this.move(absorbed, 'suppressed', `merged into ${incident.id}: ${d.reason}`);
        }
        await this.note(incident.id, `merged ${id} (${moved} findings): ${d.reason}`, { absorbed: id });
      }
    }
    const patch: IncidentUpdate = {};
    if (incident.rootCause !== d.rootCause) {
      patch.rootCause = d.rootCause;
      patch.service = d.rootCause;
      if (rootTitle !== null) {
        if (rootTitle !== incident.title) patch.title = rootTitle;
        this.borrowedTitle.delete(incident.id);
      } else this.borrowedTitle.add(incident.id);
    }
    if (f.service === d.rootCause && this.borrowedTitle.delete(incident.id) && f.summary !== incident.title) {
      patch.title = f.summary;
    }
    if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[incident.severity]) patch.severity = f.severity;
    if (Object.keys(patch).length > 0) {
      const why = patch.rootCause
        ? `root cause is now ${d.rootCause}: ${d.reason}`
        : patch.title
          ? `titled by ${f.service}'s own finding, the root cause's`
          : `severity ${f.severity}`;
      incident = await this.store.updateIncident(incident.id, patch, f.at, why);
    }
    await this.attach(incident, f, d.type === 'attach' && d.duplicate);
    return { incident, opened: false, duplicate: d.type === 'attach' && d.duplicate };
  }

  async note(incidentId: string, message: string, data: Record<string, unknown> = {}): Promise<void> {
    await this.store.addTimeline(incidentId, this.clock.now(), 'note', message, data);
  }
}
