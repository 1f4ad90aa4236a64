/** Contract: incidents, transitions and timelines. */
import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../core/index.js';
import type { Store } from '../store.js';
import { incidentFixture, T0 } from './fixtures.js';

export function incidentsContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('incidents', () => {
    it('creates an incident with its opening transition', async () => {
      const inc = incidentFixture();
      await store.createIncident(inc, 'probe http failed 3 times');
      expect(await store.getIncident('inc_1')).toEqual(inc);
      expect(await store.getIncident('inc_nope')).toBeNull();
      const tl = await store.timeline('inc_1');
      expect(tl).toHaveLength(1);
      expect(tl[0]).toMatchObject({
        incidentId: 'inc_1',
        at: T0,
        kind: 'transition',
        state: 'open',
        message: 'probe http failed 3 times',
      });
    });

    it('transitions atomically with a timeline entry, applying the patch', async () => {
      await store.createIncident(incidentFixture(), 'opened');
      const diagnosing = await store.transitionIncident('inc_1', 'diagnosing', 'diagnose', T0 + 10);
      expect(diagnosing).toMatchObject({ state: 'diagnosing', updatedAt: T0 + 10, resolvedAt: null });
      await store.addTimeline('inc_1', T0 + 15, 'diagnosis', 'process crashed', { confidence: 0.9 });
      const remediating = await store.transitionIncident(
        'inc_1',
        'remediating',
        'playbook restart',
        T0 + 20,
        {
          rootCause: 'process_crashed',
          severity: 'warning',
          title: 'api crashed',
        },
      );
      expect(remediating).toEqual({
        ...incidentFixture(),
        state: 'remediating',
        rootCause: 'process_crashed',
        severity: 'warning',
        title: 'api crashed',
        updatedAt: T0 + 20,
      });
      const resolved = await store.transitionIncident('inc_1', 'resolved', 'verified', T0 + 30);
      expect(resolved).toMatchObject({
        state: 'resolved',
        resolvedAt: T0 + 30,
        rootCause: 'process_crashed',
      });
      expect(await store.getIncident('inc_1')).toEqual(resolved);

      const tl = await store.timeline('inc_1');
      expect(tl.map((e) => [e.kind, e.state, e.message])).toEqual([
        ['transition', 'open', 'opened'],
        ['transition', 'diagnosing', 'diagnose'],
        ['diagnosis', null, 'process crashed'],
        ['transition', 'remediating', 'playbook restart'],
        ['transition', 'resolved', 'verified'],
      ]);
      expect(tl[2]?.data).toEqual({ confidence: 0.9 });
      expect(tl[3]?.data).toMatchObject({ from: 'diagnosing' });
      const ids = tl.map((e) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    });

    it('keeps an explicit resolvedAt', async () => {
      await store.createIncident(incidentFixture(), 'opened');
      const r = await store.transitionIncident('inc_1', 'resolved', 'gone', T0 + 50, {
        resolvedAt: T0 + 40,
      });
      expect(r.resolvedAt).toBe(T0 + 40);
    });

    it('throws NotFoundError for unknown incidents', async () => {
      await expect(store.transitionIncident('inc_x', 'resolved', 'r', T0)).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(store.addTimeline('inc_x', T0, 'note', 'n')).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.timeline('inc_x')).toEqual([]);
    });

    it('lists newest first with filters, pagination and totals', async () => {
      const states = ['open', 'resolved', 'escalated', 'suppressed', 'diagnosing', 'resolved'] as const;
      for (const [i, state] of states.entries()) {
        await store.createIncident(
          incidentFixture({ id: `inc_${i}`, service: i % 2 ? 'db' : 'api', state, openedAt: T0 + i }),
          'opened',
        );
      }
      const all = await store.listIncidents({});
      expect(all.total).toBe(6);
      expect(all.items.map((i) => i.id)).toEqual(['inc_5', 'inc_4', 'inc_3', 'inc_2', 'inc_1', 'inc_0']);

      const page = await store.listIncidents({ limit: 2, offset: 2 });
      expect(page.total).toBe(6);
      expect(page.items.map((i) => i.id)).toEqual(['inc_3', 'inc_2']);

      const active = await store.listIncidents({ state: 'active' });
      expect(active.total).toBe(3);
      expect(active.items.map((i) => i.id)).toEqual(['inc_4', 'inc_2', 'inc_0']);

      const resolved = await store.listIncidents({ state: 'resolved', limit: 1 });
      expect(resolved.total).toBe(2);
      expect(resolved.items.map((i) => i.id)).toEqual(['inc_5']);

      const db = await store.listIncidents({ service: 'db', state: 'active' });
      expect(db).toEqual({ items: [], total: 0 });
      expect((await store.listIncidents({ service: 'api' })).total).toBe(3);
    });

    it('finds the active incident of a service', async () => {
      expect(await store.activeIncident('api')).toBeNull();
      await store.createIncident(incidentFixture({ id: 'inc_a', openedAt: T0 }), 'opened');
      await store.createIncident(incidentFixture({ id: 'inc_b', openedAt: T0 + 10 }), 'opened');
      await store.createIncident(
        incidentFixture({ id: 'inc_c', service: 'db', openedAt: T0 + 20 }),
        'opened',
      );
      expect((await store.activeIncident('api'))?.id).toBe('inc_b');
      await store.transitionIncident('inc_b', 'suppressed', 'maintenance', T0 + 30);
      expect((await store.activeIncident('api'))?.id).toBe('inc_a');
      await store.transitionIncident('inc_a', 'escalated', 'heal failed', T0 + 31);
      expect((await store.activeIncident('api'))?.state).toBe('escalated');
      await store.transitionIncident('inc_a', 'resolved', 'fixed by hand', T0 + 40);
      expect(await store.activeIncident('api')).toBeNull();
      expect((await store.activeIncident('db'))?.id).toBe('inc_c');
    });
  });
}
