import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { type Action, ConflictError } from '../src/core/index.js';
import { createMedic, type Medic } from '../src/daemon/index.js';
import { tempDir, waitFor } from './helpers.js';

let medic: Medic | null = null;
afterEach(async () => {
  await medic?.stop();
  medic = null;
});

const NODE = JSON.stringify(process.execPath);
/** A step that appends its name to `runs` (so a step run twice shows) and creates the marker. */
const FIX = (runs: string, marker: string, name = 'fix') =>
  `[${NODE}, -e, "const fs=require('fs'); fs.appendFileSync(process.argv[1], process.argv[3] + '\\\\n'); fs.writeFileSync(process.argv[2], 'x')", ${JSON.stringify(runs)}, ${JSON.stringify(marker)}, ${name}]`;

/** An unsupervised service, healthy while a marker file exists; the playbook's step creates it. */
async function setup(o: { policy?: string; steps?: (runs: string, marker: string) => string } = {}) {
  const dir = await tempDir('medic-approval-');
  const marker = path.join(dir, 'marker');
  const runs = path.join(dir, 'runs');
  const file = path.join(dir, 'medic.yaml');
  const write = (steps: string) =>
    writeFile(
      file,
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
    steps:
${steps}
    verify: { within: 3s, stable_for: 200ms }
policy:
${o.policy ?? '  autonomy: approve'}
notifiers: []
store: { dir: ./data }
`,
    );
  await write(o.steps ? o.steps(runs, marker) : `      - exec: { command: ${FIX(runs, marker)} }`);
  return { dir, marker, runs, file, write };
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
const awaiting = (m: Medic) =>
  waitFor('awaiting approval', async () => {
    const a = await actionsOf(m);
    return a.length > 0 && a.every((x) => x.state === 'awaiting_approval')
      ? [...a].sort((x, y) => x.step - y.step)
      : null;
  });
const ranLines = async (runs: string) =>
  existsSync(runs) ? (await readFile(runs, 'utf8')).trim().split('\n') : [];

describe('approving a heal', () => {
  it('twice at once runs it once: one approval wins, the other is a conflict', async () => {
    const { dir, runs } = await setup();
    const m = await start(dir);
    const [waiting] = await awaiting(m);
    const results = await Promise.allSettled([
      m.engine.approve(waiting!.id, 'alice'),
      m.engine.approve(waiting!.id, 'bob'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(ConflictError);
    await waitFor(
      'resolved',
      async () => (await m.store.listIncidents({ state: 'resolved' })).total === 1,
      10_000,
    );
    await m.engine.idle();
    expect(await ranLines(runs)).toEqual(['fix']);
    expect((await m.store.journal(waiting!.id)).map((j) => j.state)).toEqual([
      'awaiting_approval',
      'planned',
      'applied',
      'verified',
    ]);
  });

  it('racing a rejection: exactly one of them decides the heal', async () => {
    const { dir, runs } = await setup();
    const m = await start(dir);
    const [waiting] = await awaiting(m);
    const results = await Promise.allSettled([
      m.engine.reject(waiting!.id, 'bob'),
      m.engine.approve(waiting!.id, 'alice'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    await m.engine.idle();
    const journal = (await m.store.journal(waiting!.id)).map((j) => j.state);
    expect(journal.filter((s) => s === 'planned' || s === 'skipped')).toHaveLength(1);
    expect((await ranLines(runs)).length).toBeLessThanOrEqual(1);
  });

  it('after the incident resolved: the pending approval was skipped and approving it is a conflict', async () => {
    const { dir, marker, runs } = await setup();
    const m = await start(dir);
    const [waiting] = await awaiting(m);
    await writeFile(marker, 'fixed by hand');
    await waitFor(
      'resolved',
      async () => (await m.store.listIncidents({ state: 'resolved' })).total === 1,
      10_000,
    );
    const skipped = await waitFor('skipped', async () => {
      const a = await m.store.getAction(waiting!.id);
      return a?.state === 'skipped' ? a : null;
    });
    expect(skipped.state).toBe('skipped');
    expect((await m.store.journal(waiting!.id)).at(-1)?.message).toContain('resolved before approval');
    await expect(m.engine.approve(waiting!.id, 'alice')).rejects.toBeInstanceOf(ConflictError);
    expect(await ranLines(runs)).toEqual([]);
  });

  it('honours dry_run: the approved steps are skipped as a dry run, nothing runs', async () => {
    const { dir, runs, marker } = await setup({ policy: '  autonomy: approve\n  dry_run: true' });
    const m = await start(dir);
    const [waiting] = await awaiting(m);
    const out = await m.engine.approve(waiting!.id, 'alice');
    expect(out.map((a) => a.state)).toEqual(['skipped']);
    expect((await m.store.journal(waiting!.id)).at(-1)?.message).toContain('dry run');
    await new Promise((r) => setTimeout(r, 300));
    await m.engine.idle();
    expect(await ranLines(runs)).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it('re-checks the guard: a silence added while it waited refuses it (409, steps skipped)', async () => {
    const { dir, runs } = await setup();
    const m = await start(dir);
    const [waiting] = await awaiting(m);
    await m.engine.createSilence(
      { matchers: [{ name: 'service', op: '=', value: 'files' }], endsAt: Date.now() + 3_600_000 },
      'carol',
    );
    const err = await m.engine.approve(waiting!.id, 'alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(String(err)).toContain('silenced');
    expect((await m.store.getAction(waiting!.id))?.state).toBe('skipped');
    await m.engine.idle();
    expect(await ranLines(runs)).toEqual([]);
  });

  it('after a reload changed the playbook: refused, steps skipped, neither version runs', async () => {
    const { dir, runs, marker, file, write } = await setup({
      steps: (r, mk) =>
        `      - exec: { command: ${FIX(r, mk, 'old-one')} }\n      - exec: { command: ${FIX(r, mk, 'old-two')} }`,
    });
    const m = await start(dir);
    const steps = await awaiting(m);
    expect(steps).toHaveLength(2);
    await write(`      - exec: { command: ${FIX(runs, marker, 'new-one')} }`);
    await m.reload(await loadConfig(file));
    const err = await m.engine.approve(steps[0]!.id, 'alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(String(err)).toContain('playbook changed since this was planned');
    for (const s of steps) {
      expect((await m.store.getAction(s.id))?.state).toBe('skipped');
      expect((await m.store.journal(s.id)).at(-1)?.message).toBe('playbook changed since this was planned');
    }
    await m.engine.idle();
    expect(await ranLines(runs)).toEqual([]);
    // No secrets in the params: the playbook is recorded by a hash only.
    expect(steps[0]!.params['stepsHash']).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('a heal whose step cannot be claimed', () => {
  it('is finished: the rest skipped with the reason, the failure recorded, the incident moved on', async () => {
    const { dir, runs, marker } = await setup({
      policy: '  autonomy: auto',
      steps: (r, mk) =>
        `      - exec: { command: [${NODE}, -e, "0"] }\n      - exec: { command: ${FIX(r, mk)} }`,
    });
    const m = await createMedic({
      configFile: path.join(dir, 'medic.yaml'),
      watch: false,
      verifyPollMs: 100,
      logger: pino({ level: 'silent' }),
    });
    medic = m;
    // The lease is lost once the first step has applied: the second step is someone else's.
    const claim = m.replica.claim.bind(m.replica);
    m.replica.claim = async (id: string) => {
      const a = await m.store.getAction(id);
      if (a?.step === 1) {
        const { items } = await m.store.listActions({ incidentId: a.incidentId ?? undefined });
        const first = items.find((x) => x.params['runId'] === a.params['runId'] && x.step === 0);
        if (first?.state === 'applied') return false;
      }
      return claim(id);
    };
    await m.start();
    const second = await waitFor('second step skipped', async () =>
      (await actionsOf(m)).find((a) => a.step === 1 && a.state === 'skipped'),
    );
    expect((await m.store.journal(second.id)).at(-1)?.message).toContain('could not be claimed');
    await waitFor(
      'failure recorded',
      async () => ((await m.store.getGuardState('files'))?.failedHeals ?? 0) >= 1,
    );
    const first = (await actionsOf(m)).find(
      (a) => a.step === 0 && a.params['runId'] === second.params['runId'],
    );
    expect(first?.state).toBe('applied'); // left to the replica that owns it now, not rolled back here
    const incident = (await m.store.listIncidents({})).items[0];
    expect(incident?.state).not.toBe('remediating');
    expect(await ranLines(runs)).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });
});
