import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Action } from '../src/core/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { tempDir, waitFor } from './helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

/** An unsupervised "service" that is healthy while a marker file exists; the playbook's exec creates it. */
async function setup(policy: string, extraStep = ''): Promise<{ dir: string; marker: string }> {
  const dir = await tempDir();
  const marker = path.join(dir, 'marker');
  await writeFile(
    path.join(dir, 'medic.yaml'),
    `services:
  files:
    checks:
      - command: { command: [test, -f, ${JSON.stringify(marker)}] }
        interval: 200ms
        timeout: 150ms
        down_after: 1
playbooks:
  fix-files:
    when: { service: files, kind: down }
    steps:${extraStep}
      - exec: { command: [${JSON.stringify(process.execPath)}, -e, "require('fs').writeFileSync(process.argv[1], 'x')", ${JSON.stringify(marker)}] }
    verify: { within: 5s, stable_for: 200ms }
policy:
${policy}
notifiers: []
store: { dir: ./data }
`,
  );
  return { dir, marker };
}

async function start(dir: string): Promise<Medic> {
  medic = await createMedic({
    configFile: path.join(dir, 'medic.yaml'),
    watch: false,
    verifyPollMs: 100,
    logger: pino({ level: 'silent' }),
  });
  await medic.start();
  return medic;
}

const actionsOf = async (m: Medic) => (await m.store.listActions({ service: 'files' })).items as Action[];

describe('the guard decides how a heal runs', () => {
  it('approve: the heal waits for a human, then runs, verifies and resolves', async () => {
    const { dir, marker } = await setup('  autonomy: approve');
    const m = await start(dir);
    const [waiting] = await waitFor('awaiting approval', async () => {
      const a = await actionsOf(m);
      return a.length > 0 && a.every((x) => x.state === 'awaiting_approval') ? a : null;
    });
    expect(existsSync(marker)).toBe(false);
    await m.engine.approve(waiting!.id, 'alice');
    await waitFor(
      'resolved',
      async () => (await m.store.listIncidents({ state: 'resolved' })).total === 1,
      10_000,
    );
    expect(existsSync(marker)).toBe(true);
    const journal = await m.store.journal(waiting!.id);
    expect(journal.map((j) => j.state)).toEqual(['awaiting_approval', 'planned', 'applied', 'verified']);
    expect(journal[1]!.message).toBe('approved by alice');
    const audit = await m.store.listAudit({ subject: waiting!.id });
    expect(audit.find((e) => e.event === 'action.planned')?.actor).toBe('alice');
    await expect(m.engine.approve(waiting!.id, 'bob')).rejects.toThrow(/is verified, not awaiting_approval/);
  });

  it('reject: the heal is skipped and nothing changes', async () => {
    const { dir, marker } = await setup('  autonomy: approve');
    const m = await start(dir);
    const [waiting] = await waitFor('awaiting approval', async () => {
      const a = await actionsOf(m);
      return a.length > 0 ? a : null;
    });
    await m.engine.reject(waiting!.id, 'alice');
    expect((await m.store.getAction(waiting!.id))?.state).toBe('skipped');
    expect(existsSync(marker)).toBe(false);
  });

  it('dry run and suggest plan and log the steps but change nothing; observe only watches', async () => {
    for (const [policy, verdict] of [
      ['  dry_run: true', 'dry run'],
      ['  autonomy: suggest', 'autonomy is suggest'],
    ] as const) {
      const { dir, marker } = await setup(policy);
      const m = await start(dir);
      const [planned] = await waitFor('planned', async () => {
        const a = await actionsOf(m);
        return a.length > 0 ? a : null;
      });
      expect(planned!.state).toBe('skipped');
      expect(planned!.reason).toContain(verdict);
      expect(planned!.dryRun).toBe(policy.includes('dry_run'));
      await new Promise((r) => setTimeout(r, 500));
      expect(existsSync(marker)).toBe(false);
      await m.stop();
      medic = null;
    }
    const { dir } = await setup('  autonomy: observe');
    const m = await start(dir);
    const incident = await waitFor('incident', async () => (await m.store.listIncidents({})).items[0]);
    await waitFor('guard decision', async () =>
      (await m.store.listAudit({ subject: 'files' })).some((e) => e.event === 'guard.observe'),
    );
    expect(await actionsOf(m)).toHaveLength(0);
    const timeline = await m.store.timeline(incident.id);
    expect(timeline.some((t) => t.message.includes('detect only'))).toBe(true);
  });

  it('an http step sends its configured headers, and the journal keeps only their names', async () => {
    const seen: { method?: string; token?: string }[] = [];
    const server = http.createServer((req, res) => {
      seen.push({ method: req.method, token: req.headers['x-admin-token'] as string });
      res.end('cleared');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const { dir } = await setup(
        '  autonomy: auto',
        `
      - http: { url: "http://127.0.0.1:${port}/admin/clear-cache", headers: { X-Admin-Token: s3cr3t-value } }`,
      );
      const m = await start(dir);
      await waitFor(
        'resolved',
        async () => (await m.store.listIncidents({ state: 'resolved' })).total === 1,
        10_000,
      );
      expect(seen).toEqual([{ method: 'POST', token: 's3cr3t-value' }]);
      const actions = await actionsOf(m);
      const step = actions.find((a) => a.kind === 'http')!;
      expect(step.state).toBe('verified');
      expect(JSON.stringify(step)).not.toContain('s3cr3t-value');
      expect(JSON.stringify(await m.store.listAudit({ limit: 1000 }))).not.toContain('s3cr3t-value');
    } finally {
      server.close();
    }
  });
});
