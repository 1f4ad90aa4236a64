import { expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

// A probe may report a dead service before the supervisor hears of the exit (a loaded machine, or a port
// closed by the kernel before the parent is told). The first diagnosis then sees a live process and names no
// cause; the exit that follows moments later must be diagnosed, not skipped as "the same trouble".
it('an unknown diagnosis is made again when the exit arrives after the failed probe', async () => {
  const dir = await tempDir();
  const port = await freePort(); // nothing listens: the probe fails while the process still runs
  const m = await start(
    dir,
    `services:
  worker:
    run:
      command: [${JSON.stringify(process.execPath)}, "-e", "setInterval(() => {}, 1000)"]
      stop_timeout: 2s
    checks:
      - name: port
        tcp: { port: ${port} }
        interval: 200ms
        timeout: 150ms
        down_after: 1
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const incident = await waitFor(
    'an incident for the failed probe',
    async () => (await m.store.listIncidents({ state: 'active' })).items[0],
    15_000,
  );
  const diagnoses = async () =>
    (await m.store.timeline(incident.id)).filter((e) => e.kind === 'diagnosis').map((e) => e.data['cause']);
  await waitFor('the first diagnosis', async () => (await diagnoses()).length === 1, 10_000);
  expect(await diagnoses()).toEqual(['unknown']);

  process.kill(m.supervisor.pid('worker')!, 'SIGKILL');
  await waitFor('a second diagnosis', async () => (await diagnoses()).length === 2, 10_000);
  await m.findings.idle();
  expect(await diagnoses()).toEqual(['unknown', 'process_crashed']);

  // A named cause is not diagnosed again, even for a finding from a source not seen yet.
  await m.submitFinding({
    id: 'fnd_log',
    service: 'worker',
    check: 'log:errors',
    kind: 'pattern',
    severity: 'warning',
    score: 1,
    summary: 'new error template',
    evidence: {},
    at: m.clock.now(),
  });
  await m.findings.idle();
  expect((await m.store.timeline(incident.id)).some((e) => e.message.includes('new error template'))).toBe(
    true,
  );
  expect(await diagnoses()).toEqual(['unknown', 'process_crashed']);
});
