import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { sha256 } from '../src/remediate/backup-record.js';
import { DEMO, freePort, tempDir, waitFor } from './helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

/**
 * Issue 8's `bad-config`, end to end with real processes: the demo service (which re-reads its settings file
 * when it changes) under an in-process Medic. Nothing but Medic puts the file back.
 */
describe('config files kept as known good, and rolled back when broken', () => {
  it('rolls a broken settings file back, byte for byte, to the version kept while healthy; the service recovers', async () => {
    const dir = await tempDir('medic-known-good-');
    const port = await freePort();
    const settings = path.join(dir, 'settings.json');
    // Odd but valid formatting: the rollback must put these exact bytes back.
    const first = Buffer.from('{ "greeting": "hi",  "work_iterations": 500, "cache_ttl_s": 60 }\n');
    const second = Buffer.from(
      '{\n\t"greeting": "hello again",\r\n\t"work_iterations": 700,\n\t"cache_ttl_s": 9\n}\n',
    );
    await writeFile(settings, first);
    await writeFile(
      path.join(dir, 'medic.yaml'),
      `services:
  demo:
    run:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(DEMO)}]
      env:
        PORT: "${port}"
        DATA_DIR: ./demo-data
        CONFIG_FILE: ./settings.json
    config_files: [./settings.json]
    checks:
      - name: health
        http: { url: "http://127.0.0.1:${port}/health", status: 200 }
        interval: 500ms
        timeout: 500ms
        down_after: 2
      - name: config
        http: { url: "http://127.0.0.1:${port}/health/config", status: 200 }
        interval: 500ms
        timeout: 500ms
        down_after: 2
playbooks:
  restart-demo:
    when: { service: demo, kind: down, labels: { check: "~health|running" } }
    steps:
      - restart: {}
    verify: { within: 10s, stable_for: 500ms }
  rollback-config:
    when: { service: demo, kind: down, labels: { check: config } }
    steps:
      - config_rollback: { path: ./settings.json }
    verify: { within: 10s, stable_for: 500ms }
policy:
  autonomy: auto
  known_good_after: 2s
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
    await m.start();
    const healthy = () => m.health.get('demo') === 'healthy';
    await waitFor('demo healthy', healthy, 20_000);

    // At start-up with nothing recorded, the first healthy version is kept at once.
    const kept1 = await waitFor('first version kept', () => m.engine.backups.lastKnownGood(settings));
    expect(kept1.hash).toBe(sha256(first));

    // Changed by hand to another valid version and kept through a healthy window: the newer known good.
    await writeFile(settings, second);
    const kept2 = await waitFor(
      'second version kept',
      async () => {
        const r = await m.engine.backups.lastKnownGood(settings);
        return r?.hash === sha256(second) ? r : null;
      },
      10_000,
    );
    expect(kept2.reason).toMatch(/healthy for 2/);
    // Unchanged afterwards: not recorded again.
    await new Promise((r) => setTimeout(r, 4_500));
    expect((await m.engine.backups.list({ path: settings })).filter((r) => r.good)).toHaveLength(2);

    // Broken: the config check fails, Medic rolls it back, the demo re-reads it and recovers.
    const broken = JSON.stringify({ greeting: 'x', work_iterations: -1, cache_ttl_s: 60 });
    const brokenAt = Date.now();
    await writeFile(settings, broken);
    await waitFor('config check failing', () => m.health.get('demo') === 'down', 10_000);
    // The incident the broken file opened (not one a slow probe on a loaded machine may have opened before).
    const incident = await waitFor(
      'incident resolved',
      async () =>
        (await m.store.listIncidents({ service: 'demo', state: 'resolved' })).items.find(
          (i) => i.openedAt >= brokenAt,
        ),
      20_000,
    );
    await m.engine.idle();
    expect(Buffer.compare(await readFile(settings), second)).toBe(0);
    expect(healthy()).toBe(true);
    const res = await fetch(`http://127.0.0.1:${port}/health/config`);
    expect(res.status).toBe(200);

    const actions = (await m.store.listActions({ service: 'demo' })).items;
    expect(actions.map((a) => [a.kind, a.state, a.playbook])).toEqual([
      ['config-rollback', 'verified', 'rollback-config'],
    ]);
    expect(actions[0]?.incidentId).toBe(incident.id);
    // The broken version was backed up before the rollback (not as good), so the rollback can be undone.
    const records = await m.engine.backups.list({ path: settings });
    expect(records.find((r) => r.hash === sha256(broken))).toMatchObject({ good: false });
    expect((await m.engine.backups.lastKnownGood(settings))?.hash).toBe(sha256(second));
  }, 60_000);
});
