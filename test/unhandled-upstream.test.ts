import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();
let app: Server | null = null;
afterEach(async () => {
  await new Promise((r) => (app ? app.close(r) : r(null)));
  app = null;
});

// A dependent fails first (its checks are quicker) by its upstream's outage, and no playbook covers it: the
// human is told about the upstream, whose trouble it is, not asked to fix the dependent.
it('a finding no playbook covers, on a dependent whose upstream is down, escalates the upstream only', async () => {
  const dir = await tempDir();
  const port = await freePort();
  app = createServer((s) => s.end());
  await new Promise<void>((r) => app!.listen(port, '127.0.0.1', () => r()));
  const m = await start(
    dir,
    `services:
  app:
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${port} }
        interval: 2s
        timeout: 500ms
        down_after: 1
  proxy:
    depends_on: [app]
    checks:
      - name: upstream
        tcp: { host: 127.0.0.1, port: ${port} }
        interval: 200ms
        timeout: 200ms
        down_after: 1
notifiers: []
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const told: string[] = [];
  m.bus.on('escalation', (e) => {
    told.push(`${e.service}: ${e.reason}`);
  });
  await waitFor(
    'both healthy',
    () => m.health.get('app') === 'healthy' && m.health.get('proxy') === 'healthy',
    10_000,
  );
  await new Promise((r) => app!.close(r));
  app = null;
  await waitFor('the app down', () => m.health.get('app') === 'down', 10_000);
  await waitFor('a human told', () => told.length > 0, 10_000);
  // Time for a dependent's escalation to come, had it been going to.
  await new Promise((r) => setTimeout(r, 3_000));
  expect(m.health.get('proxy')).toBe('down');
  expect(told).toEqual([expect.stringMatching(/^app: app is down and no playbook matches/)]);
}, 30_000);
