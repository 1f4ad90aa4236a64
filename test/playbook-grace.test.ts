import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Medic } from '../src/daemon/index.js';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

/**
 * A grace for probe failures (`when.for`), none for a fatal sign: a database whose probes time out may only be
 * slow, one found dead is healed at once. Two playbooks express it: one on the probes' checks with `for`, one
 * on the fatal check without.
 */
const start = medicPerTest();
let server: Server | null = null;
afterEach(async () => {
  const s = server;
  server = null;
  if (s) await new Promise((r) => s.close(r));
});

async function listen(port: number): Promise<void> {
  const s = createServer((c) => c.end());
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()));
  server = s;
}
async function close(): Promise<void> {
  const s = server;
  server = null;
  if (s) await new Promise((r) => s.close(r));
}

const GRACE_MS = 3_000;

async function db(): Promise<{ m: Medic; port: number; marker: string }> {
  const dir = await tempDir('medic-grace-');
  const port = await freePort();
  const marker = path.join(dir, 'dead');
  await listen(port);
  const m = await start(
    dir,
    `services:
  db:
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${port} }
        interval: 200ms
        timeout: 200ms
        down_after: 2
      - name: port2
        tcp: { host: 127.0.0.1, port: ${port} }
        interval: 300ms
        timeout: 300ms
        down_after: 2
      - name: fatal
        command: { command: [test, "!", -e, ${JSON.stringify(marker)}] }
        interval: 200ms
        timeout: 200ms
        down_after: 1
playbooks:
  restart-db-dead:
    when: { service: db, kind: down, labels: { check: fatal } }
    steps: [{ exec: { command: ["true"] } }]
    verify: { within: 10s, stable_for: 200ms }
  restart-db-unresponsive:
    when: { service: db, kind: down, labels: { check: "~port|port2" }, for: ${GRACE_MS}ms }
    steps: [{ exec: { command: ["true"] } }]
    verify: { within: 10s, stable_for: 200ms }
notifiers: []
server: { port: 0 }
store: { dir: ./data }
`,
  );
  await waitFor('db healthy', () => m.health.get('db') === 'healthy');
  return { m, port, marker };
}

const actions = async (m: Medic) => (await m.store.listActions({ service: 'db' })).items.reverse();

it('probes failing for less than the grace: no heal', async () => {
  const { m, port } = await db();
  await close();
  await waitFor('db down', () => m.health.get('db') === 'down', 10_000, 20);
  await listen(port);
  await waitFor('db healthy again', () => m.health.get('db') === 'healthy', 10_000, 20);
  await new Promise((r) => setTimeout(r, GRACE_MS + 500));
  expect(await actions(m)).toEqual([]);
}, 30_000);

// The decision waits for the first check's finding's grace; the second check's finding, moments later, takes its
// place and its grace has not held yet when the decision comes: it is decided again then, not dropped.
it('probes still failing after the grace, a second check failing meanwhile: healed after the grace', async () => {
  const { m, port } = await db();
  await close();
  await waitFor('db down', () => m.health.get('db') === 'down', 10_000, 20);
  const downAt = m.clock.now();
  await waitFor(
    'both probes down',
    () => m.health.checks('db').filter((c) => c.name.startsWith('port') && c.state === 'down').length === 2,
    10_000,
    20,
  );
  const first = await waitFor('a heal', async () => (await actions(m))[0], GRACE_MS + 8_000, 50);
  expect(first.playbook).toBe('restart-db-unresponsive');
  expect(first.createdAt - downAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
  await listen(port);
  await waitFor('verified', async () => (await actions(m))[0]?.state === 'verified', 15_000, 50);
}, 40_000);

it('a fatal sign during the grace is healed at once', async () => {
  const { m, port, marker } = await db();
  await close();
  await waitFor('db down', () => m.health.get('db') === 'down', 10_000, 20);
  const downAt = m.clock.now();
  await writeFile(marker, '');
  const first = await waitFor('a heal', async () => (await actions(m))[0], GRACE_MS + 8_000, 20);
  expect(first.playbook).toBe('restart-db-dead');
  expect(first.createdAt - downAt).toBeLessThan(GRACE_MS - 1_000);
  await rm(marker);
  await listen(port);
  await waitFor('verified', async () => (await actions(m))[0]?.state === 'verified', 15_000, 50);
}, 40_000);
