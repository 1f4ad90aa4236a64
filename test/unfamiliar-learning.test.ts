import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();
const node = JSON.stringify(process.execPath);

/**
 * A web app that dies at start while its settings are broken (a file the test writes): a crash loop no
 * restart can end. Its three failed restarts are one incident's, one piece of evidence about the restart:
 * once a human fixed the settings and reset the service, a plain SIGKILL is restarted at once, not held
 * for an approval nobody expects.
 */
describe('after a crash loop a restart could not end', () => {
  it('the next plain crash is still healed by the restart, without asking a human', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const broken = path.join(dir, 'settings.broken');
    const server = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
    const script = `if (require('fs').existsSync(${JSON.stringify(broken)})) { console.error('FATAL: settings corrupt'); process.exit(1) } ${server}`;
    const yaml = `services:
  app:
    run:
      command: [${node}, -e, ${JSON.stringify(script)}]
      stop_timeout: 1s
    checks:
      - name: health
        http: { url: "http://127.0.0.1:${port}/" }
        interval: 500ms
        timeout: 400ms
playbooks:
  restart-app:
    when: { service: app, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 3s, stable_for: 500ms }
policy:
  max_failed_heals: 3
  backoff: { initial: 200ms, factor: 2, max: 1s }
  rate_limit: { max_actions: 100, window: 1h }
notifiers:
  - log: {}
store: { dir: ./data }
`;
    const m = await start(dir, yaml);
    const healthy = () => m.health.get('app') === 'healthy';
    await waitFor('the app healthy', healthy, 15_000);

    // The settings break and the app is killed: every restart dies at once, Medic escalates.
    await writeFile(broken, 'x');
    process.kill(m.supervisor.pid('app')!, 'SIGKILL');
    await waitFor(
      'the crash loop escalated',
      async () => (await m.store.listIncidents({ service: 'app', state: 'escalated' })).items[0],
      30_000,
    );

    // A human fixes the settings; the app comes back (a reset starts it again at once), and they reset it.
    await rm(broken);
    await m.engine.resetGuard('app', 'test', 'settings fixed');
    await waitFor(
      'the app healthy again, no incident open',
      async () => healthy() && !(await m.store.activeIncident('app')),
      30_000,
    );

    // A plain crash: restarted by the playbook within seconds, no approval asked.
    const t0 = Date.now();
    const pid = m.supervisor.pid('app')!;
    process.kill(pid, 'SIGKILL');
    await waitFor(
      'the crash healed',
      async () => m.supervisor.pid('app') !== pid && healthy() && !(await m.store.activeIncident('app')),
      8_000,
    );
    const crash = (await m.store.listIncidents({ service: 'app', since: t0 })).items[0]!;
    const said = (await m.store.timeline(crash.id)).map((t) => t.message);
    expect(said.filter((l) => l.includes('below the threshold'))).toEqual([]);
    expect(said.some((l) => l.startsWith('healed by restart-app'))).toBe(true);
  }, 60_000);
});
