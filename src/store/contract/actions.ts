/** Contract: actions and their journal. */
import { beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../core/index.js';
import type { Store } from '../store.js';
import { actionFixture, T0 } from './fixtures.js';

export function actionsContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('actions', () => {
    it('writes the action with its intent, then journals every state change', async () => {
      const a = actionFixture();
      await store.createAction(a, 'intent: restart api');
      expect(await store.getAction('act_1')).toEqual(a);
      expect(await store.getAction('act_nope')).toBeNull();

      const backed = await store.updateAction('act_1', 'backed_up', 'backed up config', T0 + 5);
      expect(backed).toEqual({ ...a, state: 'backed_up', updatedAt: T0 + 5 });
      await store.updateAction('act_1', 'applied', 'restarted', T0 + 6);
      const verified = await store.updateAction('act_1', 'verified', 'healthy again', T0 + 9);
      expect(await store.getAction('act_1')).toEqual(verified);

      const j = await store.journal('act_1');
      expect(j.map((e) => [e.state, e.at, e.message])).toEqual([
        ['planned', T0, 'intent: restart api'],
        ['backed_up', T0 + 5, 'backed up config'],
        ['applied', T0 + 6, 'restarted'],
        ['verified', T0 + 9, 'healthy again'],
      ]);
      expect(j.every((e) => e.actionId === 'act_1')).toBe(true);
      await expect(store.updateAction('act_x', 'failed', 'x', T0)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.journal('act_x')).toEqual([]);
    });

    it('lists with filters, pagination and totals; reports unfinished actions oldest first', async () => {
      const states = ['planned', 'verified', 'awaiting_approval', 'failed', 'applied', 'backed_up'] as const;
      for (const [i, state] of states.entries()) {
        await store.createAction(
          actionFixture({
            id: `act_${i}`,
            state,
            service: i < 3 ? 'api' : 'db',
            incidentId: i < 4 ? 'inc_1' : null,
            createdAt: T0 + i,
            updatedAt: T0 + i,
            dryRun: i === 0,
            ...(i === 4 ? { kind: 'deploy-rollback' } : {}),
          }),
          'intent',
        );
      }
      const all = await store.listActions({});
      expect(all.total).toBe(6);
      expect(all.items.map((a) => a.id)).toEqual(['act_5', 'act_4', 'act_3', 'act_2', 'act_1', 'act_0']);
      expect(all.items.at(-1)?.dryRun).toBe(true);
      const page = await store.listActions({ limit: 4, offset: 4 });
      expect(page).toMatchObject({ total: 6 });
      expect(page.items.map((a) => a.id)).toEqual(['act_1', 'act_0']);
      expect((await store.listActions({ service: 'db' })).total).toBe(3);
      expect(
        (await store.listActions({ incidentId: 'inc_1', service: 'db' })).items.map((a) => a.id),
      ).toEqual(['act_3']);
      expect((await store.listActions({ state: 'verified' })).items.map((a) => a.id)).toEqual(['act_1']);
      expect((await store.listActions({ kind: 'deploy-rollback' })).items.map((a) => a.id)).toEqual([
        'act_4',
      ]);
      const since = await store.listActions({ since: T0 + 3 });
      expect(since).toMatchObject({ total: 3 });
      expect(since.items.map((a) => a.id)).toEqual(['act_5', 'act_4', 'act_3']);
      expect((await store.listActions({ since: T0 + 3, service: 'api' })).total).toBe(0);

      const unfinished = await store.unfinishedActions();
      expect(unfinished.map((a) => a.id)).toEqual(['act_0', 'act_2', 'act_4', 'act_5']);
      await store.updateAction('act_0', 'skipped', 'dry run', T0 + 100);
      await store.updateAction('act_4', 'rolled_back', 'verify failed', T0 + 100);
      expect((await store.unfinishedActions()).map((a) => a.id)).toEqual(['act_2', 'act_5']);
    });
  });
}
