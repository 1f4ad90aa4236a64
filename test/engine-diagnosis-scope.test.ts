import { expect, it } from 'vitest';
import type { Finding, Incident } from '../src/core/index.js';
import { tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

/**
 * A diagnosis belongs to its incident. The engine keeps a service's diagnosis for its later findings that come
 * without one, but only within the same incident: a bad release diagnosed once (and escalated) made every later
 * trouble of the API, in new incidents, run the release rollback that only a bad release calls for.
 */
it("a finding of a new incident does not inherit the earlier incident's diagnosis", async () => {
  const dir = await tempDir();
  const m = await start(
    dir,
    `services:
  app: {}
playbooks:
  rollback-release:
    when: { service: app, kind: down, cause: bad_deploy }
    steps:
      - exec: { command: ["true"] }
policy: { autonomy: suggest }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const incident = async (id: string): Promise<Incident> => {
    const now = m.clock.now();
    const i: Incident = {
      id,
      service: 'app',
      state: 'open',
      title: 'app is down',
      severity: 'critical',
      rootCause: 'app',
      openedAt: now,
      updatedAt: now,
      resolvedAt: null,
    };
    await m.store.createIncident(i, 'test');
    return i;
  };
  const finding = (id: string): Finding => ({
    id,
    service: 'app',
    check: 'health',
    kind: 'down',
    severity: 'critical',
    score: 1,
    summary: 'app is down',
    evidence: {},
    at: m.clock.now(),
  });
  const notes = async (id: string) => (await m.store.timeline(id)).map((e) => e.message);

  const first = await incident('inc_first');
  m.engine.onFinding(finding('fnd_1'), first, {
    cause: 'bad_deploy',
    confidence: 0.9,
    evidence: ['current was switched to a new release'],
    playbooks: [],
  });
  // In the same incident a later finding without a diagnosis keeps it: the rollback still matches.
  m.engine.onFinding(finding('fnd_2'), first);
  expect(await notes(first.id)).not.toContain('no playbook matches this down finding: watching only');

  // The heal decided for the first incident is suggested (autonomy: suggest); then the incident ends.
  await waitFor(
    'the rollback suggested for the first incident',
    async () => (await m.store.listActions({ incidentId: first.id, limit: 5 })).items.length > 0,
    10_000,
  );
  await m.store.transitionIncident(first.id, 'resolved', 'test: over', m.clock.now(), {
    resolvedAt: m.clock.now(),
  });
  await waitFor('no heal due for app', () => !m.engine.busy('app'), 10_000);

  const second = await incident('inc_second');
  m.engine.onFinding(finding('fnd_3'), second);
  await waitFor(
    'the new incident told that nothing covers it',
    async () => (await notes(second.id)).includes('no playbook matches this down finding: watching only'),
    5_000,
  );
  expect((await m.store.listActions({ incidentId: second.id, limit: 5 })).items).toEqual([]);
});

/**
 * Nor does an exit of the process inherit it, in the same incident: a saturated database diagnosed so, then
 * killed, went on being healed by ending its sessions ("cannot connect") until it escalated, when a restart
 * was what it needed.
 */
it('an exit of the process does not inherit the diagnosis made of its trouble before it died', async () => {
  const dir = await tempDir();
  const m = await start(
    dir,
    `services:
  db: {}
playbooks:
  end-sessions:
    when: { service: db, kind: down, cause: db_saturated }
    steps:
      - exec: { command: ["true"] }
  restart-db:
    when: { service: db, kind: down, labels: { cause: "!db_saturated" } }
    steps:
      - exec: { command: ["true"] }
policy: { autonomy: suggest }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const now = m.clock.now();
  const incident: Incident = {
    id: 'inc_db',
    service: 'db',
    state: 'open',
    title: 'db is down',
    severity: 'critical',
    rootCause: 'db',
    openedAt: now,
    updatedAt: now,
    resolvedAt: null,
  };
  await m.store.createIncident(incident, 'test');
  const base = {
    service: 'db',
    kind: 'down' as const,
    severity: 'critical' as const,
    score: 1,
    summary: 'db is down',
  };
  m.engine.onFinding({ ...base, id: 'fnd_1', check: 'postgres', evidence: {}, at: m.clock.now() }, incident, {
    cause: 'db_saturated',
    confidence: 0.92,
    evidence: ['27 of 30 connections in use'],
    playbooks: ['end-sessions'],
  });
  await waitFor(
    'the sessions ended (suggested)',
    async () => (await m.store.listActions({ incidentId: incident.id, limit: 5 })).items.length > 0,
    10_000,
  );
  await waitFor('no heal due for db', () => !m.engine.busy('db'), 10_000);
  // Killed: the exit comes with no diagnosis the engine can act on.
  m.engine.onFinding(
    { ...base, id: 'fnd_2', check: 'running', evidence: { signal: 'SIGKILL' }, at: m.clock.now() },
    incident,
  );
  await waitFor(
    'the restart suggested',
    async () =>
      (await m.store.listActions({ incidentId: incident.id, limit: 10 })).items.some(
        (a) => a.playbook === 'restart-db',
      ),
    10_000,
  );
});
