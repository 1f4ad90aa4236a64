/** Contract: the hash-chained audit log. */
import type { Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { rewriteAuditFrom, seedAuditChain } from '../audit-chain.fixture.js';
import { chainHash, GENESIS_HASH } from '../audit-chain.js';
import type { StoreSchema } from '../schema.js';
import type { Store } from '../store.js';
import { T0 } from './fixtures.js';

export function auditContract(current: () => Store): void {
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  describe('audit log', () => {
    it('chains entries from the genesis hash', async () => {
      expect(await store.verifyAudit()).toEqual({ ok: true, entries: 0, brokenAt: null });
      const a = await store.audit({
        at: T0,
        actor: 'medic',
        event: 'guard.denied',
        subject: 'api',
        data: { b: 1, a: [2] },
      });
      const b = await store.audit({
        at: T0 + 1,
        actor: 'alice',
        event: 'action.approved',
        subject: 'act_1',
      });
      expect(a).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, data: { a: [2], b: 1 } });
      expect(a.hash).toBe(chainHash(GENESIS_HASH, a));
      expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(b).toMatchObject({ seq: 2, prevHash: a.hash, data: {} });
      expect(b.hash).toBe(chainHash(a.hash, b));
      expect(await store.verifyAudit()).toEqual({ ok: true, entries: 2, brokenAt: null });
    });

    it('hashes canonical JSON: key order does not matter, undefined fields are dropped', async () => {
      const a = await store.audit({
        at: T0,
        actor: 'm',
        event: 'e',
        subject: 's',
        data: { x: { b: 2, a: 1 }, u: undefined },
      });
      expect(a.data).toEqual({ x: { a: 1, b: 2 } });
      expect(a.hash).toBe(chainHash(GENESIS_HASH, { ...a, data: { x: { a: 1, b: 2 } } }));
      const [listed] = await store.listAudit({});
      expect(listed).toEqual(a);
    });

    it('lists newest first, by subject, paginated', async () => {
      for (let i = 0; i < 5; i++) {
        await store.audit({
          at: T0 + i,
          actor: 'medic',
          event: 'e',
          subject: i % 2 ? 'db' : 'api',
          data: { i },
        });
      }
      expect((await store.listAudit({})).map((e) => e.seq)).toEqual([5, 4, 3, 2, 1]);
      expect((await store.listAudit({ subject: 'db' })).map((e) => e.seq)).toEqual([4, 2]);
      expect((await store.listAudit({ limit: 2, offset: 1 })).map((e) => e.seq)).toEqual([4, 3]);
    });

    it('keeps one chain under concurrent appends', async () => {
      const n = 40;
      const entries = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          store.audit({
            at: T0 + i,
            actor: 'medic',
            event: 'concurrent',
            subject: `s${i % 3}`,
            data: { i },
          }),
        ),
      );
      expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: n }, (_, i) => i + 1),
      );
      const bySeq = [...entries].sort((a, b) => a.seq - b.seq);
      for (let i = 1; i < n; i++) expect(bySeq[i]?.prevHash).toBe(bySeq[i - 1]?.hash);
      expect(await store.verifyAudit()).toEqual({ ok: true, entries: n, brokenAt: null });
    });

    it('offers no way to change or delete entries', () => {
      const methods: string[] = [];
      for (let o: object | null = store; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
        methods.push(...Object.getOwnPropertyNames(o));
      }
      expect(methods).toContain('verifyAudit');
      expect(methods.filter((m) => /audit/i.test(m) && /(update|delete|remove|edit)/i.test(m))).toEqual([]);
    });

    describe('checkpoints and incremental verification', () => {
      const dbOf = (s: Store) => (s as unknown as { db: Kysely<StoreSchema> }).db;

      it('checkpoints every 1000th intact entry and verifies from the newest one', async () => {
        await seedAuditChain(dbOf(store), 2_500);
        // Nothing checkpointed yet: the first incremental walk starts at the genesis entry.
        expect(await store.verifyAudit({ incremental: true })).toEqual({
          ok: true,
          entries: 2_500,
          brokenAt: null,
          from: 0,
          checked: 2_500,
        });
        const appended = await store.audit({ at: T0, actor: 'medic', event: 'e', subject: 'api' });
        expect(appended.seq).toBe(2_501);
        expect(await store.verifyAudit({ incremental: true })).toEqual({
          ok: true,
          entries: 2_501,
          brokenAt: null,
          from: 2_000,
          checked: 501,
        });
        expect(await store.verifyAudit()).toEqual({ ok: true, entries: 2_501, brokenAt: null });
        expect(await store.auditHead()).toEqual({ seq: 2_501, hash: appended.hash, at: T0 });
        expect((await store.auditHead(1_000))?.seq).toBe(1_000);
        expect(await store.auditHead(9_999)).toBeNull();
      });

      it('shows a rewrite that recomputed the chain after it, at the first checkpoint it changed', async () => {
        await seedAuditChain(dbOf(store), 2_100);
        expect((await store.verifyAudit()).ok).toBe(true); // checkpoints 1000 and 2000
        await rewriteAuditFrom(dbOf(store), 10, { i: 'forged' });
        // The walk alone finds the recomputed chain consistent; the checkpoints do not.
        expect(await store.verifyAudit()).toEqual({ ok: false, entries: 2_100, brokenAt: 1_000 });
        expect(await store.verifyAudit({ incremental: true })).toMatchObject({ ok: false, brokenAt: 1_000 });
      });

      it('an edit before the newest checkpoint that did not recompute is found by the full walk', async () => {
        await seedAuditChain(dbOf(store), 1_200);
        expect((await store.verifyAudit()).ok).toBe(true);
        await dbOf(store).updateTable('audit_log').set({ data: '{"i":-1}' }).where('seq', '=', 5).execute();
        expect(await store.verifyAudit()).toEqual({ ok: false, entries: 1_200, brokenAt: 5 });
        // The incremental walk starts after entry 1000: it is the cheap check, the full walk the thorough one.
        expect(await store.verifyAudit({ incremental: true })).toMatchObject({ from: 1_000, checked: 200 });
      });

      it('lets other work run between batches', async () => {
        await seedAuditChain(dbOf(store), 3_000);
        const order: string[] = [];
        const verified = store.verifyAudit().then((v) => order.push(`verified ${v.entries}`));
        setImmediate(() => order.push('other'));
        await verified;
        expect(order).toEqual(['other', 'verified 3000']);
      });
    });
  });
}
