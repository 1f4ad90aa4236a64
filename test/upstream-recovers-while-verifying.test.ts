import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Medic } from '../src/daemon/index.js';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

/**
 * Overlapping faults on a dependent and its upstream: the API's own heal runs while its cache fails, and its
 * settings file breaks during the cache's outage. When the cache is well again the API still fails, for its
 * settings: it is diagnosed again at once, and the heal it was verifying (decided for another trouble) gives
 * way to the settings rollback, whether the cache comes back before that heal is verified, during its
 * verification or after it failed, and again the second time the same happens.
 */
const start = medicPerTest();
const servers = new Map<number, Server>();
afterEach(async () => {
  await Promise.all([...servers.values()].map((s) => new Promise((r) => s.close(r))));
  servers.clear();
});

async function listen(port: number): Promise<void> {
  const s = createServer((c) => c.end());
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()));
  servers.set(port, s);
}
async function close(port: number): Promise<void> {
  const s = servers.get(port);
  servers.delete(port);
  if (s) await new Promise((r) => s.close(r));
}

const GOOD = '{ "ok": true }\n';
const BROKEN = '{ "ok": false }\n';

interface Stack {
  m: Medic;
  settings: string;
  cachePort: number;
  apiPort: number;
}

/** `fixSeconds`: how long fix-api's one step runs; `verifyWithin`: its verification window. */
async function stack(fixSeconds: number, verifyWithin: string): Promise<Stack> {
  const dir = await tempDir('medic-overlap-');
  const [cachePort, apiPort] = [await freePort(), await freePort()];
  const settings = path.join(dir, 'settings.json');
  await writeFile(settings, GOOD);
  await listen(cachePort);
  await listen(apiPort);
  const q = JSON.stringify;
  const m = await start(
    dir,
    `services:
  cache:
    checks:
      - name: port
        tcp: { host: 127.0.0.1, port: ${cachePort} }
        interval: 200ms
        timeout: 200ms
        down_after: 2
  api:
    depends_on: [cache]
    config_files: [${q(settings)}]
    checks:
      - name: health
        tcp: { host: 127.0.0.1, port: ${apiPort} }
        interval: 200ms
        timeout: 200ms
        down_after: 1
      - name: config
        command: { command: [grep, -q, ${q('"ok": true')}, ${q(settings)}] }
        interval: 300ms
        timeout: 300ms
        down_after: 1
playbooks:
  hold-cache:
    when: { service: cache, kind: down }
    steps: [{ exec: { command: ["true"] } }]
    verify: { within: 60s, stable_for: 200ms }
  fix-api:
    when: { service: api, kind: down, labels: { check: health } }
    steps: [{ exec: { command: [sleep, "${fixSeconds}"] }, timeout: 30s }]
    verify: { within: ${verifyWithin}, stable_for: 500ms }
  rollback-api-config:
    when: { service: api, kind: down, labels: { check: config } }
    steps: [{ config_rollback: { path: ${q(settings)} } }]
    verify: { within: 15s, stable_for: 500ms }
correlation: { release_after: 1s }
policy: { known_good_after: 1s, backoff: { initial: 300ms }, max_failed_heals: 5 }
notifiers: []
server: { port: 0 }
store: { dir: ./data }
`,
  );
  await waitFor(
    'both healthy',
    () => m.health.get('cache') === 'healthy' && m.health.get('api') === 'healthy',
  );
  await waitFor('the settings known good', () => m.engine.backups.lastKnownGood(settings), 20_000);
  return { m, settings, cachePort, apiPort };
}

/** What Medic did, printed when `f` fails: the timing this test is about is read from it. */
async function dumpOnFail<T>(m: Medic, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    const lines: string[] = [];
    for (const i of (await m.store.listIncidents({ limit: 50 })).items.reverse()) {
      lines.push(`incident ${i.id} ${i.state} root ${i.rootCause}`);
      for (const e of await m.store.timeline(i.id)) lines.push(`  ${e.at} ${e.kind} ${e.message}`);
    }
    for (const a of (await m.store.listActions({ limit: 100 })).items.reverse()) {
      lines.push(`action ${a.service} ${a.playbook} ${a.state}`);
      for (const j of await m.store.journal(a.id)) lines.push(`  ${j.at} ${j.state} ${j.message}`);
    }
    console.log(lines.join('\n'));
    throw err;
  }
}

type When = 'before' | 'during' | 'after';

/** The actions of the API since `since`, oldest first. */
async function apiActions(m: Medic, since: number) {
  return (await m.store.listActions({ service: 'api', since, limit: 100 })).items.reverse();
}

