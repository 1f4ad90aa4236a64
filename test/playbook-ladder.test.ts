import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

// A ladder: restart first; when a restart did not heal (the app dies on every start while its cache file is
// corrupt), the next rung (`after: restart-app`) clears the cache and restarts, in place of a second restart.
it('when.after: the next rung runs once the first playbook failed on the incident, and heals', async () => {
  const dir = await tempDir();
  const cache = path.join(dir, 'cache.json');
  const app = `
    const fs = require('node:fs');
    try { if (fs.existsSync(${JSON.stringify(cache)})) JSON.parse(fs.readFileSync(${JSON.stringify(cache)}, 'utf8')); }
    catch (e) { console.error('cannot load cache: ' + e.message); process.exit(1); }
    setInterval(() => {}, 1000);`;
  const clear = `require('node:fs').rmSync(${JSON.stringify(cache)}, { force: true })`;
  const m = await start(
    dir,
    `services:
  app:
    run:
      command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(app)}]
      stop_timeout: 2s
playbooks:
  restart-app:
    when: { service: app, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 5s, stable_for: 700ms }
  clear-cache:
    when: { service: app, kind: down, after: restart-app }
    steps:
      - exec: { command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(clear)}] }
      - restart: {}
    verify: { within: 5s, stable_for: 700ms }
policy:
  backoff: { initial: 300ms }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  await waitFor('app healthy', () => m.health.get('app') === 'healthy', 10_000);
  await writeFile(cache, '{"warm": tru'); // corrupt: every start now dies
  process.kill(m.supervisor.pid('app')!, 'SIGKILL');

  const incident = await waitFor(
    'the incident resolved',
    async () => (await m.store.listIncidents({ state: 'resolved' })).items[0],
    30_000,
  );
  const actions = (await m.store.listActions({})).items.reverse();
  expect(actions.map((a) => [a.playbook, a.kind, a.state])).toEqual([
    ['restart-app', 'restart', 'failed'],
    ['clear-cache', 'exec', 'verified'],
    ['clear-cache', 'restart', 'verified'],
  ]);
  const outcomes = await m.store.listOutcomesBy({ service: 'app' });
  expect(outcomes.map((o) => [o.playbook, o.success]).sort()).toEqual([
    ['clear-cache', true],
    ['restart-app', false],
  ]);
  expect(incident.state).toBe('resolved');
  expect(m.health.get('app')).toBe('healthy');
  expect((await m.store.getGuardState('app'))?.escalated ?? false).toBe(false);
});

// A retry after a failed heal is for what the service still shows: when a newer finding of another kind
// matches another playbook (and no longer the failed one), that playbook runs instead of the same one again.
it('a retry gives way to the playbook the newer finding matches', async () => {
  const dir = await tempDir();
  const broken = path.join(dir, 'broken');
  const conf = path.join(dir, 'conf-bad');
  const node = JSON.stringify(process.execPath);
  const absent = (f: string) => JSON.stringify(['test', '!', '-e', f]);
  const m = await start(
    dir,
    `services:
  app:
    run:
      command: [${node}, "-e", "setInterval(() => {}, 1000)"]
      stop_timeout: 2s
    checks:
      - name: flag
        command: { command: ${absent(broken)} }
        interval: 200ms
        timeout: 150ms
        down_after: 1
      - name: conf
        command: { command: ${absent(conf)} }
        interval: 1s
        timeout: 900ms
        down_after: 2
playbooks:
  restart-app:
    when: { service: app, kind: down, labels: { check: flag } }
    steps: [{ restart: {} }]
    verify: { within: 4s, stable_for: 500ms }
  fix-conf:
    when: { service: app, kind: down, labels: { check: conf } }
    steps:
      - exec: { command: ${JSON.stringify(['rm', '-f', broken, conf])} }
    verify: { within: 5s, stable_for: 500ms }
policy:
  backoff: { initial: 300ms }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  await waitFor('app healthy', () => m.health.get('app') === 'healthy', 10_000);
  await writeFile(conf, '');
  await writeFile(broken, '');
  await waitFor(
    'the incident resolved',
    async () => (await m.store.listIncidents({ state: 'resolved' })).items[0],
    30_000,
  );
  const actions = (await m.store.listActions({})).items.reverse();
  expect(actions.map((a) => [a.playbook, a.state])).toEqual([
    ['restart-app', 'failed'],
    ['fix-conf', 'verified'],
  ]);
  expect(m.health.get('app')).toBe('healthy');
});
