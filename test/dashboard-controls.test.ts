/**
 * The operator's controls in the dashboard, in a real browser (playwright-core driving Debian's chromium)
 * against a real daemon supervising the demo service: an operator approves a waiting heal from the link a
 * notification sends, creates and lifts a silence, stops and resumes healing (another signed-in page follows
 * without a reload) and runs a playbook; the API's refusals are shown; a viewer sees every control disabled, each saying which
 * role it needs. Screenshots go to MEDIC_ARTIFACTS (default $TMPDIR/medic-dashboard-artifacts).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApi } from '../src/api/index.js';
import { tokenStoreOf } from '../src/api/tokens.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { approvalLink, incidentLink } from '../src/notify/index.js';
import { demoConfig, freePort, ROOT, tempDir, waitFor } from './helpers.js';
import { buildDashboard } from './web-build.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = process.env['MEDIC_ARTIFACTS'] ?? path.join(os.tmpdir(), 'medic-dashboard-artifacts');
const WEB = path.join(ROOT, 'web');
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

interface Tokens {
  operator: string;
  admin: string;
  viewer: string;
}

/** A daemon supervising the demo, its API on a free port, and tokens alice (operator), root, victor (viewer). */
async function daemon(config: (yaml: string) => string = (y) => y): Promise<{ url: string } & Tokens> {
  const dir = await tempDir('medic-web-controls-');
  const file = path.join(dir, 'medic.yaml');
  const yaml = demoConfig({
    demoPort: await freePort(),
    policy: '  autonomy: approve\n  backoff: { initial: 1s }',
  });
  await writeFile(file, config(yaml));
  medic = await createMedic({
    configFile: file,
    watch: false,
    verifyPollMs: 200,
    logger: pino({ level: 'silent' }),
  });
  const tokens = tokenStoreOf(medic.store);
  const operator = (await tokens.create('alice', 'operator')).token;
  const admin = (await tokens.create('root', 'admin')).token;
  const viewer = (await tokens.create('victor', 'viewer')).token;
  await medic.start();
  api = await startApi(medic, '127.0.0.1', 0, { webRoot });
  await waitFor('demo healthy', () => medic!.health.get('demo') === 'healthy');
  return { url: api.url, operator, admin, viewer };
}

