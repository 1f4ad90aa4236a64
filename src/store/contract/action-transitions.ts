/** Contract: conditional action transitions (`updateAction(…, expected)`), the heal engine's compare-and-set. */
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../core/index.js';
import type { Store } from '../store.js';
import { actionFixture, T0 } from './fixtures.js';

export function actionTransitionsContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('conditional action transitions', () => {
    it('moves only from the expected state; a stale writer gets ConflictError and writes nothing', async () => {
      await store.createAction(actionFixture({ state: 'awaiting_approval' }), 'asked');
      const moved = await store.updateAction(
        'act_1',
        'planned',
        'approved by alice',
        T0 + 1,
        'awaiting_approval',
      );
      expect(moved).toMatchObject({ state: 'planned', updatedAt: T0 + 1 });
      const err = await store
        .updateAction('act_1', 'planned', 'approved by bob', T0 + 2, 'awaiting_approval')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect(String(err)).toMatch(/is planned, not awaiting_approval/);
      expect(await store.getAction('act_1')).toMatchObject({ state: 'planned', updatedAt: T0 + 1 });
      expect((await store.journal('act_1')).map((j) => [j.state, j.message])).toEqual([
        ['awaiting_approval', 'asked'],
        ['planned', 'approved by alice'],
      ]);
      // A list of states is accepted; unconditional moves still work.
      await store.updateAction('act_1', 'applied', 'ran', T0 + 3, ['planned', 'backed_up']);
      await store.updateAction('act_1', 'verified', 'ok', T0 + 4);
      await expect(
        store.updateAction('act_1', 'failed', 'x', T0 + 5, ['planned', 'applied']),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(store.updateAction('act_nope', 'failed', 'x', T0, 'planned')).rejects.toBeInstanceOf(
        NotFoundError,
      );
      expect((await store.getAction('act_1'))?.state).toBe('verified');
    });

    it('of many writers racing from the same state, exactly one wins', async () => {
      await store.createAction(actionFixture({ state: 'awaiting_approval' }), 'asked');
      const results = await Promise.allSettled(
        ['alice', 'bob', 'carol', 'dave'].map((who, i) =>
          store.updateAction('act_1', i % 2 ? 'skipped' : 'planned', who, T0 + 1, 'awaiting_approval'),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
      expect(await store.journal('act_1')).toHaveLength(2);
    });

    it('writes the audit entry of a journal write in its transaction: both, or neither', async () => {
      const entry = (a: { id: string; state: string }) => ({
        at: T0,
        actor: 'medic',
        event: `action.${a.state}`,
        subject: a.id,
      });
      await store.createAction(actionFixture({ state: 'awaiting_approval' }), 'asked', entry);
      await store.updateAction('act_1', 'planned', 'approved', T0 + 1, 'awaiting_approval', entry);
      // A losing writer: neither its journal entry nor its audit entry is written.
      await expect(
        store.updateAction('act_1', 'skipped', 'rejected', T0 + 2, 'awaiting_approval', entry),
      ).rejects.toBeInstanceOf(ConflictError);
      // Racing writers with audit entries keep the chain whole.
      await Promise.allSettled(
        ['applied', 'failed', 'skipped'].map((to, i) =>
          store.updateAction('act_1', to as 'applied', `w${i}`, T0 + 3, 'planned', entry),
        ),
      );
      const audit = (await store.listAudit({ subject: 'act_1' })).map((e) => e.event).reverse();
      expect(audit.slice(0, 2)).toEqual(['action.awaiting_approval', 'action.planned']);
      expect(audit).toHaveLength(3);
      expect(audit[2]).toBe(`action.${(await store.getAction('act_1'))?.state}`);
      expect((await store.journal('act_1')).map((j) => j.state)).toEqual([
        'awaiting_approval',
        'planned',
        (await store.getAction('act_1'))?.state,
      ]);
      expect(await store.verifyAudit()).toMatchObject({ ok: true, entries: 3 });
    });
  });
}
