/**
 * The Security page in a real browser (playwright-core driving Debian's chromium) against a real daemon: a
 * ban the kernel holds in a network namespace this test made is listed with its time left, a viewer cannot
 * lift it, an operator lifts it in one click (gone from the kernel's set, journaled and audited under their
 * name, the banned client connects again); a hand edit of a watched file shows as drift with its diff, and a
 * locked version with a known advisory shows with its fixed version.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApi } from '../src/api/index.js';
import { tokenStoreOf } from '../src/api/tokens.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { blockAction } from '../src/remediate/actions/block.js';
import { testContext } from '../src/remediate/actions/testing.js';
import { ROOT, tempDir, waitFor } from './helpers.js';
import { createNetns, requireNetnsTools, type TestNetns } from './netns.js';
import { buildDashboard } from './web-build.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = process.env['MEDIC_ARTIFACTS'] ?? path.join(os.tmpdir(), 'medic-dashboard-artifacts');
const WEB = path.join(ROOT, 'web');
const missing = ['playwright-core', 'react', 'react-dom', '@vitejs/plugin-react'].filter((m) => {
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
let ns: TestNetns | null = null;
let webRoot = '';

beforeAll(async () => {
  if (missing.length > 0)
    throw new Error(`dashboard tests need: ${missing.join(', ')} (apt-get install chromium; npm ci)`);
  requireNetnsTools(); // a missing nft or ip netns fails here, with what to install: never a skip
  ns = await createNetns();
  webRoot = await buildDashboard();
  await mkdir(ARTIFACTS, { recursive: true });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await medic?.stop();
  await ns?.destroy();
});

/** An OSV advisory for the project's locked tiny-lib 1.0.0, fixed in 1.0.1. */
const ADVISORY = {
  schema_version: '1.6.0',
  id: 'GHSA-test-tiny-0002',
  summary: 'Prototype pollution in tiny-lib',
  modified: '2099-01-01T00:00:00Z',
  affected: [
    {
      package: { ecosystem: 'npm', name: 'tiny-lib' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }],
    },
  ],
  database_specific: { severity: 'HIGH' },
};

const LOCK = {
  name: 'fixture',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'fixture', version: '1.0.0', dependencies: { 'tiny-lib': '1.0.0' } },
    'node_modules/tiny-lib': { version: '1.0.0' },
  },
};

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

describe('the Security page', () => {
  it('lists bans with their time left and lifts one; shows drift and advisories', async () => {
    const n = ns as TestNetns;
    const dir = await tempDir('medic-web-security-');
    await mkdir(path.join(dir, 'conf'));
    await mkdir(path.join(dir, 'proj'));
    await mkdir(path.join(dir, 'advisories'));
    await writeFile(path.join(dir, 'conf/app.yaml'), 'mode: slow\npassword: hunter2\n');
    await writeFile(
      path.join(dir, 'proj/package.json'),
      JSON.stringify({ name: 'fixture', version: '1.0.0', dependencies: { 'tiny-lib': '1.0.0' } }),
    );
    await writeFile(path.join(dir, 'proj/package-lock.json'), JSON.stringify(LOCK, null, 2));
    await writeFile(path.join(dir, 'advisories/GHSA-test-tiny-0002.json'), JSON.stringify(ADVISORY));
    await writeFile(
      path.join(dir, 'medic.yaml'),
      `services:
  app:
    checks:
      - name: up
        command: { command: ["true"] }
        interval: 1s
        timeout: 1s
playbooks:
  ban:
    when: { service: app, kind: abuse }
    steps:
      - block: { address: "{{ finding.labels.address }}", netns: ${n.name} }
drift:
  check_every: 30s
  files:
    - { path: conf/app.yaml, service: app }
deps:
  every: 1h
  advisories: { path: ./advisories }
  projects: [{ path: ./proj, service: app }]
policy: { autonomy: observe }
notifiers: []
store: { dir: ./data }
`,
    );
    medic = await createMedic({
      configFile: path.join(dir, 'medic.yaml'),
      watch: false,
      logger: pino({ level: 'silent' }),
    });
    const m = medic;
    const tokens = tokenStoreOf(m.store);
    const operator = (await tokens.create('alice', 'operator')).token;
    const viewer = (await tokens.create('victor', 'viewer')).token;
    await m.start();
    api = await startApi(m, '127.0.0.1', 0, { webRoot });
    const url = api.url;

    // A ban an earlier block left in the namespace's firewall: 10 minutes, every port.
    const { a, b, server } = n;
    await blockAction.apply(
      blockAction.plan(
        { block: { address: a.v4, netns: n.name, ports: [] }, timeout: 5_000 } as never,
        'app',
        {},
      ),
      testContext({ signal: AbortSignal.timeout(5_000) }),
    );
    expect(await n.connect(a.v4, server.v4)).toBe('refused');
    // A hand edit of the watched file, once recorded as intended: drift, with its diff.
    const conf = path.join(dir, 'conf/app.yaml');
    await waitFor('known good recorded', async () => (await m.engine.backups.lastKnownGood(conf)) !== null);
    await writeFile(path.join(dir, 'conf/app.yaml'), 'mode: fast\npassword: swordfish\n');

    // A viewer sees the ban, with its time left, and may not lift it.
    const look = await signedIn(url, viewer);
    await look.goto(`${url}/#/security`);
    const row = look.locator(`[data-testid=ban-row][data-address="${a.v4}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toMatch(/every port · (9|10) min left of 10 min/);
    const locked = row.getByRole('button', { name: 'Unblock' });
    expect(await locked.isDisabled()).toBe(true);
    expect(await locked.getAttribute('title')).toContain('Needs the operator role');
    await look.close();

    // An operator lifts it in one click; the kernel's set no longer holds it, and the client gets through.
    const page = await signedIn(url, operator);
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${url}/#/security`);
    const mine = page.locator(`[data-testid=ban-row][data-address="${a.v4}"]`);
    await mine.getByRole('button', { name: 'Unblock' }).click();
    await mine.waitFor({ state: 'detached', timeout: 15_000 });
    expect(n.nft('list', 'set', 'inet', 'medic', 'banned4')).not.toContain(a.v4);
    expect(await n.connect(a.v4, server.v4)).toBe('connected');
    expect(await n.connect(b.v4, server.v4)).toBe('connected');
    const lift = (await m.store.listActions({ limit: 10 })).items.find((x) => x.kind === 'unblock');
    expect(lift).toMatchObject({ state: 'applied', params: expect.objectContaining({ address: a.v4 }) });
    const audit = await m.store.listAudit({ limit: 50, subject: lift!.id });
    expect(audit.map((e) => [e.event, e.actor])).toContainEqual(['action.applied', 'alice']);

    // Drift with its diff (the secret masked), and the advisory with its fixed version.
    const drift = page.getByTestId('drift-row').first();
    await drift.waitFor({ timeout: 15_000 });
    expect(await drift.textContent()).toContain('conf/app.yaml');
    await drift.locator('summary').click();
    const diff = (await drift.locator('pre').textContent()) ?? '';
    expect(diff).toContain('+mode: fast');
    expect(diff).not.toContain('swordfish');
    const advisory = page.getByTestId('advisories-row').first();
    await advisory.waitFor({ timeout: 15_000 });
    expect(await advisory.textContent()).toMatch(/tiny-lib 1\.0\.0 .*GHSA-test-tiny-0002.*fixed in 1\.0\.1/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'security.png'), fullPage: true });
  }, 120_000);
});
