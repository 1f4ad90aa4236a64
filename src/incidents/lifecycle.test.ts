import { afterEach, describe, expect, it } from 'vitest';
import { Bus, type Finding, SimulatedClock } from '../core/index.js';
import { openSqliteStore, type SqliteStore } from '../store/index.js';
import type { CorrelationDecision } from './correlate.js';
import { IncidentManager } from './lifecycle.js';

const T0 = Date.UTC(2026, 0, 1);

function finding(service: string, check: string, at: number): Finding {
  return {
    id: `f_${service}_${at}`,
    service,
    check,
    kind: 'down',
    severity: 'critical',
    score: 1,
    summary: `${service}/${check} down: connection refused`,
    evidence: {},
    at,
  };
}

function decision(rootCause: string, incidentId?: string): CorrelationDecision {
  const base = { rootCause, heal: false, reason: 'linked by depends_on', flapping: null };
  return incidentId
    ? { ...base, type: 'attach', incidentId, duplicate: false, rootChanged: false }
    : { ...base, type: 'open' };
}

describe('an incident whose root cause moves', () => {
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  async function setUp() {
    const store = await openSqliteStore({ dir: ':memory:' });
    stores.push(store);
    return { store, incidents: new IncidentManager(store, new Bus(), new SimulatedClock(T0)) };
  }

  it("takes its title from the new root's own finding, not the dependent's that opened it", async () => {
    const { store, incidents } = await setUp();
    const { incident } = await incidents.record(decision('web'), finding('web', 'backend', T0));
    expect(incident.title).toBe('web/backend down: connection refused');
    await incidents.record(decision('api', incident.id), finding('api', 'backend', T0 + 100));
    // api is root for now, but its finding is a dependent's view too: db's own finding names it later.
    await incidents.record(decision('db', incident.id), finding('db', 'tcp', T0 + 200));
    const after = await store.getIncident(incident.id);
    expect(after).toMatchObject({ service: 'db', rootCause: 'db', title: 'db/tcp down: connection refused' });
    // A later finding of a dependent leaves the root's title alone.
    await incidents.record(decision('db', incident.id), finding('web', 'health', T0 + 300));
    expect((await store.getIncident(incident.id))?.title).toBe('db/tcp down: connection refused');
  });

  it("opened on a dependent's finding with its root already known, takes the root's first finding", async () => {
    const { store, incidents } = await setUp();
    const { incident } = await incidents.record(decision('db'), finding('api', 'backend', T0));
    expect(incident).toMatchObject({ rootCause: 'db', title: 'api/backend down: connection refused' });
    await incidents.record(decision('db', incident.id), finding('db', 'tcp', T0 + 100));
    expect((await store.getIncident(incident.id))?.title).toBe('db/tcp down: connection refused');
    // The root's second finding does not retitle it again.
    const second = { ...finding('db', 'ping', T0 + 200), summary: 'db/ping down: timeout' };
    await incidents.record(decision('db', incident.id), second);
    expect((await store.getIncident(incident.id))?.title).toBe('db/tcp down: connection refused');
  });

  it("keeps the title of an incident its own root's finding opened", async () => {
    const { store, incidents } = await setUp();
    const { incident } = await incidents.record(decision('db'), finding('db', 'tcp', T0));
    await incidents.record(decision('db', incident.id), finding('api', 'backend', T0 + 100));
    await incidents.record(decision('db', incident.id), {
      ...finding('db', 'ping', T0 + 200),
      summary: 'db/ping down: timeout',
    });
    expect((await store.getIncident(incident.id))?.title).toBe('db/tcp down: connection refused');
  });
});

describe('incidents merged under a new root', () => {
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });

  it("take the title of the absorbed incident the root's own finding opened", async () => {
    const store = await openSqliteStore({ dir: ':memory:' });
    stores.push(store);
    const incidents = new IncidentManager(store, new Bus(), new SimulatedClock(T0));
    const { incident: app } = await incidents.record(decision('app'), finding('app', 'status', T0));
    const { incident: redis } = await incidents.record(decision('redis'), finding('redis', 'ping', T0 + 100));
    // A worker linking both: one incident (the oldest stays), root cause redis.
    const merge: CorrelationDecision = {
      rootCause: 'redis',
      heal: false,
      reason: 'worker links app and redis',
      flapping: null,
      type: 'merge',
      incidentId: app.id,
      absorbed: [redis.id],
    };
    await incidents.record(merge, finding('worker', 'queue', T0 + 200));
    expect(await store.getIncident(app.id)).toMatchObject({
      rootCause: 'redis',
      title: 'redis/ping down: connection refused',
    });
    expect((await store.getIncident(redis.id))?.state).toBe('suppressed');
  });

  it("keep that title when the root's next finding comes", async () => {
    const store = await openSqliteStore({ dir: ':memory:' });
    stores.push(store);
    const incidents = new IncidentManager(store, new Bus(), new SimulatedClock(T0));
    // Opened on a dependent's finding (its root known to be the app already): a borrowed title.
    const { incident: app } = await incidents.record(decision('app'), finding('worker', 'status', T0));
    const { incident: redis } = await incidents.record(decision('redis'), finding('redis', 'ping', T0 + 100));
    const merge: CorrelationDecision = {
      rootCause: 'redis',
      heal: false,
      reason: 'worker links app and redis',
      flapping: null,
      type: 'merge',
      incidentId: app.id,
      absorbed: [redis.id],
    };
    await incidents.record(merge, finding('worker', 'queue', T0 + 200));
    const next = { ...finding('redis', 'memory', T0 + 300), summary: 'redis/memory anomalous' };
    await incidents.record(decision('redis', app.id), next);
    expect((await store.getIncident(app.id))?.title).toBe('redis/ping down: connection refused');
  });
});
