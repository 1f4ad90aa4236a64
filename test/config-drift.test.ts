import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/core/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { tempDir, waitFor } from './helpers.js';

let medic: Medic | null = null;
afterAll(async () => {
  await medic?.stop();
});

const APP = 'mode: slow\nworkers: 4\npassword: hunter2\nlisten: 127.0.0.1:8080\n';
const ENV = 'LOG_LEVEL=info\nAPI_TOKEN=abcdef0123456789\n';

/**
 * Issue 18's drift Done-when, on a real daemon over a temp directory: a watched file edited by hand is a
 * `drift` finding with its diff (secrets masked) within 5 s; with `correct: true` a playbook puts the known
 * good version back through the guard and the journal, verified; the same edit made by Medic's own `file`
 * step is no drift, and becomes the known good version once verified; with `correct: false` the drift is
 * reported and left for a human, and the hold ends when the file is put back.
 */
describe('configuration drift', () => {
  it('reports a hand edit with its diff, restores it, and tells it from a change Medic made', async () => {
    const dir = await tempDir('medic-drift-');
    await mkdir(path.join(dir, 'conf'));
    const app = path.join(dir, 'conf/app.yaml');
    const env = path.join(dir, 'conf/app.env');
    const flag = path.join(dir, 'tune-now');
    await writeFile(app, APP);
    await writeFile(env, ENV);
    await writeFile(
      path.join(dir, 'medic.yaml'),
      `services:
  app:
    checks:
      # Down while ./tune-now exists: the test's way to have Medic's own file step run.
      - name: tune
        command: { command: [test, "!", -e, tune-now] }
        interval: 200ms
        timeout: 200ms
        down_after: 1
drift:
  check_every: 30s
  files:
    - { path: conf/app.yaml, service: app, correct: true }
    - { path: conf/app.env, service: app }
playbooks:
  restore-drift:
    when: { service: app, kind: drift, labels: { correct: "true" } }
    steps:
      - config_rollback: { path: "{{ finding.labels.file }}" }
    verify: { within: 10s, stable_for: 300ms }
  tune:
    when: { service: app, kind: down, labels: { check: tune } }
    steps:
      - file: { path: conf/app.yaml, key: mode, value: fast, allowed: [slow, fast] }
      - exec: { command: [rm, -f, tune-now] }
    verify: { within: 10s, stable_for: 300ms }
policy: { autonomy: auto, rate_limit: { max_actions: 100, window: 1h }, backoff: { initial: 100ms, factor: 1, max: 100ms } }
notifiers: []
store: { dir: ./data }
`,
    );
    const m = await createMedic({
      configFile: path.join(dir, 'medic.yaml'),
      watch: false,
      verifyPollMs: 100,
      logger: pino({ level: 'silent' }),
    });
    medic = m;
    const findings: Finding[] = [];
    m.bus.on('finding', (f) => findings.push(f));
    await m.start();
    await waitFor('app healthy', () => m.health.get('app') === 'healthy', 10_000);
    // Both files recorded as intended on first sight.
    await waitFor('known good recorded', async () =>
      (await Promise.all([app, env].map((f) => m.engine.backups.lastKnownGood(f)))).every((r) => r !== null),
    );
    const drifts = (file: string) =>
      findings.filter((f) => f.kind === 'drift' && f.check === `drift:conf/${file}`);

    // 1. A hand edit of the corrected file: reported with its diff, secrets masked, within 5 s.
    const edited = APP.replace('mode: slow', 'mode: fast').replace('hunter2', 'swordfish');
    const t0 = Date.now();
    await writeFile(app, edited);
    const drift = (await waitFor('drift of app.yaml', () => drifts('app.yaml')[0], 10_000, 20))!;
    const detectMs = Date.now() - t0;
    expect(detectMs).toBeLessThan(5_000);
    console.log(`drift detected in ${detectMs} ms`);
    const diff = String(drift.evidence['diff']);
    expect(diff).toContain('-mode: slow');
    expect(diff).toContain('+mode: fast');
    expect(diff).toMatch(/^-password: \*\*\*$/m);
    expect(diff).toMatch(/^\+password: \*\*\*$/m);
    expect(JSON.stringify(drift)).not.toMatch(/hunter2|swordfish/);
    expect(drift.summary).toMatch(/app\.yaml drifted .*\(\+2 −2 lines\)/);

    // …and put back by the playbook: journaled, backed up, verified; the incident resolves.
    await waitFor('app.yaml restored', async () => (await readFile(app, 'utf8')) === APP, 10_000);
    const restore = await waitFor(
      'config-rollback verified',
      async () =>
        (await m.store.listActions({ limit: 20 })).items.find(
          (a) => a.kind === 'config-rollback' && a.state === 'verified',
        ),
      10_000,
    );
    const journal = await m.store.journal(restore.id);
    expect(journal.map((j) => j.state)).toEqual(
      expect.arrayContaining(['planned', 'backed_up', 'applied', 'verified']),
    );
    // The drifted version was backed up before the restore (it can be looked at, or put back by a human).
    const saved = (await m.engine.backups.list({ path: app })).find(
      (r) => r.actionId === restore.id && !r.good,
    );
    expect((await m.engine.backups.content(saved!))?.toString()).toBe(edited);
    await waitFor('incident resolved', async () => (await m.store.activeIncident('app')) === null, 10_000);
    await waitFor('app healthy again', () => m.health.get('app') === 'healthy', 10_000);
    expect(drifts('app.yaml')).toHaveLength(1);

    // 2. The same change made by Medic's own file step is not drift: kept, and known good once verified.
    const before = findings.length;
    await writeFile(flag, '');
    const tuned = await waitFor(
      'tune verified',
      async () =>
        (await m.store.listActions({ limit: 20 })).items.find(
          (a) => a.kind === 'file' && a.state === 'verified',
        ),
      15_000,
    );
    expect(tuned.playbook).toBe('tune');
    expect(await readFile(app, 'utf8')).toBe(APP.replace('mode: slow', 'mode: fast'));
    await waitFor('the new version known good', async () => {
      const good = await m.engine.backups.lastKnownGood(app);
      return good && (await m.engine.backups.content(good))?.toString().includes('mode: fast');
    });
    await new Promise((r) => setTimeout(r, 1_500)); // a drift would have been seen by now
    expect(findings.slice(before).filter((f) => f.kind === 'drift')).toEqual([]);
    expect(await readFile(app, 'utf8')).toContain('mode: fast');
    await waitFor('incident resolved', async () => (await m.store.activeIncident('app')) === null, 10_000);

    // 3. A mode change is drift too, and is put back with the content's mode.
    await chmod(app, 0o666);
    const modeDrift = await waitFor('mode drift', () => drifts('app.yaml')[1], 10_000, 20);
    expect(modeDrift.evidence['changes']).toEqual(['its mode changed from 0644 to 0666']);
    await waitFor('mode put back', async () => ((await stat(app)).mode & 0o777) === 0o644, 10_000);
    await waitFor('incident resolved', async () => (await m.store.activeIncident('app')) === null, 10_000);

    // 4. With correct: false the drift is reported and left alone: the service is held degraded until the
    // file is put back (here by a human), then the incident resolves.
    await writeFile(env, ENV.replace('info', 'debug'));
    const envDrift = await waitFor('drift of app.env', () => drifts('app.env')[0], 10_000, 20);
    expect(envDrift.evidence['diff']).toContain('+LOG_LEVEL=debug');
    expect(String(envDrift.evidence['diff'])).not.toContain('abcdef0123456789');
    await waitFor('app held degraded', () => m.health.get('app') === 'degraded', 5_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await readFile(env, 'utf8')).toBe(ENV.replace('info', 'debug'));
    const rollbacks = (await m.store.listActions({ limit: 50 })).items.filter(
      (a) => a.kind === 'config-rollback',
    );
    expect(rollbacks.every((a) => a.params['path'] !== env)).toBe(true);
    await writeFile(env, ENV);
    await waitFor('app healthy after the hand fix', () => m.health.get('app') === 'healthy', 10_000);
    await waitFor('incident resolved', async () => (await m.store.activeIncident('app')) === null, 10_000);
    await rm(flag, { force: true });
  });
});
