import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Medic } from '../src/daemon/index.js';
import { DEMO, freePort, tempDir, waitFor } from './helpers.js';
import { startMedic } from './incidents-helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

function service(
  name: string,
  port: number,
  opts: { dependsOn?: string; backend?: number; data?: string },
): string {
  return `  ${name}:
${opts.dependsOn ? `    depends_on: [${opts.dependsOn}]\n` : ''}    run:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(DEMO)}]
      env: { PORT: "${port}"${opts.data ? `, DATA_DIR: ${JSON.stringify(opts.data)}` : ''} }
      stop_timeout: 3s
      start_period: 5s # a start is not a failure: only the kill below is
    checks:
      - { name: health, http: { url: "http://127.0.0.1:${port}/health" }, interval: 300ms, timeout: 250ms, down_after: 1 }
${opts.backend ? `      - { name: backend, tcp: { port: ${opts.backend} }, interval: 300ms, timeout: 250ms, down_after: 1 }\n` : ''}`;
}

describe('an upstream escalated for a human, its dependents failing with it', () => {
  it('sends one escalation for the incident, not one per dependent', async () => {
    const dir = await tempDir();
    const data = path.join(dir, 'db-data');
    await mkdir(data, { recursive: true });
    const [dbPort, apiPort, webPort] = [await freePort(), await freePort(), await freePort()];
    const escalations: { service: string; incidentId: string | null; reason: string }[] = [];
    medic = await startMedic(
      dir,
      `services:
${service('db', dbPort, { data })}${service('api', apiPort, { dependsOn: 'db', backend: dbPort })}${service('web', webPort, { dependsOn: 'api', backend: dbPort })}playbooks:
  restart-db:
    when: { service: db, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 3s, stable_for: 500ms }
  restart-api:
    when: { service: api, kind: down }
    steps: [{ restart: {} }]
  restart-web:
    when: { service: web, kind: down }
    steps: [{ restart: {} }]
policy:
  max_failed_heals: 2
  backoff: { initial: 500ms, factor: 2, max: 2s }
correlation: { release_after: 2s }
notifiers: []
server: { port: 0 }
store: { dir: ./data }
`,
    );
    const m = medic;
    m.bus.on('escalation', (e) => escalations.push(e));
    await waitFor(
      'all healthy',
      async () => ['db', 'api', 'web'].every((s) => m.health.get(s) === 'healthy'),
      30_000,
    );
    // db fails on every start from now on: its heals fail, and it is escalated.
    await writeFile(path.join(data, 'crash-on-start'), '1000');
    process.kill(m.supervisor.pid('db')!, 'SIGKILL');
    await waitFor(
      'db escalated',
      async () => (await m.store.getGuardState('db'))?.escalated === true,
      40_000,
    );
    // Time for the dependents' heals to be decided and held, the keepalive to start db a few more times.
    await new Promise((r) => setTimeout(r, 12_000));
    const all = (await m.store.listIncidents({})).items;
    expect(all).toHaveLength(1);
    const incident = all[0]!;
    expect(incident).toMatchObject({ service: 'db', rootCause: 'db', state: 'escalated' });
    // One human asked, about db: api and web wait for it, they are not escalated each.
    expect(escalations.map((e) => [e.service, e.incidentId])).toEqual([['db', incident.id]]);
    const actions = (await m.store.listActions({})).items;
    expect(actions.filter((a) => a.service !== 'db')).toEqual([]);
    // db's process is still started again and again (supervision outlives the escalation), each start failed.
    const keep = actions.filter((a) => a.playbook === 'keepalive');
    expect(keep.length).toBeGreaterThanOrEqual(2);
    expect(keep.filter((a) => a.state === 'verified')).toEqual([]);
    const timeline = (await m.store.timeline(incident.id)).map((e) => e.message);
    expect(timeline.some((t) => /^api waits for db/.test(t))).toBe(true);
  }, 90_000);
});
