import type { Bus, Clock } from '../core/index.js';
import type { NotifyRouter } from '../notify/index.js';
import type { Store } from '../store/index.js';

/**
 * Incident changes and escalations reach people through the notifier router, in plain words: what happened,
 * the cause Medic settled on, what it did (each step and how it ended), and what it waits for.
 */
export function subscribeNotifications(
  bus: Bus,
  router: () => NotifyRouter,
  clock: Clock,
  store: Store,
): () => void {
  const did = async (incidentId: string): Promise<string[]> => {
    const { items } = await store.listActions({ incidentId, limit: 20 });
    return items
      .slice()
      .reverse()
      .map(
        (a) => `${String(a.params['description'] ?? `${a.kind} ${a.service}`)}: ${a.state.replace('_', ' ')}`,
      );
  };
  const offIncident = bus.on('incident', ({ incident, change }) => {
    if (change !== 'opened' && change !== 'resolved') return;
    void (async () => {
      const steps = change === 'resolved' ? await did(incident.id).catch(() => []) : [];
      await router().send({
        event: change === 'opened' ? 'incident.opened' : 'incident.resolved',
        at: clock.now(),
        service: incident.service,
        title: `${incident.service}: incident ${change}`,
        message: incident.title,
        incidentId: incident.id,
        // One opening and one resolution per incident: the outbox sends each once whoever decides it again.
        key: `incident.${change}|${incident.id}`,
        data: {
          state: incident.state,
          severity: incident.severity,
          ...(incident.rootCause ? { cause: incident.rootCause } : {}),
          ...(steps.length > 0 ? { did: steps } : {}),
        },
      });
    })();
  });
  const offEscalation = bus.on('escalation', (e) => {
    void (async () => {
      const steps = e.incidentId ? await did(e.incidentId).catch(() => []) : [];
      await router().send({
        event: 'incident.escalated',
        at: e.at,
        service: e.service,
        title: `${e.service}: Medic needs a human`,
        message: e.reason,
        incidentId: e.incidentId,
        ...(e.route ? { route: e.route } : {}),
        data: {
          severity: 'critical',
          did: steps,
          waitingFor: `a human: fix ${e.service}. Medic's playbooks act on it again once it has stayed healthy, or after POST /api/services/${e.service}/reset; a supervised process that exits is still started again, with a growing delay`,
        },
      });
    })();
  });
  const offFlapping = bus.on('flapping', (e) => {
    void router().send({
      event: 'incident.flapping',
      at: e.at,
      service: e.service,
      title: `${e.service}: flapping`,
      message: e.reason,
      incidentId: e.incidentId,
      data: { severity: 'warning', changesLastHour: e.changesLastHour, delayMs: e.delayMs },
    });
  });
  return () => {
    offIncident();
    offEscalation();
    offFlapping();
  };
}
