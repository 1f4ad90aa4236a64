/**
 * The notification outbox. Claiming works as action claims do (src/cluster/claims.ts): a conditional UPDATE
 * that takes a row nobody holds, keeps our own, or takes one whose holder stopped heartbeating, so of two
 * replicas racing for a row exactly one sends it.
 */
import { sql } from 'kysely';
import '../outbox-schema.js';
import type { NotificationOutboxTable } from '../outbox-schema.js';
import type {
  OutboxClaimOptions,
  OutboxEntry,
  OutboxFilter,
  OutboxInsert,
  OutboxSettle,
  OutboxState,
} from '../outbox-types.js';
import { countOf, type Db, paged } from './common.js';

/** Inserts the rows whose (notifier, key) is new; returns how many were. */
export async function enqueueNotifications(db: Db, rows: readonly OutboxInsert[]): Promise<number> {
  if (rows.length === 0) return 0;
  const res = await db
    .insertInto('notification_outbox')
    .values(
      rows.map((r) => ({
        id: r.id,
        key: r.key,
        notifier: r.notifier,
        event: r.event,
        service: r.service,
        incident_id: r.incidentId,
        payload: JSON.stringify(r.payload),
        state: 'pending',
        attempts: 0,
        next_attempt_at: r.createdAt,
        last_error: null,
        claimed_by: null,
        created_at: r.createdAt,
        updated_at: r.createdAt,
        delivered_at: null,
      })),
    )
    .onConflict((oc) => oc.columns(['notifier', 'key']).doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0);
}

/** Claims due pending rows for `replicaId`, oldest first, and returns them as claimed. */
export async function claimNotifications(
  db: Db,
  replicaId: string,
  now: number,
  opts: OutboxClaimOptions,
): Promise<OutboxEntry[]> {
  const live = db
    .selectFrom('replicas')
    .select('id')
    .where('heartbeat_at', '>', now - opts.expiryMs);
  let scan = db
    .selectFrom('notification_outbox')
    .select('id')
    .where('state', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) =>
      eb.or([
        eb('claimed_by', 'is', null),
        eb('claimed_by', '=', replicaId),
        eb('claimed_by', 'not in', live),
      ]),
    )
    .orderBy('next_attempt_at')
    .orderBy('created_at')
    .limit(opts.limit ?? 50);
  if (opts.onlyEvents) {
    if (opts.onlyEvents.length === 0) return [];
    scan = scan.where('event', 'in', [...opts.onlyEvents]);
  }
  if (opts.exceptEvents && opts.exceptEvents.length > 0)
    scan = scan.where('event', 'not in', [...opts.exceptEvents]);
  if (opts.skipNotifiers && opts.skipNotifiers.length > 0)
    scan = scan.where('notifier', 'not in', [...opts.skipNotifiers]);
  const candidates = await scan.execute();
  const claimed: OutboxEntry[] = [];
  for (const { id } of candidates) {
    // The WHERE is checked again by the UPDATE itself: on PostgreSQL a concurrent claim of the same row makes
    // this one wait and re-check against the winner's version, which names a live replica, so it updates none.
    const row = await db
      .updateTable('notification_outbox')
      .set({ claimed_by: replicaId, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .where((eb) =>
        eb.or([
          eb('claimed_by', 'is', null),
          eb('claimed_by', '=', replicaId),
          eb('claimed_by', 'not in', live),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    if (row) claimed.push(rowToEntry(row));
  }
  return claimed;
}

/**
 * Records what an attempt came to, only while `replicaId` still holds the row (false otherwise: another
 * replica took it over, and its own attempt counts). A retried row is released so any replica may send it.
 */
export async function settleNotification(
  db: Db,
  id: string,
  replicaId: string,
  outcome: OutboxSettle,
): Promise<boolean> {
  const res = await db
    .updateTable('notification_outbox')
    .set((eb) => ({
      state: outcome.state,
      attempts: eb('attempts', '+', 1),
      updated_at: outcome.at,
      ...(outcome.state === 'delivered'
        ? { delivered_at: outcome.at, last_error: null }
        : { last_error: outcome.error.slice(0, 1000) }),
      ...(outcome.state === 'pending' ? { next_attempt_at: outcome.nextAttemptAt, claimed_by: null } : {}),
    }))
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .where('claimed_by', '=', replicaId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/**
 * Moves rows `replicaId` still holds to be due at `until`, keeping the claim and counting no attempt: a notice
 * waiting for its group is not claimed again by every pass before then. Returns how many rows it moved.
 */
export async function deferNotifications(
  db: Db,
  ids: readonly string[],
  replicaId: string,
  until: number,
  at: number,
): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await db
    .updateTable('notification_outbox')
    .set({ next_attempt_at: until, updated_at: at })
    .where('id', 'in', [...ids])
    .where('state', '=', 'pending')
    .where('claimed_by', '=', replicaId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Puts a dead row back in line (a human asked to try again); false unless it was dead. */
export async function retryNotification(db: Db, id: string, at: number): Promise<boolean> {
  const res = await db
    .updateTable('notification_outbox')
    .set({ state: 'pending', attempts: 0, next_attempt_at: at, claimed_by: null, updated_at: at })
    .where('id', '=', id)
    .where('state', '=', 'dead')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function getNotification(db: Db, id: string): Promise<OutboxEntry | null> {
  const row = await db.selectFrom('notification_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToEntry(row) : null;
}

/** Newest first. */
export async function listNotifications(
  db: Db,
  filter: OutboxFilter,
): Promise<{ items: OutboxEntry[]; total: number }> {
  let q = db.selectFrom('notification_outbox');
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.notifier) q = q.where('notifier', '=', filter.notifier);
  const total = countOf(await q.select(sql<number>`count(*)`.as('n')).executeTakeFirst());
  const rows = await paged(
    q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'),
    filter,
  ).execute();
  return { items: rows.map(rowToEntry), total };
}

/** Rows per state (every state present, zero when none): the dead-letter count among them. */
export async function notificationCounts(db: Db): Promise<Record<OutboxState, number>> {
  const rows = await db
    .selectFrom('notification_outbox')
    .select(['state', sql<number>`count(*)`.as('n')])
    .groupBy('state')
    .execute();
  const out: Record<OutboxState, number> = { pending: 0, delivered: 0, dead: 0 };
  for (const r of rows) out[r.state as OutboxState] = Number(r.n);
  return out;
}

/** When the earliest pending row is due (null when none waits): the dispatcher sleeps until then. */
export async function nextNotificationAt(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('notification_outbox')
    .select(sql<number | null>`min(next_attempt_at)`.as('at'))
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}

/**
 * Deletes delivered and dead rows last changed before `before`; returns how many. Their keys are free again
 * after that, so keep them longer than any decision could be enqueued again.
 */
export async function pruneNotifications(db: Db, before: number): Promise<number> {
  const res = await db
    .deleteFrom('notification_outbox')
    .where('state', 'in', ['delivered', 'dead'])
    .where('updated_at', '<', before)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

function rowToEntry(r: NotificationOutboxTable): OutboxEntry {
  return {
    id: r.id,
    key: r.key,
    notifier: r.notifier,
    event: r.event,
    service: r.service,
    incidentId: r.incident_id,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    createdAt: Number(r.created_at),
    state: r.state as OutboxState,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastError: r.last_error,
    claimedBy: r.claimed_by,
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
    updatedAt: Number(r.updated_at),
  };
}
