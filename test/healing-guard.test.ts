import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/server.js';
import { type Action, SimulatedClock } from '../src/core/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import type { BackupRecord } from '../src/remediate/index.js';
import { advanceSettled, tempDir, waitFor } from './helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

const NODE = JSON.stringify(process.execPath);
const CREATE_MARKER = (marker: string) =>
  `[${NODE}, -e, "require('fs').writeFileSync(process.argv[1], 'x')", ${JSON.stringify(marker)}]`;

/**
 * An unsupervised service that is healthy while a marker file exists (a real `test -f` per check), with
 * the steps given; the default step creates the marker, so it heals.
 */
async function setup(o: { steps?: string; policy?: string; interval?: string } = {}) {
  const dir = await tempDir('medic-healing-');
  const marker = path.join(dir, 'marker');
  await writeFile(
    path.join(dir, 'medic.yaml'),
    `services:
  files:
    checks:
      - command: { command: [test, -f, ${JSON.stringify(marker)}] }
        interval: ${o.interval ?? '200ms'}
        timeout: 150ms
        down_after: 1
playbooks:
  fix-files:
    when: { service: files, kind: down }
    steps:
${o.steps ?? `      - exec: { command: ${CREATE_MARKER(marker)} }`}
    verify: { within: 1500ms, stable_for: 200ms }
policy:
${o.policy ?? '  autonomy: auto'}
notifiers: []
store: { dir: ./data }
`,
  );
  return { dir, marker };
}

async function start(dir: string, clock?: SimulatedClock): Promise<Medic> {
  medic = await createMedic({
    configFile: path.join(dir, 'medic.yaml'),
    watch: false,
    verifyPollMs: 100,
    logger: pino({ level: 'silent' }),
    ...(clock ? { clock } : {}),
  });
  await medic.start();
  return medic;
}

const actionsOf = async (m: Medic) => (await m.store.listActions({ service: 'files' })).items as Action[];
const guardEvents = async (m: Medic) =>
  (await m.store.listAudit({ subject: 'files', limit: 1000 })).filter((e) => e.event.startsWith('guard.'));
const incidentState = async (m: Medic) => (await m.store.listIncidents({ service: 'files' })).items[0]?.state;

describe('healing: files, bounds and rollback', () => {
  it('refuses a file step whose value is out of bounds, before anything is journaled or changed', async () => {
    const { dir } = await setup({
      steps: `      - file: { path: app.yaml, key: server.timeout, value: 5, min: 0.8, max: 1.2 }`,
    });
    const original = '# the app\nserver:\n  timeout: 1.0 # seconds\n';
    await writeFile(path.join(dir, 'app.yaml'), original);
    const m = await start(dir);
    const refused = await waitFor('plan refused', async () =>
      (await m.store.listAudit({ subject: 'files' })).find((e) => e.event === 'plan.refused'),
    );
    expect(String(refused.data['reason'])).toMatch(/refused at planning: .*5/);
    await waitFor('escalated', async () => (await incidentState(m)) === 'escalated');
    expect(await actionsOf(m)).toHaveLength(0);
    expect(await guardEvents(m)).toHaveLength(0);
    expect(await readFile(path.join(dir, 'app.yaml'), 'utf8')).toBe(original);
    expect(await m.engine.backups.list()).toHaveLength(0);
  });

  it('rolls back an in-bounds change that does not heal, byte for byte, and escalates', async () => {
    const { dir } = await setup({
      steps: `      - file: { path: app.yaml, key: server.timeout, value: 1.2, min: 0.8, max: 1.2 }`,
      policy: '  max_failed_heals: 1',
    });
    const file = path.join(dir, 'app.yaml');
    const original = Buffer.from('# the app\nserver:\n  timeout: 1.0   # seconds, "tuned"\n  name: x\r\n');
    await writeFile(file, original);
    const m = await start(dir);
    await waitFor('escalated', async () => (await incidentState(m)) === 'escalated', 15_000);
    await m.engine.idle();
    expect(Buffer.compare(await readFile(file), original)).toBe(0);

    const [step] = await actionsOf(m);
    expect(step).toMatchObject({ kind: 'file', state: 'rolled_back' });
    const journal = await m.store.journal(step!.id);
    expect(journal.map((j) => j.state)).toEqual(['planned', 'backed_up', 'applied', 'rolled_back']);
    expect(journal[3]!.message).toMatch(/still down after .*rolled back: restored/);
    const [outcome] = await m.store.listOutcomes({ service: 'files' });
    expect(outcome).toMatchObject({ playbook: 'fix-files', success: false, cause: 'unknown' });
    expect((await m.store.verifyAudit()).ok).toBe(true);

    // The backup is listed over the API with its metadata, and rolling back to it is one call.
    const api = buildApi(m, { webRoot: null });
    try {
      const list = (await api.app.inject({ url: '/api/backups' })).json() as { items: BackupRecord[] };
      expect(list.items).toHaveLength(1);
      expect(list.items[0]).toMatchObject({ path: file, actionId: step!.id, confidence: 1, good: false });
      await writeFile(file, 'changed by hand\n');
      const res = await api.app.inject({ method: 'POST', url: `/api/backups/${list.items[0]!.id}/rollback` });
      expect(res.statusCode).toBe(200);
      expect(Buffer.compare(await readFile(file), original)).toBe(0);
      const after = (await api.app.inject({ url: '/api/backups' })).json() as { items: BackupRecord[] };
      expect(after.items).toHaveLength(2); // what the rollback replaced is kept too
      const audit = await m.store.listAudit({ subject: list.items[0]!.id });
      expect(audit.map((e) => e.event)).toContain('backup.restored');
    } finally {
      api.close();
      await api.app.close();
    }
  });
});

