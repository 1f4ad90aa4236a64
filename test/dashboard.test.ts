/**
 * The dashboard in a real browser (playwright-core driving Debian's chromium) against a real daemon that
 * supervises the demo service: sign in, kill the demo, watch the incident appear and resolve without a reload,
 * approve a waiting heal and watch it run. Screenshots of every page go to MEDIC_ARTIFACTS (default
 * $TMPDIR/medic-dashboard-artifacts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApi } from '../src/api/index.js';
import { tokenStoreOf } from '../src/api/tokens.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import type { StoreSchema } from '../src/store/index.js';
import { freePort, ROOT, tempDir, waitFor, writeDemoConfig } from './helpers.js';
import { buildDashboard } from './web-build.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = process.env['MEDIC_ARTIFACTS'] ?? path.join(os.tmpdir(), 'medic-dashboard-artifacts');
const WEB = path.join(ROOT, 'web');
/** What the browser tests need: playwright-core, the dashboard's build dependencies, and chromium. */
const missing = ['playwright-core', 'react', 'react-dom', 'uplot', '@vitejs/plugin-react'].filter((m) => {
  try {
    createRequire(path.join(WEB, 'package.json')).resolve(m);
    return false;
  } catch {
    return true;
  }
});
if (!existsSync(CHROMIUM)) missing.push(CHROMIUM);

let browser: Browser | null = null;
let medic: Medic | null = null;
let api: ApiServer | null = null;
/** This file's own build of the dashboard (web-build.ts). */
let webRoot = '';

