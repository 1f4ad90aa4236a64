/**
 * Test helpers (excluded from the build).
 * Cluster behaviour over any store, as a reusable vitest suite: `open(n)` returns n stores (connections)
 * over one fresh, migrated database, each acting as one replica. Time is a SimulatedClock shared by all.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../core/index.js';
import { actionFixture, incidentFixture } from '../store/contract.js';
import type { KyselyStore } from '../store/index.js';
import { claimHolder } from './claims.js';
import { reassignBoundMs } from './membership.js';
import { Replica } from './replica.js';

const checks = Array.from({ length: 300 }, (_, i) => `svc-${i % 20}/check-${i}`);

export function clusterSuite(name: string, open: (n: number) => Promise<KyselyStore[]>): void {
  describe(`cluster: ${name}`, () => {
    let stores: KyselyStore[] = [];
    let clock: SimulatedClock;
    let replicas: Replica[];

    beforeEach(async () => {
      clock = new SimulatedClock();
      stores = await open(3);
      replicas = stores.map((store, i) => new Replica({ store, clock, id: `r${i}` }));
    });
    afterEach(async () => {
      for (const s of stores) await s.close();
    });

    const [A, B, C] = [0, 1, 2];
    const r = (i: number) => replicas[i]!;
    const beatAll = (which = [A, B, C]) => Promise.all(which.map((i) => r(i).beat()));

    it('spreads checks over all live replicas, disjointly', async () => {
      await beatAll();
      await beatAll();
      for (const i of [A, B, C]) expect(r(i).live).toEqual(['r0', 'r1', 'r2']);
      const shares = [A, B, C].map((i) => r(i).share(checks, (k) => k));
      for (const s of shares) expect(s.length).toBeGreaterThan(60);
      expect(shares.flat().sort()).toEqual([...checks].sort());
    });

    it("moves a dead replica's checks within the bound, and only those", async () => {
      // Twice: after one round, a replica that beat first has not yet seen the others.
      await beatAll();
      await beatAll();
      const before = new Map(checks.map((k) => [k, [A, B, C].find((i) => r(i).owns(k))]));
      // C dies (no more heartbeats). Just short of the expiry, it still counts as live.
      await clock.advance(7_900);
      await beatAll([A, B]);
      expect(r(A).live).toContain('r2');
      await clock.advance(reassignBoundMs() - 7_900);
      await beatAll([A, B]);
      expect(r(A).live).toEqual(['r0', 'r1']);
      expect(r(B).live).toEqual(['r0', 'r1']);
      for (const k of checks) {
        const owner = [A, B].find((i) => r(i).owns(k));
        expect(owner).toBeDefined();
        if (before.get(k) !== C) expect(owner).toBe(before.get(k));
      }
    });

    /** Checks two replicas would both run now; and those none would. */
    const overlap = () => checks.filter((k) => [A, B, C].filter((i) => r(i).owns(k)).length > 1);
    const orphaned = () => checks.filter((k) => ![A, B, C].some((i) => r(i).owns(k)));

    it('lets a joining replica run checks only once every live replica has seen it', async () => {
      await beatAll([A, B]);
      await beatAll([A, B]);
      expect(orphaned()).toEqual([]);
      await clock.advance(500);
      await r(C).beat(); // joins: A and B do not know it yet
      expect(r(C).active).toBe(false);
      expect(r(C).share(checks, (k) => k)).toEqual([]);
      expect(overlap()).toEqual([]);
      expect(orphaned()).toEqual([]);
      await clock.advance(1_000);
      await beatAll([A, B]); // they see C and let its share go; C has not yet seen that they did
      expect(r(A).live).toEqual(['r0', 'r1', 'r2']);
      expect(r(C).active).toBe(false);
      expect(overlap()).toEqual([]);
      await r(C).beat();
      expect(r(C).active).toBe(true);
      expect(overlap()).toEqual([]);
      expect(orphaned()).toEqual([]);
    });

    it('fences a replica whose heartbeats stop before the others count it dead, and takes it back', async () => {
      await beatAll();
      await beatAll();
      const fence = r(C).fenceMs;
      await clock.advance(fence - 1);
      await beatAll([A, B]);
      expect(r(C).active).toBe(true);
      expect(overlap()).toEqual([]);
      await clock.advance(1); // C has stored nothing for the fence time: it stops, though still listed
      expect(r(C).active).toBe(false);
      expect(r(A).live).toContain('r2');
      expect(overlap()).toEqual([]);
      await clock.advance(reassignBoundMs() - fence);
      await beatAll([A, B]); // now C is dead to them: its checks move
      expect(r(A).live).toEqual(['r0', 'r1']);
      expect(overlap()).toEqual([]);
      expect(orphaned()).toEqual([]);
      await clock.advance(500);
      await r(C).beat(); // back, in a new term: waits until A and B have seen it
      expect(r(C).active).toBe(false);
      expect(overlap()).toEqual([]);
      await clock.advance(500);
      await beatAll([A, B]);
      expect(overlap()).toEqual([]);
      await r(C).beat();
      expect(r(C).active).toBe(true);
      expect(overlap()).toEqual([]);
      expect(orphaned()).toEqual([]);
    });

    it('hands over at once when a replica leaves cleanly', async () => {
      await beatAll();
      await r(C).stop();
      await beatAll([A, B]);
      expect(r(A).live).toEqual(['r0', 'r1']);
    });

    it('lets one replica claim a step; others cannot until it dies', async () => {
      await beatAll();
      await stores[A]!.createAction(actionFixture({ id: 'act_1' }), 'intent');
      expect(await r(A).claim('act_1')).toBe(true);
      expect(await r(B).claim('act_1')).toBe(false);
      expect(await r(C).claim('act_1')).toBe(false);
      expect(await r(A).claim('act_1')).toBe(true); // re-claiming our own before each step
      expect(await r(B).claimOrphans()).toEqual([]);

      await clock.advance(9_000); // A dies
      await beatAll([B, C]);
      expect(await r(A).claim('act_1')).toBe(false); // A's lease has lapsed: it must not act
      const [b, c] = await Promise.all([r(B).claimOrphans(), r(C).claimOrphans()]);
      expect([...b, ...c].map((a) => a.id)).toEqual(['act_1']);
      const winner = b.length ? 'r1' : 'r2';
      expect(await claimHolder(stores[A]!.db, 'act_1')).toBe(winner);
      expect(await r(b.length ? C : B).claim('act_1')).toBe(false);
    });

    it('reconciles an action created but never claimed, after the grace period', async () => {
      await beatAll();
      await stores[A]!.createAction(
        actionFixture({ id: 'act_u', createdAt: clock.now(), updatedAt: clock.now() }),
        'i',
      );
      expect(await r(B).claimOrphans()).toEqual([]); // its creator may still be about to claim it
      await clock.advance(9_000);
      await beatAll([B]);
      expect((await r(B).claimOrphans()).map((a) => a.id)).toEqual(['act_u']);
    });

    it('ignores finished actions and takes over each orphan exactly once', async () => {
      await beatAll();
      for (let i = 0; i < 12; i++) {
        const id = `act_${String(i).padStart(2, '0')}`;
        await stores[A]!.createAction(actionFixture({ id, createdAt: clock.now() + i }), 'intent');
        expect(await r(A).claim(id)).toBe(true);
        if (i % 4 === 0) await stores[A]!.updateAction(id, 'verified', 'done', clock.now() + 1);
      }
      await clock.advance(9_000);
      await beatAll([B, C]);
      const got = await Promise.all([
        r(B).claimOrphans(4),
        r(C).claimOrphans(4),
        r(B).claimOrphans(),
        r(C).claimOrphans(),
      ]);
      const ids = got.flat().map((a) => a.id);
      expect(ids.sort()).toEqual([
        'act_01',
        'act_02',
        'act_03',
        'act_05',
        'act_06',
        'act_07',
        'act_09',
        'act_10',
        'act_11',
      ]);
    });

    it("claims every step of a run at its start: a running heal's later steps are never orphans", async () => {
      await beatAll();
      const ids = ['act_s0', 'act_s1', 'act_s2'];
      for (const [i, id] of ids.entries())
        await stores[A]!.createAction(
          actionFixture({ id, step: i, createdAt: clock.now(), updatedAt: clock.now() }),
          'intent',
        );
      expect(await r(A).claimRun(ids)).toBe(true);
      for (const id of ids) expect(await claimHolder(stores[A]!.db, id)).toBe('r0');
      expect(await r(B).claimRun(ids)).toBe(false); // a live replica holds them
      // Long past the grace period, A still alive: nobody reconciles A's planned steps beside its heal.
      for (let i = 0; i < 3; i++) {
        await clock.advance(4_000);
        await beatAll();
      }
      expect(await r(B).claimOrphans()).toEqual([]);
      expect(await r(A).claimOrphans()).toEqual([]);
      expect(await r(A).claim('act_s2')).toBe(true);
    });

    it('leaves steps awaiting approval out of the orphan scan, claimed or not', async () => {
      await beatAll();
      await stores[A]!.createAction(
        actionFixture({
          id: 'act_wait',
          state: 'awaiting_approval',
          createdAt: clock.now(),
          updatedAt: clock.now(),
        }),
        'asked',
      );
      await stores[A]!.createAction(
        actionFixture({
          id: 'act_wait2',
          state: 'awaiting_approval',
          createdAt: clock.now(),
          updatedAt: clock.now(),
        }),
        'asked',
      );
      expect(await r(A).claim('act_wait2')).toBe(true);
      await clock.advance(9_000); // A dies; the grace period has passed
      await beatAll([B, C]);
      expect(await r(B).claimOrphans()).toEqual([]);
      expect(await r(C).claimOrphans()).toEqual([]);
      expect(await claimHolder(stores[A]!.db, 'act_wait')).toBeNull();
    });

    it('opens one incident however many replicas see the failure', async () => {
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all(
          stores.map((s, i) =>
            s.openIncident(
              incidentFixture({ id: `inc_${round}_${i}`, openedAt: clock.now() }),
              'api down',
              'api',
            ),
          ),
        );
        expect(results.filter((x) => x.created)).toHaveLength(1);
        const id = results[0]!.incident.id;
        expect(results.every((x) => x.incident.id === id)).toBe(true);
        await stores[B]!.transitionIncident(id, 'resolved', 'healed', clock.now());
      }
      expect((await stores[A]!.listIncidents({})).total).toBe(5);
    });
  });
}
