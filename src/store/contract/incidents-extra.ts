/** Contract: what correlation needs of incidents (membership, root moves, merges, time filters). */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../core/index.js';
import { NotFoundError } from '../../core/index.js';
import type { Store } from '../store.js';
import { incidentFixture, T0 } from './fixtures.js';

function finding(id: string, service: string, at = T0): Finding {
  return {
    id,
    service,
    check: 'http',
    kind: 'down',
    severity: 'critical',
    score: 1,
    summary: `${service} down`,
    evidence: {},
    at,
  };
}

export function incidentsExtraContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('incidents: correlation', () => {
    it('finds the active incident a service is attached to through its findings', async () => {
      await store.createIncident(incidentFixture({ id: 'inc_db', service: 'db' }), 'opened');
      await store.insertFinding(finding('f1', 'db'), 'inc_db');
      await store.insertFinding(finding('f2', 'api', T0 + 5), 'inc_db');
      expect((await store.activeIncident('api'))?.id).toBe('inc_db');
      expect(await store.incidentServices('inc_db')).toEqual(['api', 'db']);
      expect(await store.activeIncident('web')).toBeNull();
      await store.transitionIncident('inc_db', 'resolved', 'all healthy', T0 + 10);
      expect(await store.activeIncident('api')).toBeNull();
    });

    it('updates fields without a transition, with a note', async () => {
      await store.createIncident(incidentFixture({ id: 'inc_1', service: 'api' }), 'opened');
      const next = await store.updateIncident(
        'inc_1',
        { service: 'db', rootCause: 'db' },
        T0 + 7,
        'root cause is db',
      );
      expect(next).toMatchObject({ service: 'db', rootCause: 'db', state: 'open', updatedAt: T0 + 7 });
      expect(await store.getIncident('inc_1')).toEqual(next);
      const tl = await store.timeline('inc_1');
      expect(tl.map((e) => [e.kind, e.state, e.message])).toEqual([
        ['transition', 'open', 'opened'],
        ['note', null, 'root cause is db'],
      ]);
      expect(tl[1]?.data).toEqual({
        service: { from: 'api', to: 'db' },
        rootCause: { from: null, to: 'db' },
      });
      await expect(store.updateIncident('inc_x', {}, T0, 'x')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('moves findings from one incident to another', async () => {
      await store.createIncident(incidentFixture({ id: 'inc_a', service: 'db' }), 'opened');
      await store.createIncident(incidentFixture({ id: 'inc_b', service: 'api' }), 'opened');
      await store.insertFinding(finding('f1', 'db'), 'inc_a');
      await store.insertFinding(finding('f2', 'api'), 'inc_b');
      await store.insertFinding(finding('f3', 'api', T0 + 1), 'inc_b');
      expect(await store.moveFindings('inc_b', 'inc_a')).toBe(2);
      expect((await store.listFindings({ incidentId: 'inc_a' })).map((f) => f.id).sort()).toEqual([
        'f1',
        'f2',
        'f3',
      ]);
      expect(await store.moveFindings('inc_b', 'inc_a')).toBe(0);
    });

    it('lists incidents overlapping a time range', async () => {
      await store.createIncident(incidentFixture({ id: 'old', openedAt: T0 }), 'opened');
      await store.transitionIncident('old', 'resolved', 'ok', T0 + 10);
      await store.createIncident(incidentFixture({ id: 'mid', openedAt: T0 + 50 }), 'opened');
      await store.transitionIncident('mid', 'resolved', 'ok', T0 + 120);
      await store.createIncident(incidentFixture({ id: 'open', openedAt: T0 + 80 }), 'opened');
      await store.createIncident(incidentFixture({ id: 'late', openedAt: T0 + 500 }), 'opened');
      const ids = async (since?: number, until?: number) =>
        (await store.listIncidents({ since, until })).items.map((i) => i.id);
      expect(await ids(T0 + 100, T0 + 200)).toEqual(['open', 'mid']);
      expect(await ids(T0 + 5)).toEqual(['late', 'open', 'mid', 'old']);
      expect(await ids(undefined, T0 + 60)).toEqual(['mid', 'old']);
    });
  });
}
