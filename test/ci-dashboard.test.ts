/**
 * The dashboard's CI page (issue 17): failures sent as GitHub's signed webhooks, their logs read through
 * Octokit from a local GitHub, judged and re-run by the real daemon, then shown in Debian's chromium: the
 * pipeline failing, failures by class, Medic's re-run and its outcome, and a test that failed and passed on one
 * commit as the flakiest; a new failure shows without a reload.
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
import { type Fake, fakeGithub, fixture, sendGithub, workflowJob, workflowRun } from './ci-fakes.js';
import { tempDir, waitFor } from './helpers.js';
import { buildDashboard } from './web-build.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SECRET = 'dashboard-hook-secret';
process.env['CI_TEST_DASH_SECRET'] = SECRET;
process.env['CI_TEST_DASH_TOKEN'] = 'ghp_dashboard_token_not_real';

let browser: Browser | null = null;
let medic: Medic | null = null;
let api: ApiServer | null = null;
let fake: Fake | null = null;
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
  await fake?.close();
  api = medic = fake = null;
});

const TEST = 'tests/test_cart.py::test_total';
const pytestLog = [
  '2026-03-02T09:14:01.2000000Z ##[group]Run pytest -q',
  '2026-03-02T09:14:01.4000000Z ##[endgroup]',
  '2026-03-02T09:14:30.1000000Z ........F.......',
  '2026-03-02T09:14:30.3000000Z E       assert 41 == 42',
  `2026-03-02T09:14:30.4000000Z FAILED ${TEST} - assert 41 == 42`,
  '2026-03-02T09:14:30.5000000Z 1 failed, 15 passed in 28.40s',
  '2026-03-02T09:14:30.6000000Z ##[error]Process completed with exit code 1.',
].join('\n');
const sha = (c: string) => c.repeat(40);

describe('the CI page', () => {
  it('shows pipelines, failures by class, re-runs with their outcome and the flakiest test, live', async () => {
    let url = '';
    const reruns: string[] = [];
    fake = await fakeGithub(
      { '901': fixture('github-runner-lost.log'), '911': pytestLog, '921': fixture('github-code.log') },
      (run) => {
        reruns.push(run);
        setTimeout(
          () =>
            void sendGithub(
              url,
              SECRET,
              'workflow_run',
              `rerun-${run}`,
              workflowRun({ runId: Number(run), attempt: 2, conclusion: 'success', sha: sha('a') }),
            ),
          50,
        );
      },
    );
    const dir = await tempDir('medic-web-ci-');
    const file = path.join(dir, 'medic.yaml');
    await writeFile(
      file,
      `services:
  shop:
    description: known to Medic through its pipeline
ci:
  github: { api_url: "${fake.url}", secret_env: CI_TEST_DASH_SECRET, token_env: CI_TEST_DASH_TOKEN }
  pipelines:
    shop-ci: { provider: github, repository: acme/shop, branches: [main], service: shop }
playbooks:
  rerun-ci:
    when: { service: shop, cause: [ci_infrastructure, ci_flaky_test] }
    steps:
      - ci_rerun: {}
    verify: { within: 60s, stable_for: 200ms }
notifiers: []
store: { dir: ./data }
`,
    );
    medic = await createMedic({
      configFile: file,
      watch: false,
      verifyPollMs: 100,
      logger: pino({ level: 'silent' }),
    });
    const { token } = await tokenStoreOf(medic.store).create('vera', 'viewer');
    await medic.start();
    api = await startApi(medic, '127.0.0.1', 0, { webRoot });
    url = api.url;
    const m = medic;
    const incidents = async () => (await m.store.listIncidents({ service: 'shop', limit: 20 })).items;
    const settled = () =>
      waitFor(
        'incidents settled',
        async () =>
          (await incidents()).every((i) => i.state === 'resolved' || i.state === 'escalated') ? true : null,
        20_000,
      );

    // Run 77 on commit a: the runner was lost; Medic re-runs it and the re-run passes.
    const job = (id: number, runId: number, c: string) =>
      workflowJob({ id, runId, attempt: 1, conclusion: 'failure', sha: sha(c) });
    expect((await sendGithub(url, SECRET, 'workflow_job', 'dash-1', job(901, 77, 'a'))).status).toBe(202);
    await waitFor('the re-run', async () => (reruns.length === 1 ? true : null), 20_000);
    await waitFor(
      'its incident resolved',
      async () => ((await incidents())[0]?.state === 'resolved' ? true : null),
      20_000,
    );
    // Run 78 on commit b: a test fails (no history: the code's); a person re-runs it and it passes there.
    expect((await sendGithub(url, SECRET, 'workflow_job', 'dash-2', job(911, 78, 'b'))).status).toBe(202);
    await waitFor('two incidents', async () => ((await incidents()).length === 2 ? true : null), 20_000);
    const rerunByPerson = workflowRun({ runId: 78, attempt: 2, conclusion: 'success', sha: sha('b') });
    expect((await sendGithub(url, SECRET, 'workflow_run', 'dash-3', rerunByPerson)).status).toBe(202);
    await settled();
    expect(reruns).toEqual(['77']);

    const page = await browser!.newPage();
    try {
      await page.goto(api.url);
      await page.getByTestId('token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // The payloads carry GitHub's documented times (March 2026): a year's window holds them.
      await page.goto(`${api.url}/#/ci?days=365`);
      const tile = page.locator('[data-testid="ci-pipeline"][data-name="shop-ci"]');
      await expect.poll(() => tile.getByTestId('ci-last').textContent(), { timeout: 10_000 }).toBe('passing');
      expect(await tile.getByTestId('ci-failures').textContent()).toBe('2 (1 re-run)');
      const count = (cls: string) => page.getByTestId(`ci-class-${cls}`).locator('b').textContent();
      expect(await count('infrastructure')).toBe('1');
      expect(await count('code')).toBe('1');
      expect(await count('flaky_test')).toBe('0');
      expect(await page.getByTestId('ci-reruns-total').textContent()).toBe('1');
      expect(await page.getByTestId('ci-reruns-passed').textContent()).toBe('1');
      const rows = page.getByTestId('ci-failure');
      expect(await rows.count()).toBe(2);
      // Newest first: the code failure a person's re-run passed, then Medic's re-run of the lost runner.
      expect(await rows.nth(0).getByTestId('ci-failure-class').textContent()).toMatch(/^code/);
      expect(await rows.nth(0).getByTestId('ci-failure-rerun').textContent()).toBe(
        'passed on a re-run by hand',
      );
      expect(await rows.nth(1).getByTestId('ci-failure-class').textContent()).toMatch(/^infrastructure/);
      expect(await rows.nth(1).getByTestId('ci-failure-rerun').textContent()).toBe('re-run passed');
      const flaky = page.getByTestId('ci-flaky-test');
      expect(await flaky.count()).toBe(1);
      expect(await flaky.first().locator('td').first().textContent()).toBe(TEST);

      // Run 79 on commit c: a compile error. The page follows without a reload.
      expect((await sendGithub(url, SECRET, 'workflow_job', 'dash-4', job(921, 79, 'c'))).status).toBe(202);
      await expect.poll(() => count('code'), { timeout: 20_000 }).toBe('2');
      await expect.poll(() => tile.getByTestId('ci-last').textContent(), { timeout: 20_000 }).toBe('failing');
      expect(await rows.count()).toBe(3);
      expect(await rows.nth(0).getByTestId('ci-failure-rerun').textContent()).toBe('never re-run');
      expect(reruns).toEqual(['77']);
    } finally {
      await page.close();
    }
  }, 120_000);
});
