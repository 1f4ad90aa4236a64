import path from 'node:path';
import { expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

/**
 * A dependent that logs its upstream's outage ("db query failed: connect ECONNREFUSED") has a new error
 * pattern, which holds it degraded until its lines have been quiet for `novelty.quiet`. Once the upstream is
 * healed its lines stop, so it recovers by itself: it is not "still failing" at release_after, and no heal of
 * its own runs (a restart of a healthy API was collateral in a chaos round).
 */
const SERVICE = path.join(import.meta.dirname, 'diagnose-service.fixture.mjs');
const start = medicPerTest();

it('a dependent held only by the log pattern of its upstream outage recovers without a heal of its own', async () => {
  const dir = await tempDir('medic-log-hold-');
  const [dbPort, appPort] = [await freePort(), await freePort()];
  const node = JSON.stringify(process.execPath);
  const m = await start(
    dir,
    `services:
  db:
    run:
      # Two seconds to start: the app's requests fail long enough to log a pattern, on any machine.
      command: [sh, -c, 'sleep 2 && exec "$0" "$1"', ${node}, ${JSON.stringify(SERVICE)}]
      env: { PORT: "${dbPort}" }
      stop_timeout: 2s
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${dbPort} }
        interval: 300ms
        timeout: 250ms
        down_after: 1
  app:
    depends_on: [db]
    run:
      command: [${node}, ${JSON.stringify(SERVICE)}]
      env: { MODE: dbclient, PORT: "${appPort}", UPSTREAM: "${dbPort}" }
      stop_timeout: 2s
    checks:
      - name: health
        http: { url: "http://127.0.0.1:${appPort}/health" }
        interval: 300ms
        timeout: 250ms
        down_after: 1
    logs:
      stdout: true
      novelty: { warmup: 0s, quiet: 6s }
playbooks:
  restart-db:
    when: { service: db, kind: down }
    steps:
      - restart: {}
    verify: { within: 10s, stable_for: 500ms }
  restart-app:
    when: { service: app, kind: [down, degraded] }
    steps:
      - restart: {}
    verify: { within: 10s, stable_for: 500ms }
correlation: { release_after: 2s }
notifiers: []
server: { port: 0 }
store: { dir: ./data }
`,
  );
  await waitFor(
    'both healthy',
    () => m.health.get('db') === 'healthy' && m.health.get('app') === 'healthy',
    15_000,
  );
  const dbPid = m.supervisor.pid('db')!;
  const appPid = m.supervisor.pid('app');
  const killedAt = Date.now();
  process.kill(dbPid, 'SIGKILL');
  // The app's requests fail and it logs each failure: a new error pattern holds it degraded.
  await waitFor(
    'the app held by its new error pattern',
    async () => (await m.store.listFindings({ service: 'app' })).some((f) => f.kind === 'pattern'),
    30_000,
  );
  await waitFor('the database back', () => m.health.get('db') === 'healthy', 20_000);
  // Past release_after (2 s) and the pattern's quiet (6 s): it recovered by itself.
  await waitFor('the app healthy again', () => m.health.get('app') === 'healthy', 20_000);
  const { items } = await m.store.listActions({ service: 'app', limit: 50 });
  const since = items.filter((a) => a.createdAt >= killedAt);
  expect(since.map((a) => `${a.playbook}:${a.state}`)).toEqual([]);
  expect(m.supervisor.pid('app')).toBe(appPid);
}, 60_000);
