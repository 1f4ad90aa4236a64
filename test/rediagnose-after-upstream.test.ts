import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(port: number): Promise<Server> {
  const s = createServer((c) => c.end());
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()));
  servers.push(s);
  return s;
}
const close = (s: Server) => new Promise((r) => s.close(r));

// The API fails while its database is down, its own finding first, and is diagnosed then: the database's trouble is what the rules
// see (db_unreachable). The database comes back, the API still fails on its own: before its heal, it is
// diagnosed again, on the evidence of now, and the heal follows that look, not the one made through the
// database's outage (an API's own error burst was recorded as the database's, its heal decided on it).
/**
 * The API fails while its database is down, its own finding first, and is diagnosed then through the database's
 * trouble (db_unreachable); no heal of the API while the database fails. Returns when the database is healthy
 * again, with the time it was.
 */
async function apiWaitsForItsDatabase() {
  const dir = await tempDir();
  const [dbPort, apiPort] = [await freePort(), await freePort()];
  const db = await listen(dbPort);
  const api = await listen(apiPort);
  const m = await start(
    dir,
    `services:
  db:
    role: database
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${dbPort} }
        interval: 300ms
        timeout: 200ms
        down_after: 6
  api:
    depends_on: [db]
    checks:
      - name: health
        tcp: { host: 127.0.0.1, port: ${apiPort} }
        interval: 200ms
        timeout: 200ms
        down_after: 1
playbooks:
  fix-api:
    when: { service: api, kind: down }
    steps:
      - exec: { command: ["true"] }
correlation: { release_after: 1s }
notifiers: []
server: { port: 0 }
store: { dir: ./data }
`,
  );
  await waitFor('both healthy', () => m.health.get('db') === 'healthy' && m.health.get('api') === 'healthy');
  // The database fails a probe, but is not judged down yet (down_after: 6) when the API's quicker check fails:
  // the API's incident comes first, and its diagnosis sees the database failing.
  await close(db);
  await waitFor(
    "the database's probe failing",
    async () => (await m.store.latestProbes()).some((p) => p.service === 'db' && !p.result.ok),
    10_000,
    20,
  );
  await close(api);
  const diagnoses = async () => {
    const { items } = await m.store.listIncidents({ state: 'active', limit: 10 });
    const all = [];
    for (const i of items) all.push(...(await m.store.timeline(i.id)));
    return all
      .filter((e) => e.kind === 'diagnosis' && e.data['service'] === 'api')
      .map((e) => ({ at: e.at, cause: e.data['cause'] }));
  };
  await waitFor('the API diagnosed through the outage', async () => (await diagnoses()).length > 0, 10_000);
  expect((await diagnoses())[0]?.cause).toBe('db_unreachable');
  // It waits: no heal of the API while the database fails.
  await new Promise((r) => setTimeout(r, 1_000));
  expect((await m.store.listActions({ service: 'api' })).total).toBe(0);
  const firstAction = async () => (await m.store.listActions({ service: 'api', limit: 100 })).items.at(-1);
  const databaseBack = async () => {
    await listen(dbPort);
    await waitFor('the database healthy again', () => m.health.get('db') === 'healthy', 10_000);
    return m.clock.now();
  };
  return { m, diagnoses, firstAction, databaseBack };
}

// The database comes back, the API still fails on its own: before its heal, it is diagnosed again, on the
// evidence of now, and the heal follows that look, not the one made through the database's outage (an API's
// own error burst was recorded as the database's, its heal decided on it).
it('a dependent that waited for its upstream is diagnosed again before its own heal', async () => {
  const { diagnoses, firstAction, databaseBack } = await apiWaitsForItsDatabase();
  const back = await databaseBack();
  const action = await waitFor('the API healed in its turn', firstAction, 15_000);
  const after = (await diagnoses()).filter((d) => d.at >= back);
  expect(after.length).toBeGreaterThan(0);
  expect(after[0]!.cause).not.toBe('db_unreachable');
  // Decided after that look.
  expect(action!.createdAt).toBeGreaterThanOrEqual(after[0]!.at);
}, 45_000);

// That look can fail (the store unreachable for a moment): the heal is then decided on the diagnosis made
// before, not dropped, which would leave the API down with no heal due.
it('a look again that fails leaves the earlier diagnosis, and the dependent is still healed', async () => {
  const { m, firstAction, databaseBack } = await apiWaitsForItsDatabase();
  const deps = (m.engine as unknown as { d: { diagnoseAgain?: unknown } }).d;
  let looks = 0;
  deps.diagnoseAgain = async () => {
    looks++;
    throw new Error('store unreachable');
  };
  await databaseBack();
  const action = await waitFor('the API healed in its turn', firstAction, 15_000);
  expect(looks).toBeGreaterThan(0);
  expect(action!.playbook).toBe('fix-api');
}, 45_000);
