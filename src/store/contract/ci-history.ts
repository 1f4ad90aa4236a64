/** Contract: CI history shared by replicas (migration 011): pipeline documents and webhook deliveries. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { T0 } from './fixtures.js';

const DAY = 86_400_000;

export function ciHistoryContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('CI history', () => {
    it('a delivery is new once; the same key again within the window is a replay, after it new again', async () => {
      expect(await store.recordCiDelivery('github:d-1', T0, T0 - 7 * DAY)).toBe(true);
      expect(await store.recordCiDelivery('github:d-1', T0 + 1_000, T0 + 1_000 - 7 * DAY)).toBe(false);
      expect(await store.recordCiDelivery('gitlab:d-1', T0 + 1_000, T0 + 1_000 - 7 * DAY)).toBe(true);
      // Eight days on, the first record has expired: the key is taken as new.
      const later = T0 + 8 * DAY;
      expect(await store.recordCiDelivery('github:d-1', later, later - 7 * DAY)).toBe(true);
      expect(await store.recordCiDelivery('github:d-1', later + 1, later + 1 - 7 * DAY)).toBe(false);
    });

    it('concurrent records of one delivery: exactly one is new', async () => {
      const got = await Promise.all(
        Array.from({ length: 8 }, () => store.recordCiDelivery('github:race', T0, T0 - DAY)),
      );
      expect(got.filter(Boolean)).toHaveLength(1);
    });

    it('a document is created, changed and listed; a missing one reads null', async () => {
      expect(await store.getCiHistory('shop-ci')).toBeNull();
      const r = await store.updateCiHistory('shop-ci', T0, (doc) => {
        expect(doc).toBeNull();
        return { doc: { n: 1, tests: { a: [true] } }, result: 'created' };
      });
      expect(r).toBe('created');
      await store.updateCiHistory('shop-ci', T0 + 5, (doc) => ({
        doc: { ...(doc as { n: number }), n: (doc as { n: number }).n + 1 },
        result: null,
      }));
      expect(await store.getCiHistory('shop-ci')).toEqual({ n: 2, tests: { a: [true] } });
      await store.updateCiHistory('billing', T0 + 9, () => ({ doc: { n: 7 }, result: null }));
      expect(await store.listCiHistories()).toEqual([
        { pipeline: 'billing', doc: { n: 7 }, updatedAt: T0 + 9 },
        { pipeline: 'shop-ci', doc: { n: 2, tests: { a: [true] } }, updatedAt: T0 + 5 },
      ]);
    });

    it('concurrent changes of one document all land (none read a stale copy)', async () => {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.updateCiHistory('shop-ci', T0 + i, (doc) => ({
            doc: { n: ((doc as { n?: number } | null)?.n ?? 0) + 1 },
            result: null,
          })),
        ),
      );
      expect(await store.getCiHistory('shop-ci')).toEqual({ n: 10 });
    });

    it('a change that throws writes nothing', async () => {
      await store.updateCiHistory('shop-ci', T0, () => ({ doc: { n: 1 }, result: null }));
      await expect(
        store.updateCiHistory('shop-ci', T0 + 1, () => {
          throw new Error('bad document');
        }),
      ).rejects.toThrow('bad document');
      expect(await store.getCiHistory('shop-ci')).toEqual({ n: 1 });
      await expect(
        store.updateCiHistory('other', T0 + 1, () => {
          throw new Error('bad document');
        }),
      ).rejects.toThrow('bad document');
      expect(await store.getCiHistory('other')).toBeNull();
      expect((await store.listCiHistories()).map((r) => r.pipeline)).toEqual(['shop-ci']);
    });
  });
}
