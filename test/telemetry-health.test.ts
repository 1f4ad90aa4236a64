import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();

// A log or metric condition holds the service degraded through the telemetry check. Its health changes must
// reach the bus and the incident as a probe's do: an incident a new error pattern opened, with no playbook
// to run, is sent to a human and resolves by itself once the pattern's lines have stopped for
// `novelty.quiet` and every check passes.
it('a pattern finding degrades the service, a human is told (no playbook covers it), and its incident resolves once its lines stop', async () => {
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
      novelty: { window: 1500ms, quiet: 1500ms, warmup: 300ms }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const changes: string[] = [];
  const escalations: string[] = [];
  m.bus.on('escalation', (e) => escalations.push(e.reason));
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
    'the incident resolved once its lines stopped',
    async () => {
      const now = await m.store.getIncident(incident.id);
      return now?.state === 'resolved' ? now : null;
    },
    10_000,
  );
  expect(changes).toContain('degraded>healthy');
  expect(escalations).toEqual([expect.stringMatching(/no playbook matches its pattern finding/)]);
  expect(resolved.resolvedAt! - incident.openedAt).toBeGreaterThanOrEqual(1_000);
  const timeline = await m.store.timeline(incident.id);
  expect(
    timeline.some(
      (e) => e.kind === 'finding' && /payment gateway/.test(`${e.message} ${JSON.stringify(e.data)}`),
    ),
  ).toBe(true);
  expect(timeline.at(-1)).toMatchObject({ kind: 'transition', state: 'resolved' });
});

it('a pattern holds the service degraded while its lines keep coming, and ends `quiet` after the last', async () => {
  const dir = await tempDir();
  const start_ = path.join(dir, 'start');
  const stop = path.join(dir, 'stop');
  // The error line repeats every 200 ms between the two trigger files: an outage that lasts.
  const script = `
    const fs = require('node:fs');
    setInterval(() => {
      console.log('handled request ok');
      if (fs.existsSync(${JSON.stringify(start_)}) && !fs.existsSync(${JSON.stringify(stop)}))
        console.error('ERROR upstream refused the connection: connection reset');
    }, 200);`;
  const m = await start(
    dir,
    `services:
  worker:
    run:
      command: [${JSON.stringify(process.execPath)}, "-e", ${JSON.stringify(script)}]
      stop_timeout: 2s
    logs:
      stdout: true
      novelty: { window: 1s, quiet: 1s, warmup: 300ms }
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const changes: { to: string; at: number }[] = [];
  m.bus.on('health', (c) => {
    if (c.service === 'worker') changes.push({ to: c.to, at: Date.now() });
  });
  await waitFor('worker healthy', () => m.health.get('worker') === 'healthy', 15_000);
  await new Promise((r) => setTimeout(r, 800));
  await writeFile(start_, '');
  await waitFor('degraded', () => m.health.get('worker') === 'degraded', 10_000);
  // Three times the quiet period with the lines still coming: still degraded all along.
  await new Promise((r) => setTimeout(r, 3_000));
  expect(m.health.get('worker')).toBe('degraded');
  expect(changes.filter((c) => c.to === 'healthy')).toEqual([]);
  const stoppedAt = Date.now();
  await writeFile(stop, '');
  await waitFor('healthy once the lines stopped', () => m.health.get('worker') === 'healthy', 10_000);
  const healthyAt = changes.find((c) => c.to === 'healthy')!.at;
  expect(healthyAt - stoppedAt).toBeGreaterThanOrEqual(800);
}, 40_000);
