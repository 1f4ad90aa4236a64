import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

// A log or metric condition holds the service degraded through the telemetry check. Its health changes must
// reach the bus and the incident as a probe's do: an incident a new error pattern opened, with no playbook
// to run, resolves by itself once the pattern's window has passed and every check passes.
it('a pattern finding degrades the service, and its incident resolves when the window passes', async () => {
  const dir = await tempDir();
  const trigger = path.join(dir, 'trigger');
  // Normal lines all along; one new error line once the trigger file appears.
  const script = `
    const fs = require('node:fs');
    let said = false;
    setInterval(() => {
      console.log('handled request ok');
      if (!said && fs.existsSync(${JSON.stringify(trigger)})) {
        said = true;
        console.error('ERROR payment gateway refused the charge: connection reset');
      }
    }, 50);`;
  const m = await start(
    dir,
    `services:
  worker:
    run:
      command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(script)}]
      stop_timeout: 2s
    logs:
      stdout: true
      novelty: { window: 1500ms, warmup: 300ms }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const changes: string[] = [];
  m.bus.on('health', (c) => {
    if (c.service === 'worker') changes.push(`${c.from}>${c.to}`);
  });
  await waitFor('worker healthy', () => m.health.get('worker') === 'healthy', 15_000);
  await new Promise((r) => setTimeout(r, 800)); // past the warm-up: the normal line is known

  await writeFile(trigger, '');
  const incident = await waitFor(
    'an incident opened by the pattern',
    async () => (await m.store.listIncidents({ state: 'active' })).items[0],
    10_000,
  );
  await waitFor('the degraded state on the bus', () => changes.includes('healthy>degraded'), 5_000);
  const resolved = await waitFor(
    'the incident resolved after the window',
    async () => {
      const now = await m.store.getIncident(incident.id);
      return now?.state === 'resolved' ? now : null;
    },
    10_000,
  );
  expect(changes).toContain('degraded>healthy');
  expect(resolved.resolvedAt! - incident.openedAt).toBeGreaterThanOrEqual(1_000);
  const timeline = await m.store.timeline(incident.id);
  expect(
    timeline.some(
      (e) => e.kind === 'finding' && /payment gateway/.test(`${e.message} ${JSON.stringify(e.data)}`),
    ),
  ).toBe(true);
  expect(timeline.at(-1)).toMatchObject({ kind: 'transition', state: 'resolved' });
});
