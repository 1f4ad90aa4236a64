import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../core/index.js';
import { actionFixture, incidentFixture } from './contract.js';
import { copyStore } from './copy.js';
import type { KyselyStore } from './kysely-store.js';
import { sharedPostgres } from './pg.fixture.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';

const server = sharedPostgres();
const T0 = Date.UTC(2026, 0, 1);
const dirs: string[] = [];
const open: KyselyStore[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function sqliteStore(): Promise<KyselyStore> {
  const dir = await mkdtemp(join(tmpdir(), 'medic-copy-'));
  dirs.push(dir);
  const s = await openSqliteStore({ dir });
  open.push(s);
  return s;
}

async function pgStore(): Promise<KyselyStore> {
  const s = await openPostgresStore({ url: await server().createDatabase() });
  open.push(s);
  return s;
}

/** A small installation with a bit of everything, spread over more rows than one copy batch. */
async function populate(s: KyselyStore): Promise<void> {
  for (let i = 0; i < 7; i++) {
    await s.recordProbe({
      service: i % 2 ? 'db' : 'api',
      check: `c${i % 3}`,
      at: T0 + i,
      result: { ok: i !== 3, latencyMs: i + 0.5, message: `m${i}`, details: { i } },
    });
  }
  await s.createIncident(incidentFixture({ id: 'inc_old' }), 'opened');
  await s.transitionIncident('inc_old', 'resolved', 'fixed', T0 + 10, { rootCause: 'process_crashed' });
  await s.openIncident(incidentFixture({ id: 'inc_new', openedAt: T0 + 20 }), 'down again', 'api');
  await s.addTimeline('inc_new', T0 + 21, 'note', 'looking', { who: 'medic' });
  for (let i = 0; i < 5; i++) {
    await s.insertFinding(
      {
        id: `fnd_${i}`,
        service: 'api',
        check: 'http',
        kind: 'down',
        severity: 'critical',
        score: 0.25 * i,
        summary: `f${i}`,
        evidence: { i, nested: { ok: false } },
        at: T0 + i,
      },
      i < 3 ? 'inc_old' : 'inc_new',
    );
  }
  await s.createAction(actionFixture({ id: 'act_1', incidentId: 'inc_old' }), 'intent');
  await s.updateAction('act_1', 'applied', 'ran', T0 + 5);
  await s.updateAction('act_1', 'verified', 'healthy', T0 + 6);
  await s.createAction(actionFixture({ id: 'act_2', incidentId: 'inc_new', createdAt: T0 + 22 }), 'intent');
  await s.putGuardState({
    service: 'api',
    failedHeals: 2,
    nextAllowedAt: T0 + 60_000,
    escalated: false,
    escalatedAt: null,
    updatedAt: T0,
  });
  await s.recordOutcome({
    incidentId: 'inc_old',
    service: 'api',
    cause: 'process_crashed',
    playbook: 'restart',
    success: true,
    healMs: 1234,
    at: T0 + 10,
  });
  for (let i = 0; i < 8; i++) {
    await s.audit({
      at: T0 + i,
      actor: 'medic',
      event: 'e',
      subject: `s${i % 2}`,
      data: { i, z: [1, { b: 2 }] },
    });
  }
}

/** Everything the Store API can read back, for comparing two stores. */
async function snapshot(s: KyselyStore) {
  const incidents = await s.listIncidents({});
  const actions = await s.listActions({});
  return {
    probes: await s.latestProbes(),
    history: await s.probeHistory('api', 'c0', 0),
    incidents,
    timelines: await Promise.all(incidents.items.map((i) => s.timeline(i.id))),
    findings: await s.listFindings({}),
    actions,
    journals: await Promise.all(actions.items.map((a) => s.journal(a.id))),
    guard: await s.getGuardState('api'),
    outcomes: await s.listOutcomes({}),
    audit: await s.listAudit({}),
    active: await s.activeIncident('api'),
  };
}

describe('copyStore', () => {
  it('moves a SQLite installation to PostgreSQL with its history and audit chain intact', async () => {
    const from = await sqliteStore();
    await populate(from);
    const to = await pgStore();
    const progress: string[] = [];
    const report = await copyStore(from, to, { batchSize: 3, onProgress: (t) => progress.push(t) });

    expect(report.audit).toEqual({ ok: true, entries: 8, brokenAt: null });
    expect(report.rows).toMatchObject({
      probe_results: 7,
      probe_latest: 6,
      incidents: 2,
      findings: 5,
      actions: 2,
      action_journal: 4,
      guard_state: 1,
      outcomes: 1,
      audit_log: 8,
    });
    expect(progress).toContain('audit_log');
    expect(await snapshot(to)).toEqual(await snapshot(from));

    // The copy is a working store: new rows get fresh ids, the chain continues, the dedup key is still held.
    await to.addTimeline('inc_new', T0 + 30, 'note', 'after the move');
    const tl = await to.timeline('inc_new');
    expect(new Set(tl.map((e) => e.id)).size).toBe(tl.length);
    const next = await to.audit({ at: T0 + 99, actor: 'medic', event: 'moved', subject: 'store' });
    expect(next.seq).toBe(9);
    expect(await to.verifyAudit()).toEqual({ ok: true, entries: 9, brokenAt: null });
    const again = await to.openIncident(incidentFixture({ id: 'inc_dup' }), 'down', 'api');
    expect(again).toMatchObject({ created: false, incident: { id: 'inc_new' } });
  });

  it('copies back from PostgreSQL to SQLite', async () => {
    const pg = await pgStore();
    await populate(pg);
    const back = await sqliteStore();
    await copyStore(pg, back);
    expect(await snapshot(back)).toEqual(await snapshot(pg));
  });

  it('refuses a target that already holds data, and leaves it untouched', async () => {
    const from = await sqliteStore();
    await populate(from);
    const to = await pgStore();
    await to.audit({ at: 1, actor: 'someone', event: 'e', subject: 's' });
    await expect(copyStore(from, to)).rejects.toBeInstanceOf(StoreError);
    expect((await to.listAudit({})).map((e) => e.actor)).toEqual(['someone']);
  });
});
