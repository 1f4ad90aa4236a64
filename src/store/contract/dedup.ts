/** Contract: openIncident, one active incident per de-duplication key. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { incidentFixture, T0 } from './fixtures.js';

export function dedupContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('incident de-duplication', () => {
    it('opens once per active key and returns the holder to later callers', async () => {
      const first = await store.openIncident(incidentFixture({ id: 'inc_a' }), 'api down', 'api');
      expect(first).toEqual({ incident: incidentFixture({ id: 'inc_a' }), created: true });
      const second = await store.openIncident(
        incidentFixture({ id: 'inc_b', openedAt: T0 + 5, title: 'seen by another replica' }),
        'api down',
        'api',
      );
      expect(second).toEqual({ incident: incidentFixture({ id: 'inc_a' }), created: false });
      expect(await store.getIncident('inc_b')).toBeNull();
      expect(await store.timeline('inc_a')).toHaveLength(1);
      // Another key is independent; keyless incidents never collide.
      expect(
        (await store.openIncident(incidentFixture({ id: 'inc_c', service: 'db' }), 'r', 'db')).created,
      ).toBe(true);
      await store.createIncident(incidentFixture({ id: 'inc_d' }), 'manual');
      expect((await store.listIncidents({ state: 'active' })).total).toBe(3);
    });

    it('frees the key when the holder resolves or is suppressed, but not when it escalates', async () => {
      await store.openIncident(incidentFixture({ id: 'inc_a' }), 'down', 'api');
      await store.transitionIncident('inc_a', 'escalated', 'heal failed', T0 + 1);
      const held = await store.openIncident(incidentFixture({ id: 'inc_b' }), 'down', 'api');
      expect(held).toMatchObject({ created: false, incident: { id: 'inc_a', state: 'escalated' } });
      await store.transitionIncident('inc_a', 'resolved', 'fixed', T0 + 2);
      const next = await store.openIncident(
        incidentFixture({ id: 'inc_b', openedAt: T0 + 3 }),
        'again',
        'api',
      );
      expect(next).toMatchObject({ created: true, incident: { id: 'inc_b' } });
      await store.transitionIncident('inc_b', 'suppressed', 'maintenance', T0 + 4);
      expect((await store.openIncident(incidentFixture({ id: 'inc_c' }), 'again', 'api')).created).toBe(true);
    });

    it('opens exactly one incident under concurrent calls', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.openIncident(incidentFixture({ id: `inc_${i}` }), 'down', 'api'),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.incident.id)).size).toBe(1);
      expect((await store.listIncidents({})).total).toBe(1);
    });
  });
}
