import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { switchLink } from '../src/remediate/actions/deploy-rollback.js';
import { freePort, ROOT, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();
const RUN_RELEASE = path.join(ROOT, 'examples/stack/bin/run-release.mjs');

/** A release of a one-line HTTP service answering `status`. */
async function release(dir: string, id: string, status: number): Promise<void> {
  const at = path.join(dir, 'app/releases', id);
  await mkdir(at, { recursive: true });
  await writeFile(
    path.join(at, 'server.mjs'),
    `import http from 'node:http';
http.createServer((_q, r) => { r.writeHead(${status}); r.end(); }).listen(Number(process.env.PORT), '127.0.0.1');
`,
  );
}

/**
 * A deploy restarts the service on a bad release: the exit is healed as any is, by a restart, whose
 * verification window (20 s here) the new process's failures then fill. Once those failures are diagnosed
 * as the bad release, a cause the restart's playbook does not treat, the verification ends and the release
 * rollback runs, instead of after the window runs out.
 */
it("a heal's verification ends when the still-failing service is diagnosed since with a cause its playbook does not treat", async () => {
  const dir = await tempDir();
  const port = await freePort();
  await release(dir, '20260101000000000', 200);
  await switchLink(path.join(dir, 'app/current'), 'releases/20260101000000000');
  const m = await start(
    dir,
    `services:
  app:
    run:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(RUN_RELEASE)}, ./app/current, ./server.mjs]
      env: { PORT: "${port}" }
      stop_timeout: 2s
    checks:
      - name: health
        http: { url: "http://127.0.0.1:${port}/" }
        interval: 300ms
        timeout: 250ms
        down_after: 2
playbooks:
  restart-app:
    when: { service: app, kind: down, labels: { cause: "!bad_deploy" } }
    steps: [{ restart: {} }]
    verify: { within: 20s, stable_for: 500ms }
  rollback-release:
    when: { service: app, kind: down, cause: bad_deploy }
    steps:
      - deploy_rollback: { current: ./app/current }
      - restart: {}
    verify: { within: 20s, stable_for: 500ms }
policy:
  backoff: { initial: 300ms }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  await waitFor('app healthy', () => m.health.get('app') === 'healthy', 15_000);
  // The deploy: a bad release made live, the service stopped to be started on it.
  await release(dir, '20260101000000001', 500);
  await switchLink(path.join(dir, 'app/current'), 'releases/20260101000000001');
  process.kill(m.supervisor.pid('app')!, 'SIGTERM');

  const incident = await waitFor(
    'the incident resolved',
    async () => (await m.store.listIncidents({ state: 'resolved' })).items[0],
    40_000,
  );
  const said = (await m.store.timeline(incident.id)).map((e) => e.message).join('\n');
  expect(said).toMatch(
    /heal failed \(app still fails and was diagnosed bad_deploy since, which restart-app does not treat \(rollback-release does\)\)/,
  );
  const actions = (await m.store.listActions({})).items.reverse();
  expect(actions.map((a) => [a.playbook, a.kind, a.state])).toEqual([
    ['restart-app', 'restart', 'failed'],
    ['rollback-release', 'deploy-rollback', 'verified'],
    ['rollback-release', 'restart', 'verified'],
  ]);
  // The restart's verification did not wait out its 20 s window.
  const restart = await m.store.journal(actions[0]!.id);
  const applied = restart.find((e) => e.state === 'applied')!.at;
  const failed = restart.find((e) => e.state === 'failed')!.at;
  expect(failed - applied).toBeLessThan(20_000);
});
