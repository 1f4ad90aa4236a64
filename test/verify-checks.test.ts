import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from './helpers.js';
import { incidentIn, medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();
let backend: Server | null = null;
afterEach(async () => {
  await new Promise((r) => (backend ? backend.close(r) : r(null)));
  backend = null;
});

// `verify.checks` names what a playbook must bring back. Here a restart heals the process and its port while
// the service's backend is still away: the heal counts as verified, a human is asked about the rest, and the
// incident resolves on its own once the last check passes.
it('verify.checks: verified on the named checks while another fails: escalated; resolved when every check passes', async () => {
  const dir = await tempDir();
  const [port, backendPort] = [await freePort(), await freePort()];
  const listen = `require('node:net').createServer(() => {}).listen(${port}, '127.0.0.1'); setInterval(() => {}, 1000);`;
  const m = await start(
    dir,
    `services:
  worker:
    run:
      command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(listen)}]
      stop_timeout: 2s
    checks:
      - name: port
        tcp: { port: ${port} }
        interval: 500ms
        timeout: 500ms
        down_after: 1
      - name: backend
        tcp: { port: ${backendPort} }
        interval: 500ms
        timeout: 500ms
        down_after: 1
playbooks:
  restart-worker:
    when: { service: worker, kind: down, labels: { check: running } }
    steps: [{ restart: {} }]
    verify: { within: 10s, stable_for: 400ms, checks: [port, running] }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const state = (c: string) => m.health.checks('worker').find((x) => x.name === c)?.state;
  await waitFor('port up, backend down', () => state('port') === 'up' && state('backend') === 'down', 10_000);
  const incident = await waitFor(
    'the backend incident',
    async () => (await m.store.listIncidents({ state: 'active' })).items[0],
    5_000,
  );

  const pid = m.supervisor.pid('worker')!;
  process.kill(pid, 'SIGKILL');
  const action = await waitFor(
    'the restart verified',
    // Its own playbook's (on a loaded machine a keepalive start may come and verify too).
    async () =>
      (await m.store.listActions({})).items.find(
        (a) => a.state === 'verified' && a.playbook === 'restart-worker',
      ),
    25_000,
  );
  expect(action).toMatchObject({ service: 'worker', playbook: 'restart-worker', kind: 'restart' });
  expect(m.supervisor.pid('worker')).not.toBe(pid);
  // The playbook did its part, but the service still fails: a human is asked, and Medic stops acting on it
  // (a heal that "succeeds" every time must not loop).
  const escalated = await incidentIn(m, incident.id, 'escalated');
  expect(escalated.state).toBe('escalated');
  const notes = (await m.store.timeline(incident.id)).map((e) => e.message);
  expect(notes.some((n) => /restart-worker verified: worker\/port, worker\/running passing/.test(n))).toBe(
    true,
  );
  expect(notes.some((n) => /but worker still fails backend: Medic stops acting on worker/.test(n))).toBe(
    true,
  );
  expect((await m.store.getGuardState('worker'))?.escalated).toBe(true);
  expect((await m.store.listOutcomesBy({ service: 'worker' })).map((o) => o.success)).toEqual([true]);

  backend = createServer(() => {});
  await new Promise<void>((r) => backend!.listen(backendPort, '127.0.0.1', () => r()));
  const resolved = await incidentIn(m, incident.id, 'resolved', 10_000);
  expect(resolved.state).toBe('resolved');
  expect((await m.store.listActions({})).items).toHaveLength(1);
});

// A killed process fails its process check, then its port check, which no playbook covers. The restart decided
// for the first waits its `for`; when it runs, the later finding must not have taken its trigger away. (Its
// incident is escalated already, for a backend no playbook covers, so the port finding is diagnosed anew.)
it('a finding no playbook covers, arriving while a heal waits, does not cancel that heal', async () => {
  const dir = await tempDir();
  const [port, backendPort] = [await freePort(), await freePort()];
  const listen = `require('node:net').createServer(() => {}).listen(${port}, '127.0.0.1'); setInterval(() => {}, 1000);`;
  const m = await start(
    dir,
    `services:
  worker:
    run:
      command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(listen)}]
      stop_timeout: 2s
    checks:
      - name: port
        tcp: { port: ${port} }
        interval: 300ms
        timeout: 300ms
        down_after: 1
      - name: backend
        tcp: { port: ${backendPort} }
        interval: 500ms
        timeout: 500ms
        down_after: 1
playbooks:
  restart-worker:
    when: { service: worker, kind: down, labels: { check: running }, for: 1500ms }
    steps: [{ restart: {} }]
    verify: { within: 10s, stable_for: 400ms, checks: [port, running] }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const state = (c: string) => m.health.checks('worker').find((x) => x.name === c)?.state;
  await waitFor('port up, backend down', () => state('port') === 'up' && state('backend') === 'down', 10_000);
  const incident = await waitFor(
    'the backend incident escalated',
    async () => (await m.store.listIncidents({ state: 'escalated' })).items[0],
    5_000,
  );
  const pid = m.supervisor.pid('worker')!;
  process.kill(pid, 'SIGKILL');
  const action = await waitFor(
    'the restart verified',
    async () => (await m.store.listActions({})).items.find((a) => a.state === 'verified'),
    // Before the keepalive's first start (10 s after the exit).
    9_000,
  );
  expect(action).toMatchObject({ service: 'worker', playbook: 'restart-worker', kind: 'restart' });
  expect(m.supervisor.pid('worker')).not.toBe(pid);
  // The port finding did come in while the restart waited.
  const notes = (await m.store.timeline(incident.id)).map((e) => e.message);
  expect(notes.some((n) => /worker\/port down/.test(n))).toBe(true);
});
