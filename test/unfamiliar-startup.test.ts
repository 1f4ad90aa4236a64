import { describe, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

/**
 * A program that refuses to start (memcached run as root without `-u` exits 64 at once): it fails before
 * Medic's replica has stored its first heartbeat, so the first heal cannot claim its steps. That heal never
 * ran: it is no failed heal, and the learner is not told the restart failed.
 */
describe('a service that cannot start, on an unfamiliar stack', () => {
  it('is escalated only after max_failed_heals restarts that really ran', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const other = await freePort();
    const third = await freePort();
    const yaml = `services:
  cache:
    run:
      command: [sh, -c, "echo \\"can't run as root without the -u switch\\" >&2; exit 64"]
      stop_timeout: 1s
      ports: [${port}]
    checks:
      - name: version
        tcp: { host: 127.0.0.1, port: ${port} }
        interval: 500ms
        timeout: 400ms
  queue:
    run:
      command: [sleep, "600"]
      ports: [${other}]
  web:
    run:
      command: [sleep, "600"]
      ports: [${third}]
playbooks:
  restart-cache:
    when: { service: cache, kind: down }
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
    const escalated = await waitFor(
      'the cache escalated',
      async () => (await m.store.listIncidents({ service: 'cache', state: 'escalated' })).items[0],
      30_000,
    );
    const actions = (await m.store.listActions({ limit: 100 })).items.filter(
      // The playbook's restarts: keepalive starts after the escalation are journaled on the incident too.
      (a) =>
        a.service === 'cache' &&
        a.incidentId === escalated.id &&
        a.kind === 'restart' &&
        a.playbook === 'restart-cache',
    );
    const ran = actions.filter((a) => a.state === 'failed' || a.state === 'verified');
    expect(ran.length, `restarts that ran: ${actions.map((a) => a.state).join(', ')}`).toBe(3);
    const outcomes = await m.store.listOutcomesBy({ playbook: 'restart-cache' });
    expect(outcomes.length, 'outcomes learned: one per restart that ran').toBe(ran.length);
  }, 45_000);
});
