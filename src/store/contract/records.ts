/** Contract: migrations, probes, findings, guard state and outcomes. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { probe, T0 } from './fixtures.js';

export function recordsContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  it('migrate() is idempotent', async () => {
    await store.migrate();
    await store.migrate();
    expect(await store.listIncidents({})).toEqual({ items: [], total: 0 });
  });

  describe('probes', () => {
    it('keeps the newest result per (service, check), even when written out of order', async () => {
      await store.recordProbe({ service: 'api', check: 'http', at: T0, result: probe(true, 'ok') });
      await store.recordProbe({
        service: 'api',
        check: 'http',
        at: T0 + 2000,
        result: probe(false, 'slow', { degraded: true, details: { status: 200, ms: 900 } }),
      });
      await store.recordProbe({
        service: 'api',
        check: 'http',
        at: T0 + 1000,
        result: probe(false, 'late'),
      });
      await store.recordProbe({ service: 'api', check: 'tcp', at: T0, result: probe(true, 'open') });
      await store.recordProbe({ service: 'db', check: 'tcp', at: T0 + 5, result: probe(false, 'refused') });

      const latest = await store.latestProbes();
      expect(latest).toHaveLength(3);
      const byKey = new Map(latest.map((p) => [`${p.service}/${p.check}`, p]));
      expect(byKey.get('api/http')).toEqual({
        service: 'api',
        check: 'http',
        at: T0 + 2000,
        result: {
          ok: false,
          degraded: true,
          latencyMs: 12.5,
          message: 'slow',
          details: { status: 200, ms: 900 },
        },
      });
      expect(byKey.get('api/tcp')?.result).toEqual({ ok: true, latencyMs: 12.5, message: 'open' });
      expect(byKey.get('db/tcp')?.at).toBe(T0 + 5);
    });

    it('writes a batch in one call, keeping the newest result per check of the batch', async () => {
      const batch = Array.from({ length: 1200 }, (_, i) => ({
        service: `svc-${i % 7}`,
        check: 'http',
        at: T0 + i,
        result: probe(i % 2 === 0, `run ${i}`),
      }));
      await store.recordProbes(batch.slice().reverse());
      await store.recordProbes([]);
      const latest = await store.latestProbes();
      expect(latest).toHaveLength(7);
      for (const p of latest) {
        const newest = batch.filter((b) => b.service === p.service).at(-1)!;
        expect(p.at).toBe(newest.at);
        expect(p.result.message).toBe(newest.result.message);
      }
      expect(await store.probeHistory('svc-0', 'http', 0)).toHaveLength(Math.ceil(1200 / 7));
    });

    it('returns history since a time, oldest first, the newest `limit` of them', async () => {
      for (let i = 0; i < 10; i++) {
        await store.recordProbe({
          service: 'api',
          check: 'http',
          at: T0 + i * 1000,
          result: probe(true, `r${i}`),
        });
      }
      await store.recordProbe({
        service: 'api',
        check: 'tcp',
        at: T0 + 5000,
        result: probe(true, 'other'),
      });

      const since = await store.probeHistory('api', 'http', T0 + 3000);
      expect(since.map((p) => p.result.message)).toEqual(['r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
      const last3 = await store.probeHistory('api', 'http', T0, 3);
      expect(last3.map((p) => p.at)).toEqual([T0 + 7000, T0 + 8000, T0 + 9000]);
      expect(await store.probeHistory('api', 'http', T0 + 60_000)).toEqual([]);
    });
  });

  describe('findings', () => {
    it('lists newest first, filtered by service and incident, paginated', async () => {
      for (let i = 0; i < 5; i++) {
        await store.insertFinding(
          {
            id: `fnd_${i}`,
            service: i < 3 ? 'api' : 'db',
            check: 'http',
            kind: 'down',
            severity: 'critical',
            score: 0.9,
            summary: `finding ${i}`,
            evidence: { samples: [i, i + 1], nested: { a: 1 } },
            at: T0 + i,
          },
          i % 2 === 0 ? 'inc_1' : null,
        );
      }
      const all = await store.listFindings({});
      expect(all.map((f) => f.id)).toEqual(['fnd_4', 'fnd_3', 'fnd_2', 'fnd_1', 'fnd_0']);
      expect(all[0]?.evidence).toEqual({ samples: [4, 5], nested: { a: 1 } });
      expect((await store.listFindings({ service: 'api' })).map((f) => f.id)).toEqual([
        'fnd_2',
        'fnd_1',
        'fnd_0',
      ]);
      expect((await store.listFindings({ incidentId: 'inc_1' })).map((f) => f.id)).toEqual([
        'fnd_4',
        'fnd_2',
        'fnd_0',
      ]);
      expect((await store.listFindings({ limit: 2, offset: 1 })).map((f) => f.id)).toEqual([
        'fnd_3',
        'fnd_2',
      ]);
      expect((await store.listFindings({ offset: 3 })).map((f) => f.id)).toEqual(['fnd_1', 'fnd_0']);
    });
  });

  describe('guard state', () => {
    it('stores and replaces the state per service', async () => {
      expect(await store.getGuardState('api')).toBeNull();
      const s = {
        service: 'api',
        failedHeals: 1,
        nextAllowedAt: T0 + 60_000,
        escalated: false,
        escalatedAt: null,
        updatedAt: T0,
      };
      await store.putGuardState(s);
      expect(await store.getGuardState('api')).toEqual(s);
      const s2 = { ...s, failedHeals: 3, escalated: true, escalatedAt: T0 + 5, updatedAt: T0 + 5 };
      await store.putGuardState(s2);
      expect(await store.getGuardState('api')).toEqual(s2);
      expect(await store.getGuardState('db')).toBeNull();
    });
  });

  describe('outcomes', () => {
    it('lists newest first, filtered and paginated', async () => {
      for (let i = 0; i < 4; i++) {
        await store.recordOutcome({
          incidentId: i === 0 ? null : `inc_${i}`,
          service: i % 2 ? 'db' : 'api',
          cause: 'process_crashed',
          playbook: 'restart',
          success: i !== 2,
          healMs: i === 3 ? null : 1000 * i,
          at: T0 + i,
        });
      }
      const all = await store.listOutcomes({});
      expect(all.map((o) => o.at)).toEqual([T0 + 3, T0 + 2, T0 + 1, T0]);
      expect(all[0]).toEqual({
        incidentId: 'inc_3',
        service: 'db',
        cause: 'process_crashed',
        playbook: 'restart',
        success: true,
        healMs: null,
        at: T0 + 3,
      });
      expect(all[1]?.success).toBe(false);
      expect((await store.listOutcomes({ service: 'api' })).map((o) => o.at)).toEqual([T0 + 2, T0]);
      expect((await store.listOutcomes({ limit: 1, offset: 3 }))[0]?.incidentId).toBeNull();
    });
  });
}