/** A fresh page (its own browser context, so its own token) signed in with `token`. */
async function signedIn(url: string, token: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.getByTestId('token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByTestId('live')
    .filter({ hasText: /^live$/ })
    .waitFor({ timeout: 10_000 });
  return page;
}

function killDemo(): number {
  const pid = medic!.supervisor.pid('demo');
  if (!pid) throw new Error('the demo is not running');
  process.kill(pid, 'SIGKILL');
  return pid;
}

async function waitingApproval(): Promise<{ id: string; incidentId: string }> {
  const a = await waitFor(
    'a heal waiting for approval',
    async () => (await medic!.store.listActions({ state: 'awaiting_approval', limit: 1 })).items[0],
    20_000,
  );
  return { id: a.id, incidentId: a.incidentId! };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

async function expectDisabled(button: Locator, role: string): Promise<void> {
  await button.waitFor();
  expect(await button.isDisabled()).toBe(true);
  expect(await button.getAttribute('title')).toContain(`Needs the ${role} role`);
}

describe('the operator controls of the dashboard', () => {
  it('approves from the notification link, silences and lifts, stops and resumes healing', async () => {
    const { url, operator, admin } = await daemon();
    const page = await signedIn(url, operator);
    try {
      // A heal waits for a human; the link the notification carries opens it with its buttons.
      const oldPid = killDemo();
      const asked = await waitingApproval();
      await page.goto(approvalLink(url, asked.id));
      const card = page.getByTestId('asked');
      await card.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 10_000 });
      await shot(page, 'controls-approval-link');
      await card.getByRole('button', { name: 'Approve' }).click();
      await page.locator('[data-testid=asked][data-state=verified]').waitFor({ timeout: 30_000 });
      expect(medic!.supervisor.pid('demo')).not.toBe(oldPid);
      expect((await medic!.store.getAction(asked.id))?.state).toBe('verified');
      // The incident link of a notification is a path, not a hash: the dashboard opens that incident too.
      await page.goto(incidentLink(url, asked.incidentId));
      await expect
        .poll(() => page.getByTestId('incident-state').textContent(), { timeout: 15_000 })
        .toBe('resolved');

      // Silences: a bad matcher is refused and the API's reason is shown; a good one is listed, then lifted.
      await page.goto(`${url}/#/controls?service=demo`);
      const silences = page.getByTestId('silences');
      await silences.getByTestId('silence-matchers').fill('service');
      await silences.getByRole('button', { name: 'Create silence' }).click();
      const refused = silences.getByTestId('silence-create-error');
      await refused.waitFor();
      expect(await refused.textContent()).toContain('400');
      await silences.getByTestId('silence-matchers').fill('service=demo, check=health');
      await silences.getByTestId('silence-duration').fill('2h');
      await silences.getByTestId('silence-comment').fill('deploying');
      await silences.getByRole('button', { name: 'Create silence' }).click();
      const row = silences.locator('[data-testid=silence-row][data-active=true]');
      await row.waitFor({ timeout: 10_000 });
      expect(await row.textContent()).toContain('service=demo, check=health');
      const [stored] = await medic!.store.listSilences({ activeAt: Date.now() });
      expect(stored?.createdBy).toBe('alice');
      expect(stored?.comment).toBe('deploying');
      expect(Math.abs(stored!.endsAt - stored!.startsAt - 2 * 3_600_000)).toBeLessThan(1000);
      await shot(page, 'controls-silence');
      await row.getByRole('button', { name: 'Lift' }).click();
      await row.waitFor({ state: 'detached', timeout: 10_000 });
      expect(await medic!.store.listSilences({ activeAt: Date.now() })).toEqual([]);

      // Reset a service: its failed heals and escalation are forgotten (healthy, so nothing to decide).
      const service = page.getByTestId('service-demo');
      await service.getByRole('button', { name: 'Reset' }).click();
      await service
        .getByTestId('reset-done')
        .filter({ hasText: /^reset$/ })
        .waitFor({ timeout: 10_000 });

      // Run a playbook with no open incident: the API's 409 and its reason reach the operator.
      await service.getByRole('button', { name: 'Run playbook' }).click();
      const runError = service.getByTestId('run-error');
      await runError.waitFor();
      expect(await runError.textContent()).toMatch(/no open incident.*409/);

      // The stop switch is the operator's brake, and the operator lets go of it; an admin's page follows both.
      const adminPage = await signedIn(url, admin);
      try {
        await adminPage.goto(`${url}/#/controls`);
        await adminPage
          .locator('[data-testid=healing-state][data-stopped=false]')
          .waitFor({ timeout: 10_000 });
        const healing = page.getByTestId('healing');
        await healing.getByTestId('healing-reason').fill('3 a.m. investigation');
        await healing.getByRole('button', { name: 'Stop healing' }).click();
        await page.locator('[data-testid=healing-state][data-stopped=true]').waitFor({ timeout: 10_000 });
        expect(await healing.getByTestId('healing-state').textContent()).toContain('3 a.m. investigation');
        expect((await medic!.store.getHealingSwitch())?.stopped).toBe(true);
        // Every page says healing is stopped, the other signed-in one too, without a reload.
        await page.getByTestId('stopped-banner').waitFor({ timeout: 10_000 });
        expect(await page.getByTestId('stopped-banner').textContent()).toContain('stopped by alice');
        await adminPage.getByTestId('stopped-banner').waitFor({ timeout: 10_000 });
        await shot(page, 'controls-stopped');

        await healing.getByRole('button', { name: 'Resume healing' }).click();
        await page.locator('[data-testid=healing-state][data-stopped=false]').waitFor({ timeout: 10_000 });
        expect((await medic!.store.getHealingSwitch())?.stopped).toBe(false);
        await page.getByTestId('stopped-banner').waitFor({ state: 'detached', timeout: 10_000 });
        await adminPage
          .locator('[data-testid=healing-state][data-stopped=false]')
          .waitFor({ timeout: 10_000 });
        await adminPage.getByTestId('stopped-banner').waitFor({ state: 'detached', timeout: 10_000 });
      } finally {
        await adminPage.close();
      }

      const audit = await medic!.store.listAudit({ limit: 500 });
      const by = (actor: string, suffix: string) =>
        audit.some((e) => e.actor === actor && e.event === 'api.request' && e.subject.endsWith(suffix));
      expect(by('alice', '/approve')).toBe(true);
      expect(by('alice', '/api/healing/stop')).toBe(true);
      expect(by('alice', '/api/healing/resume')).toBe(true);
      expect(by('alice', '/reset')).toBe(true);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('runs a playbook on an open incident from the dashboard', async () => {
    // Medic only suggests its own heal of the demo; `restart-now` runs on an operator's word alone.
    const { url, operator } = await daemon((yaml) =>
      yaml.replace(
        'playbooks:\n  restart-demo:\n',
        `playbooks:
  restart-now:
    description: restart the demo now
    when: { service: demo, kind: forecast }
    autonomy: auto
    steps:
      - restart: {}
    verify: { within: 15s, stable_for: 500ms }
  restart-demo:
    autonomy: suggest
`,
      ),
    );
    const page = await signedIn(url, operator);
    try {
      await page.goto(`${url}/#/controls?service=demo`);
      const service = page.getByTestId('service-demo');
      await service.getByTestId('playbook-select').locator('option[value=restart-now]').waitFor({
        state: 'attached',
      });
      const oldPid = killDemo();
      await page.locator('[data-testid=service-demo][data-health=down]').waitFor({ timeout: 15_000 });
      await waitFor('an open incident', () => medic!.store.activeIncident('demo'));
      await service.getByTestId('playbook-select').selectOption('restart-now');
      await service.getByRole('button', { name: 'Run playbook' }).click();
      const done = service.getByTestId('run-done');
      await done.waitFor({ timeout: 10_000 });
      expect(await done.textContent()).toContain('restart-now is running on demo');
      await page.locator('[data-testid=service-demo][data-health=healthy]').waitFor({ timeout: 30_000 });
      expect(medic!.supervisor.pid('demo')).not.toBe(oldPid);
      const actions = await medic!.store.listActions({ service: 'demo', limit: 20 });
      const run = actions.items.find((a) => a.playbook === 'restart-now');
      await waitFor(
        'restart-now verified',
        async () => (await medic!.store.getAction(run!.id))?.state === 'verified',
      );
      await shot(page, 'controls-run-playbook');
      const audit = await medic!.store.listAudit({ limit: 500 });
      expect(
        audit.some(
          (e) =>
            e.actor === 'alice' &&
            e.event === 'api.request' &&
            e.data['path'] === '/api/services/demo/playbooks/restart-now/run',
        ),
      ).toBe(true);
    } finally {
      await page.close();
    }
  }, 90_000);

  it('shows a viewer every control disabled, naming the role it needs', async () => {
    const { url, viewer } = await daemon();
    killDemo();
    await waitingApproval();
    await medic!.engine.createSilence(
      { matchers: [{ name: 'service', op: '=', value: 'demo' }], endsAt: Date.now() + 3_600_000 },
      'root',
    );
    const page = await signedIn(url, viewer);
    try {
      await page.goto(`${url}/#/actions`);
      const waiting = page.getByTestId('waiting');
      await expectDisabled(waiting.getByRole('button', { name: 'Approve' }).first(), 'operator');
      await expectDisabled(waiting.getByRole('button', { name: 'Reject' }).first(), 'operator');

      await page.goto(`${url}/#/controls`);
      await page.getByTestId('healing-state').waitFor();
      await expectDisabled(page.getByRole('button', { name: 'Stop healing' }), 'operator');
      await expectDisabled(page.getByRole('button', { name: 'Resume healing' }), 'operator');
      await expectDisabled(page.getByRole('button', { name: 'Create silence' }), 'operator');
      await expectDisabled(page.getByRole('button', { name: 'Lift' }), 'operator');
      const service = page.getByTestId('service-demo');
      await expectDisabled(service.getByRole('button', { name: 'Reset' }), 'operator');
      await expectDisabled(service.getByRole('button', { name: 'Run playbook' }), 'operator');
      await shot(page, 'controls-viewer');

      // The API holds the line too: a viewer's stop is refused.
      const res = await fetch(`${url}/api/healing/stop`, {
        method: 'POST',
        headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(403);
      // What it may do: read the playbooks it could not run.
      const list = (await (
        await fetch(`${url}/api/playbooks?service=demo`, { headers: { authorization: `Bearer ${viewer}` } })
      ).json()) as { items: { name: string; service: string; steps: number }[] };
      expect(list.items).toEqual([
        expect.objectContaining({ name: 'restart-demo', service: 'demo', steps: 1 }),
      ]);
    } finally {
      await page.close();
    }
  }, 90_000);
});
