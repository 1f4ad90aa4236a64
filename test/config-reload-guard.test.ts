import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

const config = (port: number, command: string) => `services:
  cache:
    run:
      command: ${command}
      stop_timeout: 1s
      ports: [${port}]
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${port} }
        interval: 300ms
        timeout: 250ms
playbooks:
  restart-cache:
    when: { service: cache, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 3s, stable_for: 500ms }
policy:
  max_failed_heals: 2
  backoff: { initial: 200ms, factor: 2, max: 1s }
  rate_limit: { max_actions: 100, window: 1h }
notifiers:
  - log: {}
store: { dir: ./data }
`;

/**
 * 3 a.m.: a service that will not start was escalated after its restarts failed; the human fixes its command
 * in medic.yaml and goes back to bed. The escalation was about the old command: the next crash of the new one
 * is healed, not left waiting for the human who just fixed it (for `healthy_reset`, 10 minutes).
 */
describe('a config reload that changes how a service starts', () => {
  it('forgets the old command’s failed heals and escalation: the next crash is healed', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const broken = `[sh, -c, "echo 'missing the -u switch' >&2; exit 64"]`;
    const fixed = `[python3, -m, http.server, "${port}", --bind, 127.0.0.1]`;
    const m = await start(dir, config(port, broken));
    const escalated = await waitFor(
      'the cache escalated',
      async () => (await m.store.listIncidents({ service: 'cache', state: 'escalated' })).items[0],
      30_000,
    );
    expect((await m.store.getGuardState('cache'))?.escalated).toBe(true);

    const file = path.join(dir, 'medic.yaml');
    await writeFile(file, config(port, fixed));
    await m.reload(await loadConfig(file));
    const guard = await m.store.getGuardState('cache');
    expect(guard?.escalated).toBe(false);
    expect(guard?.failedHeals).toBe(0);
    const resets = (await m.store.listAudit({ limit: 200 })).filter((a) => a.event === 'guard.reset');
    expect(resets.map((a) => a.data['reason'])).toContain('its run changed in the config');
    await waitFor('the fixed cache healthy', () => m.health.get('cache') === 'healthy', 20_000);
    await waitFor(
      'the escalated incident resolved',
      async () => (await m.store.getIncident(escalated.id))?.state === 'resolved',
      20_000,
    );

    // A crash of the new command, well within healthy_reset: healed by the playbook, no human asked.
    const pid = m.supervisor.pid('cache')!;
    process.kill(pid, 'SIGKILL');
    const healed = await waitFor(
      'the crash healed by the playbook',
      async () =>
        (await m.store.listActions({ limit: 100 })).items.find(
          (a) =>
            a.service === 'cache' &&
            a.playbook === 'restart-cache' &&
            a.incidentId !== escalated.id &&
            a.state === 'verified',
        ),
      20_000,
    );
    const incident = await m.store.getIncident(healed.incidentId!);
    expect(incident?.state).not.toBe('escalated');
    expect((await m.store.getGuardState('cache'))?.escalated).toBe(false);
  }, 60_000);
});
