import { expect, it } from 'vitest';
import { actionFixture } from '../src/store/contract/fixtures.js';
import { tempDir, waitFor } from './helpers.js';
import { incidentIn, medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

// The blast radius counts heals in flight on every replica: another replica's step shows in the shared store
// (planned, backed up or applied, not yet verified), and holds this replica's heal back until it is done.
it('a heal in flight in the store (another replica) holds a new heal back; it runs once that one ends', async () => {
  const dir = await tempDir();
  const m = await start(
    dir,
    `services:
  api:
    run:
      command: [${JSON.stringify(process.execPath)}, "-e", "setInterval(() => {}, 1000)"]
      stop_timeout: 2s
playbooks:
  restart-api:
    when: { service: api, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 5s, stable_for: 300ms }
policy:
  blast_radius: { max_in_flight: 1 }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  await waitFor('api healthy', () => m.health.get('api') === 'healthy', 10_000);
  const now = Date.now();
  // Another replica restarting the database right now.
  await m.store.createAction(
    actionFixture({
      id: 'act_other',
      incidentId: null,
      service: 'db',
      state: 'applied',
      createdAt: now,
      updatedAt: now,
    }),
    'restarting db on replica b',
  );
  process.kill(m.supervisor.pid('api')!, 'SIGKILL');
  const incident = await waitFor(
    'the incident',
    async () => (await m.store.listIncidents({ state: 'active' })).items[0],
    5_000,
  );
  await waitFor('the refusal on the timeline', async () =>
    (await m.store.timeline(incident.id)).some((e) =>
      /blast radius: 1 heals already in flight \(max 1\)/.test(e.message),
    ),
  );
  expect((await m.store.listActions({ service: 'api' })).total).toBe(0);

  await m.store.updateAction('act_other', 'verified', 'db healthy', Date.now());
  const resolved = await incidentIn(m, incident.id, 'resolved', 15_000);
  expect(resolved.state).toBe('resolved');
  expect((await m.store.listActions({ service: 'api' })).items.map((a) => a.state)).toEqual(['verified']);
});