/**
 * One bad moment: the API fails (fix-api is decided), its cache fails, its settings break; the cache (and
 * the API's own listener) come back `when` (relative to fix-api's verification). Returns when the settings
 * rollback verified, with fix-api's journal times.
 */
async function badMoment(s: Stack, when: When) {
  const { m } = s;
  const since = m.clock.now();
  const fixApi = async () => (await apiActions(m, since)).find((a) => a.playbook === 'fix-api');
  await close(s.apiPort);
  const fix = await waitFor('fix-api decided', fixApi, 10_000, 20);
  if (when !== 'before') {
    await waitFor('fix-api applied', async () => (await fixApi())?.state === 'applied', 10_000, 20);
  }
  await close(s.cachePort);
  await waitFor('the cache down', () => m.health.get('cache') === 'down', 10_000, 20);
  await writeFile(s.settings, BROKEN);
  await waitFor(
    "the API's config check down",
    () => m.health.checks('api').some((c) => c.name === 'config' && c.state === 'down'),
    10_000,
    20,
  );
  if (when === 'before') {
    // Still running its step: the cache is back before the verification begins.
    expect((await fixApi())?.state).toBe('planned');
  }
  if (when === 'after') {
    await waitFor('fix-api failed', async () => (await fixApi())?.state === 'failed', 20_000, 50);
  }
  await listen(s.apiPort);
  await listen(s.cachePort);
  await waitFor('the cache healthy again', () => m.health.get('cache') === 'healthy', 10_000, 20);
  const back = m.clock.now();
  const rollback = await dumpOnFail(m, () =>
    waitFor(
      'the settings rolled back and verified',
      async () =>
        (await apiActions(m, since)).find(
          (a) => a.playbook === 'rollback-api-config' && a.state === 'verified',
        ),
      30_000,
      50,
    ),
  );
  await waitFor('the API healthy', () => m.health.get('api') === 'healthy', 10_000);
  const journal = await m.store.journal(fix.id);
  const at = (state: string) => journal.find((e) => e.state === state)?.at;
  return {
    back,
    rollback,
    applied: at('applied'),
    failed: at('failed'),
    why: journal.find((e) => e.state === 'failed')?.message ?? '',
    actions: (await apiActions(m, since)).map((a) => [a.playbook, a.state]),
  };
}

/** The settings rollback follows the cache's return within seconds, fix-api's window not waited out. */
function expectPromptRollback(r: Awaited<ReturnType<typeof badMoment>>, windowMs: number) {
  expect(r.actions).toEqual([
    ['fix-api', 'failed'],
    ['rollback-api-config', 'verified'],
  ]);
  expect(r.applied).toBeDefined();
  expect(r.failed! - r.applied!).toBeLessThan(windowMs);
  // Decided after the cache's return, within its release_after (1 s), the backoff and a margin for a loaded machine.
  expect(r.rollback.createdAt - r.back).toBeLessThan(6_000);
}

it('the cache comes back while the API heal verifies: its verification is superseded by the settings rollback', async () => {
  const s = await stack(0, '20s');
  const r = await badMoment(s, 'during');
  expectPromptRollback(r, 20_000);
  expect(r.why).toMatch(
    /diagnosed config_changed since, which fix-api does not treat \(rollback-api-config does\)/,
  );
}, 60_000);

it('the cache comes back before the API heal verifies: the verification ends at once', async () => {
  const s = await stack(4, '20s');
  const r = await badMoment(s, 'before');
  expectPromptRollback(r, 20_000);
  expect(r.why).toMatch(/diagnosed config_changed since/);
}, 60_000);

it('the cache comes back after the API heal failed: the retry is the settings rollback', async () => {
  const s = await stack(0, '2s');
  const r = await badMoment(s, 'after');
  expect(r.actions[0]).toEqual(['fix-api', 'failed']);
  expect(r.actions.at(-1)).toEqual(['rollback-api-config', 'verified']);
  // No second fix-api after the cache's return: the fresh look names the settings.
  const afterBack = (await apiActions(s.m, r.back)).filter((a) => a.playbook === 'fix-api');
  expect(afterBack).toEqual([]);
  expect(r.rollback.createdAt - r.back).toBeLessThan(6_000);
}, 60_000);

it('the same twice in a row: each time the settings rollback follows the cache at once', async () => {
  const s = await stack(0, '20s');
  for (let i = 0; i < 2; i++) {
    const r = await badMoment(s, 'during');
    expectPromptRollback(r, 20_000);
    await waitFor(
      'the incident resolved',
      async () => (await s.m.store.listIncidents({ state: 'active' })).items.length === 0,
      15_000,
    );
  }
}, 90_000);
