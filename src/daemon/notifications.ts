import type { Bus, Clock, Incident, TimelineEntry } from '../core/index.js';
import { formatDuration } from '../core/index.js';
import type { NotifyRouter } from '../notify/index.js';
import type { Store } from '../store/index.js';

/** The diagnosis a notification names: the cause (never a service's name) and how sure Medic is. */
export interface NamedCause {
  cause: string;
  confidence: number | null;
}

/**
 * The incident's latest diagnosis of `service` (else of any service) from its timeline; null when none yet.
 * Why the timeline: the incident's `rootCause` is the *service* the trouble comes from, and notifications
 * that printed it as the cause said `Cause: demo` while the diagnosis said `process_crashed`.
 */
export function diagnosedCause(timeline: readonly TimelineEntry[], service?: string): NamedCause | null {
  const diagnoses = timeline.filter((e) => e.kind === 'diagnosis' && typeof e.data['cause'] === 'string');
  const d = diagnoses.filter((e) => e.data['service'] === service).at(-1) ?? diagnoses.at(-1);
  if (!d) return null;
  const c = d.data['confidence'];
  return { cause: String(d.data['cause']), confidence: typeof c === 'number' ? c : null };
}

/** The `data` fields naming the cause: `cause: null` says "not diagnosed yet" rather than nothing. */
function causeData(cause: NamedCause | null, incident?: Pick<Incident, 'service' | 'rootCause'>) {
  return {
    cause: cause?.cause ?? null,
    ...(cause?.confidence != null ? { confidence: cause.confidence } : {}),
    ...(incident?.rootCause && incident.rootCause !== incident.service
      ? { rootService: incident.rootCause }
      : {}),
  };
}

/**
 * Incident changes and escalations reach people through the notifier router, in plain words: what happened,
 * the cause Medic settled on, what it did (each step and how it ended), and what it waits for.
 */
export function subscribeNotifications(
  bus: Bus,
  router: () => NotifyRouter,
  clock: Clock,
  store: Pick<Store, 'listActions' | 'timeline' | 'getIncident'>,
): () => void {
  const causeOf = async (incidentId: string | null, service: string) =>
    incidentId ? diagnosedCause(await store.timeline(incidentId).catch(() => []), service) : null;
  const incidentOf = async (incidentId: string | null) =>
    incidentId ? await store.getIncident(incidentId).catch(() => null) : null;
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
      const cause = await causeOf(incident.id, incident.service);
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
          ...causeData(cause, incident),
          ...(steps.length > 0 ? { did: steps } : {}),
          ...(change === 'opened'
            ? {
                waitingFor:
                  'its diagnosis, then a heal where a playbook matches and the guard allows it; you are told if it needs a human',
              }
            : {}),
        },
      });
    })();
  });
  const offEscalation = bus.on('escalation', (e) => {
    void (async () => {
      const steps = e.incidentId ? await did(e.incidentId).catch(() => []) : [];
      const cause = await causeOf(e.incidentId, e.service);
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
          ...causeData(cause, (await incidentOf(e.incidentId)) ?? undefined),
          did: steps.length > 0 ? steps : ['no heal ran'],
          waitingFor: `a human: fix ${e.service}, then medic reset ${e.service} (POST /api/services/${e.service}/reset) and Medic decides again at once; it also acts again once ${e.service} has stayed healthy. A supervised process that exits is still started again, with a growing delay`,
        },
      });
    })();
  });
  const offFlapping = bus.on('flapping', (e) => {
    void (async () => {
      const steps = await did(e.incidentId).catch(() => []);
      const cause = await causeOf(e.incidentId, e.service);
      await router().send({
        event: 'incident.flapping',
        at: e.at,
        service: e.service,
        title: `${e.service}: flapping`,
        message: e.reason,
        incidentId: e.incidentId,
        data: {
          severity: 'warning',
          changesLastHour: e.changesLastHour,
          delayMs: e.delayMs,
          ...causeData(cause),
          ...(steps.length > 0 ? { did: steps } : {}),
          waitingFor: `its next heal, delayed ${formatDuration(e.delayMs)} (longer with each change past the limit); nothing from you unless it escalates`,
        },
      });
    })();
  });
  return () => {
    offIncident();
    offEscalation();
    offFlapping();
  };
}