describe('healing: the guard rails end to end', () => {
  it('the stop switch blocks a heal and resume lets it run', async () => {
    const { dir, marker } = await setup();
    await writeFile(marker, 'x');
    const m = await start(dir);
    await waitFor('healthy', () => m.health.get('files') === 'healthy');
    await m.engine.stopHealing('alice', 'change freeze');
    await import('node:fs/promises').then((fs) => fs.rm(marker));
    const denied = await waitFor('stop switch denial', async () =>
      (await guardEvents(m)).find((e) => e.event === 'guard.deny'),
    );
    expect(denied.data).toMatchObject({ rail: 'stop_switch' });
    expect(String(denied.data['reason'])).toContain('healing is stopped by alice (change freeze)');
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(marker)).toBe(false);
    expect(await actionsOf(m)).toHaveLength(0);

    await m.engine.resumeHealing('alice', 'freeze over');
    await waitFor('resolved', async () => (await incidentState(m)) === 'resolved', 10_000);
    expect(existsSync(marker)).toBe(true);
    const events = (await m.store.listAudit({ subject: 'healing' })).map((e) => e.event);
    expect(events.sort()).toEqual(['healing.resumed', 'healing.stopped']);
  });

  it('a silence suppresses a matching heal until it expires (simulated time)', async () => {
    const { dir, marker } = await setup({ interval: '10s' });
    const clock = new SimulatedClock();
    const m = await start(dir, clock);
    const silence = await m.engine.createSilence(
      {
        matchers: [
          { name: 'service', op: '=', value: 'files' },
          { name: 'kind', op: '=~', value: 'down|degraded' },
        ],
        endsAt: clock.now() + 10 * 60_000,
        comment: 'planned work',
      },
      'bob',
    );
    // Simulated time stands still while a check runs (a real `test -f`): its 150 ms timeout is simulated, and a
    // spawn slowed by a loaded machine must not outlast it in 100-ms steps of a few real milliseconds.
    const checking = () => m.scheduler.stats().inFlight > 0;
    const advance = (ms: number, step = 1000) => advanceSettled(clock, ms, step, checking);
    // A silence that does not match changes nothing; this one matches.
    await m.engine.createSilence(
      { matchers: [{ name: 'service', op: '=', value: 'other' }], endsAt: clock.now() + 3_600_000 },
      'bob',
    );
    await advance(5 * 60_000, 5000);
    const denied = (await guardEvents(m)).find((e) => e.event === 'guard.deny');
    expect(denied?.data).toMatchObject({ rail: 'silence' });
    expect(String(denied?.data['reason'])).toContain(silence.id);
    expect(existsSync(marker)).toBe(false);
    expect(await actionsOf(m)).toHaveLength(0);

    await advance(6 * 60_000, 5000);
    // Verification polls on the simulated clock: keep it moving until the heal is judged.
    for (let i = 0; i < 400 && (await incidentState(m)) !== 'resolved'; i++) await advance(100, 100);
    expect(await incidentState(m)).toBe('resolved');
    expect(existsSync(marker)).toBe(true);
    const runs = (await guardEvents(m)).filter((e) => e.event === 'guard.run');
    expect(runs.length).toBeGreaterThan(0);
    // Nothing ran while the silence held (a run may repeat if a slow check outlasts simulated verification).
    for (const r of runs) expect(r.at).toBeGreaterThanOrEqual(silence.endsAt);
  });

  it('the learner lowers confidence after failures, so the guard asks a human', async () => {
    const { dir, marker } = await setup();
    await writeFile(marker, 'x');
    const m = await start(dir);
    await waitFor('healthy', () => m.health.get('files') === 'healthy');
    const now = Date.now();
    for (let i = 0; i < 5; i++) {
      await m.store.recordOutcome({
        incidentId: null,
        service: 'files',
        cause: 'unknown',
        playbook: 'fix-files',
        success: false,
        healMs: null,
        at: now - i * 60_000,
      });
    }
    await import('node:fs/promises').then((fs) => fs.rm(marker));
    const asked = await waitFor('guard asks', async () =>
      (await guardEvents(m)).find((e) => e.event === 'guard.ask'),
    );
    expect(asked.data).toMatchObject({ rail: 'confidence' });
    expect(Number(asked.data['confidence'])).toBeCloseTo(12 / 17, 2);
    expect(String(asked.data['reason'])).toMatch(
      /0 of 5 past incidents healed by it.*below the threshold 0.85/,
    );
    const waiting = await actionsOf(m);
    expect(waiting.map((a) => a.state)).toEqual(['awaiting_approval']);
    expect(existsSync(marker)).toBe(false);

    const api = buildApi(m, { webRoot: null });
    try {
      const learning = (await api.app.inject({ url: '/api/learning' })).json() as {
        groups: { cause: string; playbook: string; attempts: number; learnedConfidence: number }[];
      };
      expect(learning.groups[0]).toMatchObject({ cause: 'unknown', playbook: 'fix-files', attempts: 5 });
      expect(learning.groups[0]!.learnedConfidence).toBeLessThan(0.85);
    } finally {
      api.close();
      await api.app.close();
    }
    // A human approves: it runs, heals, and the success is learned.
    await m.engine.approve(waiting[0]!.id, 'alice');
    await waitFor('resolved', async () => (await incidentState(m)) === 'resolved', 10_000);
    const outcomes = await m.store.listOutcomesBy({ playbook: 'fix-files' });
    expect(outcomes[0]).toMatchObject({ success: true });
  });
});
