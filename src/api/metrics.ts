import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { TERMINAL_ACTION_STATES } from '../core/index.js';
import type { Medic } from '../daemon/index.js';

const HEALTH_VALUE = { unknown: -1, down: 0, degraded: 0.5, healthy: 1 } as const;

export interface Metrics {
  registry: Registry;
  /** Counts one answered API request (route is the route pattern, never the raw URL). */
  request(method: string, route: string, status: number): void;
  close(): void;
}

/** Medic's own metrics, fed from the bus so no stage knows about Prometheus. */
export function createMetrics(medic: Medic, o: { sseClients?: () => number } = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'medic_process_' });
  const probeDuration = new Histogram({
    name: 'medic_probe_duration_seconds',
    help: 'Duration of probe runs',
    labelNames: ['service', 'check', 'ok'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const findings = new Counter({
    name: 'medic_findings_total',
    help: 'Findings by service and kind',
    labelNames: ['service', 'kind'],
    registers: [registry],
  });
  const actions = new Counter({
    name: 'medic_actions_total',
    help: 'Action state changes by kind and state',
    labelNames: ['service', 'kind', 'state'],
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'medic_action_outcomes_total',
    help: 'Actions that reached a final state, by kind and outcome (verified, rolled_back, failed, skipped)',
    labelNames: ['service', 'kind', 'outcome'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'medic_api_requests_total',
    help: 'API requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  new Gauge({
    name: 'medic_api_sse_clients',
    help: 'Clients connected to the live event stream',
    registers: [registry],
    collect() {
      this.set(o.sseClients?.() ?? 0);
    },
  });
  new Gauge({
    name: 'medic_incidents_active',
    help: 'Incidents neither resolved nor suppressed',
    registers: [registry],
    async collect() {
      this.set((await medic.store.listIncidents({ state: 'active', limit: 1 })).total);
    },
  });
  new Gauge({
    name: 'medic_actions_awaiting_approval',
    help: 'Actions waiting for a human to approve or reject them',
    registers: [registry],
    async collect() {
      this.set((await medic.store.listActions({ state: 'awaiting_approval', limit: 1 })).total);
    },
  });
  // The outbox (issue 15): a dead letter is a notification nobody got; alert on it rising above zero.
  new Gauge({
    name: 'medic_notifications_dead_letters',
    help: 'Notifications given up on (a permanent refusal or every retry failed); GET /api/notifications?state=dead',
    registers: [registry],
    async collect() {
      this.set((await medic.store.notificationCounts()).dead);
    },
  });
  new Gauge({
    name: 'medic_notifications_pending',
    help: 'Notifications stored and not yet delivered (waiting for their first attempt or a retry)',
    registers: [registry],
    async collect() {
      this.set((await medic.store.notificationCounts()).pending);
    },
  });
  const incidents = new Counter({
    name: 'medic_incident_transitions_total',
    help: 'Incident transitions by state',
    labelNames: ['service', 'state'],
    registers: [registry],
  });
  new Gauge({
    name: 'medic_service_health',
    help: 'Service health: 1 healthy, 0.5 degraded, 0 down, -1 unknown',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of medic.status()) this.set({ service: s.name }, HEALTH_VALUE[s.health]);
    },
  });
  new Gauge({
    name: 'medic_scheduler_lag_seconds',
    help: 'How late check runs start versus when they were due',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      const s = medic.scheduler.stats();
      this.set({ quantile: '0.5' }, s.lagP50Ms / 1000);
      this.set({ quantile: '0.99' }, s.lagP99Ms / 1000);
      this.set({ quantile: 'last' }, s.lastLagMs / 1000);
    },
  });
  new Gauge({
    name: 'medic_checks_scheduled',
    help: 'Checks the scheduler runs',
    registers: [registry],
    collect() {
      this.set(medic.scheduler.stats().checks);
    },
  });
  new Gauge({
    name: 'medic_checks_in_flight',
    help: 'Checks running now',
    registers: [registry],
    collect() {
      this.set(medic.scheduler.stats().inFlight);
    },
  });
  const offs = [
    medic.bus.on('signal', (s) => {
      if (s.kind === 'probe') {
        probeDuration.observe(
          { service: s.service, check: s.check, ok: String(s.result.ok) },
          s.result.latencyMs / 1000,
        );
      }
    }),
    medic.bus.on('finding', (f) => findings.inc({ service: f.service, kind: f.kind })),
    medic.bus.on('action', (a) => {
      actions.inc({ service: a.service, kind: a.kind, state: a.state });
      if (TERMINAL_ACTION_STATES.includes(a.state))
        outcomes.inc({ service: a.service, kind: a.kind, outcome: a.state });
    }),
    medic.bus.on('incident', ({ incident }) =>
      incidents.inc({ service: incident.service, state: incident.state }),
    ),
  ];
  return {
    registry,
    request: (method, route, status) => requests.inc({ method, route, status: String(status) }),
    close: () => {
      for (const off of offs) off();
    },
  };
}
