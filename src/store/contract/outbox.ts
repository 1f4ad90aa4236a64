/** Contract: the notification outbox (enqueue once per key, claims, attempts, dead letters). */
import type { Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OutboxInsert } from '../outbox-types.js';
import type { StoreSchema } from '../schema.js';
import type { Store } from '../store.js';
import { T0 } from './fixtures.js';

const EXPIRY = 10_000;

function row(over: Partial<OutboxInsert> = {}): OutboxInsert {
  return {
    id: 'ntf_1',
    key: 'incident.opened|inc_1',
    notifier: 'ops',
    event: 'incident.opened',
    service: 'api',
    incidentId: 'inc_1',
    payload: { title: 'api: incident opened', data: { severity: 'critical' } },
    createdAt: T0,
    ...over,
  };
}

/** Replica liveness lives in the cluster tables; the contract writes the rows a heartbeat would. */
async function heartbeat(store: Store, id: string, at: number): Promise<void> {
  const db = (store as unknown as { db: Kysely<StoreSchema> }).db;
  await db
    .insertInto('replicas')
    .values({ id, started_at: at, heartbeat_at: at, info: '{}' })
    .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: at }))
    .execute();
}

export function outboxContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('notification outbox', () => {
    it('keeps one row per (notifier, key) however often a decision is enqueued', async () => {
      expect(await store.enqueueNotifications([row(), row({ id: 'ntf_2', notifier: 'pager' })])).toBe(2);
      expect(await store.enqueueNotifications([row({ id: 'ntf_3' })])).toBe(0);
      const { items, total } = await store.listNotifications({});
      expect(total).toBe(2);
      expect(items.map((i) => i.notifier).sort()).toEqual(['ops', 'pager']);
      expect(items.find((i) => i.id === 'ntf_1')).toMatchObject({
        state: 'pending',
        attempts: 0,
        nextAttemptAt: T0,
        claimedBy: null,
        payload: { title: 'api: incident opened', data: { severity: 'critical' } },
      });
    });

    it('claims due rows only, and never a row a live replica holds', async () => {
      await heartbeat(store, 'r1', T0);
      await heartbeat(store, 'r2', T0);
      await store.enqueueNotifications([row(), row({ id: 'ntf_2', key: 'k2', createdAt: T0 + 5_000 })]);
      const mine = await store.claimNotifications('r1', T0, { expiryMs: EXPIRY });
      expect(mine.map((r) => r.id)).toEqual(['ntf_1']);
      expect(mine[0]!.claimedBy).toBe('r1');
      expect(await store.claimNotifications('r2', T0 + 1, { expiryMs: EXPIRY })).toEqual([]);
      // Our own claim is ours again (a pass that stopped midway); the later row is due now.
      const again = await store.claimNotifications('r1', T0 + 5_000, { expiryMs: EXPIRY });
      expect(again.map((r) => r.id).sort()).toEqual(['ntf_1', 'ntf_2']);
      expect(
        await store.claimNotifications('r1', T0 + 5_000, { expiryMs: EXPIRY, skipNotifiers: ['ops'] }),
      ).toEqual([]);
    });

    it('claims only the events named, or all but them', async () => {
      await heartbeat(store, 'r1', T0);
      const older = Array.from({ length: 3 }, (_, i) =>
        row({ id: `ntf_old_${i}`, key: `k${i}`, createdAt: T0 + i }),
      );
      await store.enqueueNotifications([
        ...older,
        row({ id: 'ntf_esc', key: 'esc', event: 'incident.escalated', createdAt: T0 + 100 }),
      ]);
      const claim = (events: { onlyEvents?: string[]; exceptEvents?: string[] }) =>
        store.claimNotifications('r1', T0 + 1_000, { expiryMs: EXPIRY, limit: 2, ...events });
      expect((await claim({ onlyEvents: ['incident.escalated'] })).map((r) => r.id)).toEqual(['ntf_esc']);
      expect((await claim({ onlyEvents: [] })).map((r) => r.id)).toEqual([]);
      expect((await claim({ exceptEvents: ['incident.escalated'] })).map((r) => r.id)).toEqual([
        'ntf_old_0',
        'ntf_old_1',
      ]);
    });

    it('takes over a row whose replica stopped heartbeating', async () => {
      await heartbeat(store, 'r1', T0);
      await store.enqueueNotifications([row()]);
      expect(await store.claimNotifications('r1', T0, { expiryMs: EXPIRY })).toHaveLength(1);
      await heartbeat(store, 'r2', T0 + EXPIRY + 1);
      const taken = await store.claimNotifications('r2', T0 + EXPIRY + 1, { expiryMs: EXPIRY });
      expect(taken.map((r) => r.claimedBy)).toEqual(['r2']);
      // The old holder's late outcome is not recorded: the row is r2's now.
      expect(await store.settleNotification('ntf_1', 'r1', { state: 'delivered', at: T0 + EXPIRY + 2 })).toBe(
        false,
      );
    });

    it('gives each row to exactly one of two replicas claiming at once', async () => {
      await heartbeat(store, 'r1', T0);
      await heartbeat(store, 'r2', T0);
      await store.enqueueNotifications(
        Array.from({ length: 10 }, (_, i) => row({ id: `ntf_${i}`, key: `k${i}` })),
      );
      const [a, b] = await Promise.all([
        store.claimNotifications('r1', T0, { expiryMs: EXPIRY }),
        store.claimNotifications('r2', T0, { expiryMs: EXPIRY }),
      ]);
      const ids = [...a!, ...b!].map((r) => r.id);
      expect(ids).toHaveLength(10);
      expect(new Set(ids).size).toBe(10);
    });

    it('records attempts: delivered, retried later (claim released), dead and retried by hand', async () => {
      await heartbeat(store, 'r1', T0);
      await store.enqueueNotifications([
        row(),
        row({ id: 'ntf_2', key: 'k2' }),
        row({ id: 'ntf_3', key: 'k3' }),
      ]);
      await store.claimNotifications('r1', T0, { expiryMs: EXPIRY });
      expect(await store.settleNotification('ntf_1', 'r1', { state: 'delivered', at: T0 + 10 })).toBe(true);
      expect(
        await store.settleNotification('ntf_2', 'r1', {
          state: 'pending',
          at: T0 + 10,
          nextAttemptAt: T0 + 1_000,
          error: 'HTTP 503',
        }),
      ).toBe(true);
      expect(
        await store.settleNotification('ntf_3', 'r1', { state: 'dead', at: T0 + 10, error: 'HTTP 400' }),
      ).toBe(true);
      // Settled once: a second outcome for the delivered row changes nothing.
      expect(await store.settleNotification('ntf_1', 'r1', { state: 'dead', at: T0 + 11, error: 'x' })).toBe(
        false,
      );
      expect(await store.getNotification('ntf_1')).toMatchObject({
        state: 'delivered',
        attempts: 1,
        deliveredAt: T0 + 10,
      });
      expect(await store.getNotification('ntf_2')).toMatchObject({
        state: 'pending',
        attempts: 1,
        nextAttemptAt: T0 + 1_000,
        lastError: 'HTTP 503',
        claimedBy: null,
      });
      expect(await store.notificationCounts()).toEqual({ pending: 1, delivered: 1, dead: 1 });
      expect(await store.nextNotificationAt()).toBe(T0 + 1_000);
      expect(await store.claimNotifications('r1', T0 + 999, { expiryMs: EXPIRY })).toEqual([]);
      expect((await store.listNotifications({ state: 'dead' })).items.map((i) => i.id)).toEqual(['ntf_3']);

      expect(await store.retryNotification('ntf_1', T0 + 20)).toBe(false);
      expect(await store.retryNotification('ntf_3', T0 + 20)).toBe(true);
      expect(await store.getNotification('ntf_3')).toMatchObject({
        state: 'pending',
        attempts: 0,
        nextAttemptAt: T0 + 20,
      });
      expect(await store.nextNotificationAt()).toBe(T0 + 20);
    });

    it('defers rows the replica holds to a later due time, keeping the claim and counting no attempt', async () => {
      await heartbeat(store, 'r1', T0);
      await heartbeat(store, 'r2', T0);
      await store.enqueueNotifications([
        row(),
        row({ id: 'ntf_2', key: 'k2' }),
        row({ id: 'ntf_3', key: 'k3' }),
      ]);
      await store.claimNotifications('r1', T0, { expiryMs: EXPIRY, limit: 2 });
      // ntf_3 is nobody's: it is left as it is.
      expect(await store.deferNotifications(['ntf_1', 'ntf_2', 'ntf_3'], 'r1', T0 + 30_000, T0 + 5)).toBe(2);
      expect(await store.deferNotifications([], 'r1', T0 + 30_000, T0 + 5)).toBe(0);
      expect(await store.getNotification('ntf_1')).toMatchObject({
        state: 'pending',
        attempts: 0,
        nextAttemptAt: T0 + 30_000,
        claimedBy: 'r1',
        updatedAt: T0 + 5,
      });
      expect(await store.getNotification('ntf_3')).toMatchObject({ nextAttemptAt: T0, claimedBy: null });
      // Not claimed again, by anyone, before then; then by its holder only while it is live.
      await heartbeat(store, 'r1', T0 + 29_000);
      await heartbeat(store, 'r2', T0 + 29_000);
      expect(
        (await store.claimNotifications('r1', T0 + 29_999, { expiryMs: EXPIRY })).map((r) => r.id),
      ).toEqual(['ntf_3']);
      expect(await store.claimNotifications('r2', T0 + 30_000, { expiryMs: EXPIRY })).toEqual([]);
      expect(await store.deferNotifications(['ntf_1'], 'r2', T0 + 60_000, T0 + 6)).toBe(0);
      const due = await store.claimNotifications('r1', T0 + 30_000, { expiryMs: EXPIRY });
      expect(due.map((r) => r.id).sort()).toEqual(['ntf_1', 'ntf_2', 'ntf_3']);
      // A settled row is not deferred.
      await store.settleNotification('ntf_1', 'r1', { state: 'delivered', at: T0 + 30_001 });
      expect(await store.deferNotifications(['ntf_1'], 'r1', T0 + 90_000, T0 + 30_002)).toBe(0);
    });

    it('prunes settled rows only, freeing their keys', async () => {
      await heartbeat(store, 'r1', T0);
      await store.enqueueNotifications([row(), row({ id: 'ntf_2', key: 'k2' })]);
      await store.claimNotifications('r1', T0, { expiryMs: EXPIRY, limit: 1 });
      await store.settleNotification('ntf_1', 'r1', { state: 'delivered', at: T0 + 1 });
      expect(await store.pruneNotifications(T0 + 2)).toBe(1);
      expect((await store.listNotifications({})).items.map((i) => i.id)).toEqual(['ntf_2']);
      expect(await store.enqueueNotifications([row({ id: 'ntf_9' })])).toBe(1);
    });
  });
}