beforeAll(async () => {
  // No silent skip: a machine without the browser fails here, naming what to install (.ci/run installs it).
  if (missing.length > 0)
    throw new Error(`dashboard tests need: ${missing.join(', ')} (apt-get install chromium; npm ci)`);
  webRoot = await buildDashboard();
  await mkdir(ARTIFACTS, { recursive: true });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
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

/** A daemon supervising the demo, its API on a free port, and an operator token named alice. */
async function daemon(policy?: string): Promise<{ url: string; token: string }> {
  const dir = await tempDir('medic-web-');
  const file = await writeDemoConfig(dir, { demoPort: await freePort(), policy });
  medic = await createMedic({
    configFile: file,
    watch: false,
    verifyPollMs: 200,
    logger: pino({ level: 'silent' }),
  });
  const { token } = await tokenStoreOf(medic.store).create('alice', 'operator');
  await medic.start();
  api = await startApi(medic, '127.0.0.1', 0, { webRoot });
  return { url: api.url, token };
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByTestId('live')
    .filter({ hasText: /^live$/ })
    .waitFor({ timeout: 10_000 });
}

function killDemo(): number {
  const pid = medic!.supervisor.pid('demo');
  if (!pid) throw new Error('the demo is not running');
  process.kill(pid, 'SIGKILL');
  return pid;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

describe('dashboard in a real browser', () => {
  it('signs in, and shows a killed service incident appear and resolve live', async () => {
    const { url, token } = await daemon();
    await waitFor('demo healthy', () => medic!.health.get('demo') === 'healthy');
    const page = await browser!.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    try {
      await page.goto(url);
      await shot(page, 'signin');
      await signIn(page, url, token);
      const tile = page.getByTestId('tile-demo');
      await expect.poll(() => tile.getByTestId('health').textContent(), { timeout: 10_000 }).toBe('healthy');
      await shot(page, 'overview-phone');

      await page.goto(`${url}/#/incidents`);
      await page
        .getByTestId('live')
        .filter({ hasText: /^live$/ })
        .waitFor();
      await page.evaluate(() => {
        (globalThis as unknown as { notReloaded: boolean }).notReloaded = true;
      });
      killDemo();
      const row = page.getByTestId('incident-row').first();
      await row.waitFor({ timeout: 15_000 });
      await page
        .locator('[data-testid=incident-row][data-state=resolved]')
        .first()
        .waitFor({ timeout: 30_000 });
      expect(
        await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded),
      ).toBe(true);
      await shot(page, 'incidents-phone');

      await row.getByRole('link').click();
      const timeline = page.getByTestId('timeline');
      await timeline.waitFor();
      await expect.poll(() => page.getByTestId('incident-state').textContent()).toBe('resolved');
      const steps = await timeline.locator('li .kind').allTextContents();
      expect(steps[0]).toBe('→ open');
      expect(steps.at(-1)).toBe('→ resolved');
      await shot(page, 'incident-phone');
    } finally {
      await page.close();
    }
  }, 90_000);

  it('approves a waiting heal from the page and shows it run', async () => {
    const { url, token } = await daemon('  autonomy: approve\n  backoff: { initial: 1s }');
    await waitFor('demo healthy', () => medic!.health.get('demo') === 'healthy');
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await signIn(page, url, token);
      await page.goto(`${url}/#/actions`);
      await page
        .getByTestId('live')
        .filter({ hasText: /^live$/ })
        .waitFor();
      const oldPid = killDemo();
      const approve = page.getByTestId('waiting').getByRole('button', { name: 'Approve' }).first();
      await approve.waitFor({ timeout: 20_000 });
      await shot(page, 'actions-waiting');
      await approve.click();
      await page
        .locator('[data-testid=recent-actions] [data-testid=action-row][data-state=verified]')
        .first()
        .waitFor({ timeout: 30_000 });
      expect(medic!.supervisor.pid('demo')).not.toBe(oldPid);
      await shot(page, 'actions-done');

      const items = await medic!.store.listAudit({ limit: 200 });
      expect(items.find((e) => e.event === 'api.request' && e.subject.endsWith('/approve'))?.actor).toBe(
        'alice',
      );
      const journal = await medic!.store.listActions({ limit: 5 });
      expect(journal.items[0]?.state).toBe('verified');

      await page.goto(`${url}/#/metrics?service=demo`);
      await page.locator('.chart canvas').first().waitFor();
      await shot(page, 'metrics');
      await page.goto(`${url}/#/audit`);
      await page.getByTestId('audit').getByText('alice').first().waitFor();
      await shot(page, 'audit');
      await page.goto(`${url}/#/`);
      await shot(page, 'overview');
    } finally {
      await page.close();
    }
  }, 90_000);

  it('rolls a file back to its backup from the page, byte for byte', async () => {
    const { url, token } = await daemon();
    const dir = await tempDir('medic-web-backup-');
    const file = path.join(dir, 'app.env');
    const good = 'TIMEOUT=1.0\nPOOL=10\n';
    await writeFile(file, good);
    const [taken] = await medic!.engine.backups.backup([file], null, { reason: 'before a change' });
    await writeFile(file, 'TIMEOUT=9.9\nPOOL=10\n');
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => void d.accept());
    try {
      await signIn(page, url, token);
      await page.goto(`${url}/#/backups`);
      const row = page.locator(`[data-testid=backup-row][data-id="${taken!.id}"]`);
      await row.waitFor();
      await shot(page, 'backups');
      await row.getByRole('button', { name: 'Roll back' }).click();
      await row.getByTestId('backup-message').filter({ hasText: 'restored' }).waitFor({ timeout: 10_000 });
      expect(await readFile(file, 'utf8')).toBe(good);
      const audit = await medic!.store.listAudit({ limit: 50 });
      expect(audit.some((e) => e.actor === 'alice' && e.event === 'backup.restored')).toBe(true);
      await shot(page, 'backups-restored');
    } finally {
      await page.close();
    }
  }, 60_000);

  it('lists 10,000 stored incidents a page at a time (paged by the server)', async () => {
    const { url, token } = await daemon();
    const db = (medic!.store as unknown as { db: Kysely<StoreSchema> }).db;
    const base = Date.now() - 20_000_000;
    for (let i = 0; i < 10_000; i += 500) {
      const rows = Array.from({ length: 500 }, (_, j) => ({
        id: `inc_bulk${String(i + j).padStart(8, '0')}`,
        service: 'demo',
        state: 'resolved',
        title: `old incident ${i + j}`,
        severity: 'critical',
        root_cause: null,
        opened_at: base + (i + j) * 1000,
        updated_at: base + (i + j) * 1000,
        resolved_at: base + (i + j) * 1000 + 500,
      }));
      await db.insertInto('incidents').values(rows).execute();
    }
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await signIn(page, url, token);
      // The render time is measured by `npm run bench:api`; here: the first page of 50 renders, paged.
      await page.goto(`${url}/#/incidents`);
      await page.locator('[data-testid=incident-row]').nth(49).waitFor();
      expect(await page.locator('[data-testid=incident-row]').count()).toBe(50);
      await page.getByText('1–50 of 10000').waitFor();
      await shot(page, 'incidents-10k');
    } finally {
      await page.close();
    }
  }, 60_000);
});
