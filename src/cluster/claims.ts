/**
 * Who runs a remediation step. A claim row names the replica that owns an action; it stays valid while that
 * replica is live. Claiming is one conditional upsert, atomic on both databases: it takes a free action, keeps
 * our own, or takes over one whose owner stopped heartbeating; it never takes a live replica's action. So a
 * step runs on exactly one replica, and a dead replica's half-done steps are reconciled by exactly one other.
 */
import { type Kysely, sql } from 'kysely';
import { type ActionState, TERMINAL_ACTION_STATES } from '../core/index.js';
import { isSqlite, type StoreSchema } from '../store/index.js';

type Db = Kysely<StoreSchema>;

/** Ids of live replicas as a subquery: claims held by anyone else are up for grabs. */
function liveIds(db: Db, cutoff: number) {
  return db.selectFrom('replicas').select('id').where('heartbeat_at', '>', cutoff);
}

/**
 * Claims `actionId` for `replicaId` unless a live replica other than us holds it. Returns true when we hold
 * it afterwards. Call before every step: false means another replica took over (we were presumed dead), so
 * do not run it. The action must exist.
 */
export async function claimAction(
  db: Db,
  actionId: string,
  replicaId: string,
  now: number,
  expiryMs: number,
): Promise<boolean> {
  // On PostgreSQL, ON CONFLICT DO UPDATE locks the claim row and re-checks the WHERE against the newest
  // committed version, so of two replicas taking over the same dead claim only the first succeeds.
  const row = await db
    .insertInto('action_claims')
    .values({ action_id: actionId, replica_id: replicaId, claimed_at: now })
    .onConflict((oc) =>
      oc
        .column('action_id')
        .doUpdateSet((eb) => ({
          replica_id: eb.ref('excluded.replica_id'),
          claimed_at: eb.ref('excluded.claimed_at'),
        }))
        .where((eb) =>
          eb.or([
            eb('action_claims.replica_id', '=', replicaId),
            eb('action_claims.replica_id', 'not in', liveIds(db, now - expiryMs)),
          ]),
        ),
    )
    .returning('replica_id')
    .executeTakeFirst();
  return row?.replica_id === replicaId;
}

/**
 * Claims every action of a run for `replicaId` in one transaction, as `claimAction` does each: call it when
 * the run starts, so its later `planned` steps are owned (and so never taken for orphans) while it runs.
 * Returns true only if we hold all of them afterwards; false means another live replica holds one, and the
 * caller must not run the run (the claims taken stay ours, and are released to the orphan scan only by
 * this replica dying).
 */
export async function claimActions(
  db: Db,
  actionIds: readonly string[],
  replicaId: string,
  now: number,
  expiryMs: number,
): Promise<boolean> {
  if (actionIds.length === 0) return true;
  return db.transaction().execute(async (trx) => {
    let all = true;
    for (const id of actionIds) {
      if (!(await claimAction(trx, id, replicaId, now, expiryMs))) all = false;
    }
    return all;
  });
}

export interface OrphanOptions {
  expiryMs: number;
  /**
   * An action with no claim at all is an orphan only once it is this old: its creator claims it right after
   * creating it, so a younger unclaimed action is probably about to be claimed. Default `expiryMs`.
   */
  graceMs?: number;
  /** At most this many per call; default 50. */
  limit?: number;
}

/**
 * Steps the orphan scan leaves alone: terminal ones, and those awaiting approval (they did nothing yet and
 * still wait for a human; whoever approves them claims them when their run starts).
 */
const NOT_ORPHANS: readonly ActionState[] = [...TERMINAL_ACTION_STATES, 'awaiting_approval'];

/**
 * Claims unfinished actions left by dead replicas (or by a replica that died between creating and claiming
 * one), oldest first, and returns their ids: the caller reconciles each (verify, else roll back). On
 * PostgreSQL the scan locks candidates FOR UPDATE SKIP LOCKED, so replicas reconciling at the same moment
 * split the work instead of queueing on each other; the conditional claim then settles any overlap. SQLite
 * serializes writers, so the plain scan is enough there.
 */
export async function claimOrphans(
  db: Db,
  replicaId: string,
  now: number,
  opts: OrphanOptions,
): Promise<string[]> {
  const cutoff = now - opts.expiryMs;
  const grace = opts.graceMs ?? opts.expiryMs;
  const pg = !isSqlite(db as unknown as Kysely<unknown>);
  return db.transaction().execute(async (trx) => {
    let scan = trx
      .selectFrom('actions')
      .leftJoin('action_claims', 'action_claims.action_id', 'actions.id')
      .select('actions.id')
      .where('actions.state', 'not in', [...NOT_ORPHANS])
      .where((eb) =>
        eb.or([
          eb.and([eb('action_claims.replica_id', 'is', null), eb('actions.updated_at', '<=', now - grace)]),
          eb.and([
            eb('action_claims.replica_id', 'is not', null),
            eb('action_claims.replica_id', '!=', replicaId),
            eb('action_claims.replica_id', 'not in', liveIds(trx, cutoff)),
          ]),
        ]),
      )
      .orderBy('actions.created_at')
      .orderBy('actions.id')
      .limit(opts.limit ?? 50);
    if (pg) scan = scan.forUpdate('actions').skipLocked();
    const candidates = await scan.execute();
    const claimed: string[] = [];
    for (const { id } of candidates) {
      if (await claimAction(trx, id, replicaId, now, opts.expiryMs)) claimed.push(id);
    }
    return claimed;
  });
}

/** The replica holding an action's claim, live or not; null if unclaimed. */
export async function claimHolder(db: Db, actionId: string): Promise<string | null> {
  const row = await db
    .selectFrom('action_claims')
    .select('replica_id')
    .where('action_id', '=', actionId)
    .executeTakeFirst();
  return row?.replica_id ?? null;
}

/** Counts claims per replica (for status pages and tests). */
export async function claimCounts(db: Db): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('action_claims')
    .select(['replica_id', sql<number>`count(*)`.as('n')])
    .groupBy('replica_id')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.replica_id, Number(r.n)]));
}
