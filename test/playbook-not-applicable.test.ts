import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Medic } from '../src/daemon/index.js';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest, run, stop } from './incidents-helpers.js';

const start = medicPerTest();

/**
 * A step that finds nothing to do (a release rollback with no release before the live one) changed nothing:
 * its playbook is set aside for the incident, no failed heal is counted, and the other playbooks are weighed
 * at once. Before, it counted as a failed heal: three of them, and Medic escalated a service a restart heals.
 */
async function stack(dir: string, withRestart: boolean): Promise<Medic> {
  await mkdir(path.join(dir, 'app/releases/20260101120000'), { recursive: true });
  await symlink('releases/20260101120000', path.join(dir, 'app/current'));
  const restart = `
  restart-app:
    when: { service: app, kind: down }
    steps: [{ restart: {} }]
    verify: { within: 5s, stable_for: 500ms }`;
  return start(
    dir,
    `services:
  app:
    run:
      command: [${JSON.stringify(process.execPath)}, "-e", "setInterval(() => {}, 1000)"]
      stop_timeout: 2s
playbooks:
  rollback-app-release:
    when: { service: app, kind: down }
    steps:
      - deploy_rollback: { current: ./app/current }
      - restart: {}
    verify: { within: 5s, stable_for: 500ms }${withRestart ? restart : ''}
policy:
  backoff: { initial: 300ms }
server: { port: 0 }
store: { dir: ./data }
`,
  );
}

it('a playbook whose step finds nothing to do is set aside, and the next one heals at once, with no failure counted', async () => {
  const dir = await tempDir();
  const m = await stack(dir, true);
  await waitFor('app healthy', () => m.health.get('app') === 'healthy', 10_000);
  process.kill(m.supervisor.pid('app')!, 'SIGKILL');

  const incident = await waitFor(
    'the incident resolved',
    async () => (await m.store.listIncidents({ state: 'resolved' })).items[0],
    // Well before the keepalive's first start (10 s): the heal did it.
    8_000,
  );
  const actions = (await m.store.listActions({})).items.reverse();
  expect(actions.map((a) => [a.playbook, a.kind, a.state])).toEqual([
    ['rollback-app-release', 'deploy-rollback', 'skipped'],
    ['rollback-app-release', 'restart', 'skipped'],
    ['restart-app', 'restart', 'verified'],
  ]);
  expect((await m.store.journal(actions[0]!.id)).at(-1)?.message).toMatch(
    /^does not apply: no release before 20260101120000 .*nothing to roll back to/,
  );
  // The learner learns nothing from it, and the guard counts no failure.
  const outcomes = await m.store.listOutcomesBy({ service: 'app' });
  expect(outcomes.map((o) => [o.playbook, o.success])).toEqual([['restart-app', true]]);
  expect((await m.store.getGuardState('app'))?.failedHeals ?? 0).toBe(0);
  const said = (await m.store.timeline(incident.id)).map((e) => e.message).join('\n');
  expect(said).toMatch(
    /playbook rollback-app-release set aside for this incident \(step 1 \(deploy-rollback\) does not apply/,
  );
});

it('with every matching playbook set aside, a human is told at once', async () => {
  // A service Medic does not run (no keepalive to start it): its check fails, and the one playbook that
  // matches finds no release to roll back to.
  const dir = await tempDir();
  const port = await freePort();
  await mkdir(path.join(dir, 'app/releases/20260101120000'), { recursive: true });
  await symlink('releases/20260101120000', path.join(dir, 'app/current'));
  const server = run(
    process.execPath,
    ['-e', `require('net').createServer((s) => s.end()).listen(${port}, '127.0.0.1')`],
    dir,
  );
  try {
    const m = await start(
      dir,
      `services:
  app:
    checks:
      - tcp: { host: 127.0.0.1, port: ${port} }
        interval: 200ms
        timeout: 150ms
        down_after: 2
playbooks:
  rollback-app-release:
    when: { service: app, kind: down }
    steps:
      - deploy_rollback: { current: ./app/current }
      - exec: { command: [${JSON.stringify(process.execPath)}, "-e", "0"] }
    verify: { within: 5s, stable_for: 500ms }
server: { port: 0 }
store: { dir: ./data }
`,
    );
    await waitFor('app healthy', () => m.health.get('app') === 'healthy', 10_000);
    await stop(server);
    const incident = await waitFor(
      'the incident escalated',
      async () => (await m.store.listIncidents({ state: 'escalated' })).items[0],
      10_000,
    );
    const said = (await m.store.timeline(incident.id)).map((e) => e.message).join('\n');
    expect(said).toMatch(
      /app is down and no playbook that applies matches its down finding .*set aside, they found nothing to do: rollback-app-release\): a human is needed/,
    );
    // Tried once, not again and again, and no failed heal counted.
    const actions = (await m.store.listActions({})).items;
    expect(actions.filter((a) => a.kind === 'deploy-rollback')).toHaveLength(1);
    expect((await m.store.getGuardState('app'))?.failedHeals ?? 0).toBe(0);
  } finally {
    await stop(server);
  }
});
