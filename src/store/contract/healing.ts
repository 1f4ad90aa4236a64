/** Contract: silences, the stop switch and the learner's outcome query (migration 004). */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Silence, Store } from '../store.js';
import { T0 } from './fixtures.js';

const silence = (over: Partial<Silence> = {}): Silence => ({
  id: 'sil_1',
  matchers: [{ name: 'service', op: '=', value: 'api' }],
  startsAt: T0,
  endsAt: T0 + 3_600_000,
  createdBy: 'alice',
  comment: 'deploying',
  createdAt: T0,
  ...over,
});

export function healingContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('silences', () => {
    it('keeps matchers and times, lists the active ones, and expires one early', async () => {
      await store.createSilence(silence());
      await store.createSilence(
        silence({
          id: 'sil_2',
          matchers: [{ name: 'alertname', op: '=~', value: 'Disk.*' }],
          startsAt: T0 + 10_000,
          endsAt: T0 + 20_000,
          createdAt: T0 + 1,
        }),
      );
      expect(await store.getSilence('sil_1')).toEqual(silence());
      expect(await store.getSilence('nope')).toBeNull();
      expect((await store.listSilences({})).map((s) => s.id)).toEqual(['sil_2', 'sil_1']);
      expect((await store.listSilences({ activeAt: T0 })).map((s) => s.id)).toEqual(['sil_1']);
      expect((await store.listSilences({ activeAt: T0 + 15_000 })).map((s) => s.id)).toEqual([
        'sil_2',
        'sil_1',
      ]);
      expect((await store.listSilences({ activeAt: T0 + 20_000 })).map((s) => s.id)).toEqual(['sil_1']);
      const ended = await store.expireSilence('sil_1', T0 + 5_000);
      expect(ended.endsAt).toBe(T0 + 5_000);
      expect(await store.listSilences({ activeAt: T0 + 5_000 })).toEqual([]);
      // Expiring again never extends it.
      expect((await store.expireSilence('sil_1', T0 + 9_000)).endsAt).toBe(T0 + 5_000);
      await expect(store.expireSilence('nope', T0)).rejects.toThrow(/silence nope/);
    });
  });

  describe('stop switch', () => {
    it('is unset at first, then keeps the last state written', async () => {
      expect(await store.getHealingSwitch()).toBeNull();
      await store.setHealingSwitch({ stopped: true, actor: 'alice', reason: 'incident review', at: T0 });
      expect(await store.getHealingSwitch()).toEqual({
        stopped: true,
        actor: 'alice',
        reason: 'incident review',
        at: T0,
      });
      await store.setHealingSwitch({ stopped: false, actor: 'bob', reason: 'done', at: T0 + 1 });
      expect(await store.getHealingSwitch()).toMatchObject({ stopped: false, actor: 'bob' });
    });
  });

  describe('outcomes by cause and playbook', () => {
    it('filters by cause, playbook and time, newest first', async () => {
      const o = (cause: string, playbook: string, at: number, success: boolean) =>
        store.recordOutcome({ incidentId: null, service: 'api', cause, playbook, success, healMs: null, at });
      await o('crash', 'restart', T0, true);
      await o('crash', 'restart', T0 + 2, false);
      await o('crash', 'scale', T0 + 1, true);
      await o('disk_full', 'restart', T0 + 3, true);
      const rows = await store.listOutcomesBy({ cause: 'crash', playbook: 'restart' });
      expect(rows.map((r) => [r.at, r.success])).toEqual([
        [T0 + 2, false],
        [T0, true],
      ]);
      expect(await store.listOutcomesBy({ cause: 'crash', since: T0 + 1 })).toHaveLength(2);
      expect(await store.listOutcomesBy({ playbook: 'restart', limit: 1 })).toHaveLength(1);
    });

    it('keeps the drill mark apart: the learner can ask for real trouble only', async () => {
      const base = { incidentId: null, service: 'api', cause: 'hung', playbook: 'restart', healMs: null };
      await store.recordOutcome({ ...base, success: false, at: T0 });
      await store.recordOutcome({ ...base, success: true, at: T0 + 1, drill: true });
      const all = await store.listOutcomesBy({ cause: 'hung' });
      expect(all.map((o) => [o.at, o.drill ?? false])).toEqual([
        [T0 + 1, true],
        [T0, false],
      ]);
      expect((await store.listOutcomesBy({ cause: 'hung', drill: false })).map((o) => o.at)).toEqual([T0]);
      expect((await store.listOutcomesBy({ cause: 'hung', drill: true })).map((o) => o.at)).toEqual([T0 + 1]);
      expect((await store.listOutcomes({ service: 'api' })).find((o) => o.at === T0 + 1)?.drill).toBe(true);
    });
  });
}
