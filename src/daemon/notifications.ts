import type { Bus, Clock } from '../core/index.js';
import type { NotifyRouter } from '../notify/index.js';

/** Incident changes and escalations reach people through the notifier router. */
export function subscribeNotifications(bus: Bus, router: () => NotifyRouter, clock: Clock): () => void {
  const offIncident = bus.on('incident', ({ incident, change }) => {
    if (change !== 'opened' && change !== 'resolved') return;
    void router().send({
      event: change === 'opened' ? 'incident.opened' : 'incident.resolved',
      at: clock.now(),
      service: incident.service,
      title: `${incident.service}: incident ${change}`,
      message: incident.title,
      incidentId: incident.id,
      data: { state: incident.state, severity: incident.severity },
    });
  });
  const offEscalation = bus.on('escalation', (e) => {
    void router().send({
      event: 'incident.escalated',
      at: e.at,
      service: e.service,
      title: `${e.service}: Medic needs a human`,
      message: e.reason,
      incidentId: e.incidentId,
      data: {},
    });
  });
  return () => {
    offIncident();
    offEscalation();
  };
}
