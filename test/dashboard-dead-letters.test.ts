/**
 * The overview shows the outbox's dead letters (issue 15): a notification for a notifier the config no longer
 * has is dead-lettered by the daemon's outbox, and the count on the page goes from 0 to 1, in red, without a
 * reload. Real daemon, real store, the built dashboard in Debian's chromium.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApi } from '../src/api/index.js';
import { tokenStoreOf } from '../src/api/tokens.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { tempDir, waitFor } from './helpers.js';
import { buildDashboard } from './web-build.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

let browser: Browser | null = null;
let medic: Medic | null = null;
let api: ApiServer | null = null;
let webRoot = '';

beforeAll(async () => {
  // No silent skip: a machine without the browser fails here, naming what to install.
  if (!existsSync(CHROMIUM)) throw new Error(`dashboard tests need ${CHROMIUM} (apt-get install chromium)`);
  webRoot = await buildDashboard();
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await api?.close();
  await medic?.stop();
  api = null;
  medic = null;
});

describe('dead letters on the overview', () => {
  it('counts a notification the outbox gave up on, live', async () => {
    const dir = await tempDir('medic-web-');
    const file = path.join(dir, 'medic.yaml');
    await writeFile(
      file,
      `services:
  web:
    checks:
      - command: { command: [${JSON.stringify(process.execPath)}, -e, "0"] }
        interval: 1h
notifiers: []
store: { dir: ./data }
`,
    );
    medic = await createMedic({ configFile: file, watch: false, logger: pino({ level: 'silent' }) });
    const { token } = await tokenStoreOf(medic.store).create('vera', 'viewer');
    await medic.start();
    api = await startApi(medic, '127.0.0.1', 0, { webRoot });

    const page = await browser!.newPage();
    try {
      await page.goto(api.url);
      await page.getByTestId('token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const count = page.getByTestId('dead-count');
      await expect.poll(() => count.textContent(), { timeout: 10_000 }).toBe('0');
      expect(await page.getByTestId('dead-letters').getAttribute('style')).toBeNull();

      // Queued for a notifier removed from the config: the outbox dead-letters it on its next pass.
      await medic.outbox.enqueue('pager-removed', {
        event: 'incident.escalated',
        at: Date.now(),
        service: 'web',
        incidentId: null,
        title: 'web escalated',
        message: 'nobody could heal it',
        data: {},
      });
      await waitFor('the dead letter', async () => (await medic!.store.notificationCounts()).dead === 1);
      await expect.poll(() => count.textContent(), { timeout: 20_000 }).toBe('1');
      // In red once there is one (it was not at 0).
      expect(await page.getByTestId('dead-letters').getAttribute('style')).toContain('var(--bad)');
    } finally {
      await page.close();
    }
  }, 90_000);
});
