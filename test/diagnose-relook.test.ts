import path from 'node:path';
import { expect, it } from 'vitest';
import { freePort, tempDir, waitFor } from './helpers.js';
import { medicPerTest } from './incidents-helpers.js';

const start = medicPerTest();
const SERVICE = path.join(import.meta.dirname, 'diagnose-service.fixture.mjs');

/**
 * The evidence of a cause can come after the failure: the app's health fails at once (404: no rule reads a
 * cause in that), and the lines that say why (its partner API answering 429) only seconds later. The first look names no cause, so the heal is
 * the finding's (a restart); when that heal fails, Medic looks again before retrying, finds the cause, and the
 * retry is the cause's playbook.
 */
it('a heal that failed on no known cause is followed by a second look, whose cause picks the retry', async () => {
  const dir = await tempDir();
  const port = await freePort();
  const m = await start(
    dir,
    `services:
  app:
    run:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(SERVICE)}]
      env: { MODE: ratelimit, PORT: "${port}", AFTER_MS: "300", LINES_AFTER_MS: "4000", FAIL_STATUS: "404" }
      stop_timeout: 2s
    checks:
      - name: health
        http: { url: "http://127.0.0.1:${port}/health" }
        interval: 300ms
        timeout: 300ms
        down_after: 2
playbooks:
  restart-app:
    when: { service: app, kind: down }
    steps: [{ restart: {}, timeout: 10s }]
    verify: { within: 6s, stable_for: 500ms }
  slow-down-partner:
    when: { service: app, kind: down, cause: rate_limited }
    steps: [{ exec: { command: ["true"] } }]
    verify: { within: 2s }
policy:
  backoff: { initial: 1s, factor: 2, max: 4s }
  max_failed_heals: 5
  rate_limit: { max_actions: 100, window: 1h }
notifiers: []
server: { port: 0 }
store: { dir: ./data }
`,
  );
  const diagnoses = async () => {
    const out: { at: number; cause: string }[] = [];
    for (const i of (await m.store.listIncidents({})).items) {
      for (const e of await m.store.timeline(i.id)) {
        if (e.kind === 'diagnosis') out.push({ at: e.at, cause: String(e.data['cause']) });
      }
    }
    return out.sort((a, b) => a.at - b.at);
  };
  const actions = async () => (await m.store.listActions({ limit: 50 })).items.filter((a) => !a.dryRun);
  await waitFor(
    "the cause's playbook run",
    async () => (await actions()).some((a) => a.playbook === 'slow-down-partner'),
    40_000,
  ).catch(async (err) => {
    for (const i of (await m.store.listIncidents({})).items)
      for (const e of await m.store.timeline(i.id)) console.log('TL', e.at, e.kind, e.message.slice(0, 160));
    throw err;
  });
  const seen = await diagnoses();
  // The first look named nothing and the restart it led to failed; the look after it named the cause.
  expect(seen[0]?.cause).toBe('unknown');
  const named = seen.find((d) => d.cause === 'rate_limited');
  expect(named).toBeDefined();
  // One restart, then the cause's playbook: the look again came between the failed heal and its retry (the
  // restarted process's own findings would have led to a second restart first).
  const ran = (await actions()).sort((a, b) => a.createdAt - b.createdAt).map((a) => a.playbook);
  expect(ran.slice(0, 2)).toEqual(['restart-app', 'slow-down-partner']);
  const restart = (await actions()).find((a) => a.playbook === 'restart-app');
  expect(named!.at).toBeGreaterThan(restart!.createdAt);
}, 60_000);
