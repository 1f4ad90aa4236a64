/** Actions and their journal. Every state change and its journal entry are written in one transaction. */

import { sql } from 'kysely';
import {
  type Action,
  type ActionState,
  ConflictError,
  type JournalEntry,
  NotFoundError,
  TERMINAL_ACTION_STATES,
} from '../../core/index.js';
import { actionToRow, rowToAction, rowToJournal } from '../rows.js';
import type { ActionFilter, AuditInput } from '../store.js';
import { appendAuditIn } from './audit.js';
import { countOf, type Db, paged } from './common.js';

/** Writes the action and its first journal entry (its state at createdAt: the intent). */
export async function createAction(db: Db, a: Action, message: string, audit?: AuditIn): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('actions').values(actionToRow(a)).execute();
    await trx
      .insertInto('action_journal')
      .values({ action_id: a.id, at: a.createdAt, state: a.state, message })
      .execute();
    if (audit) await appendAuditIn(trx, audit.entry(a), audit.lock);
  });
}

/** The audit entry of a journal write, made from the action as written, appended in the same transaction. */
export interface AuditIn {
  entry(a: Action): AuditInput;
  lock?: (trx: Db) => Promise<void>;
}

/**
 * Moves the action to `state` and journals it, in one transaction. With `expected`, the move is conditional
 * (`UPDATE … WHERE id = ? AND state IN (…)`): if the action is no longer in one of those states, nothing is
 * written and a ConflictError is thrown, so of two writers racing from the same state exactly one wins.
 */
export async function updateAction(
  db: Db,
  id: string,
  state: ActionState,
  message: string,
  at: number,
  expected?: ActionState | readonly ActionState[],
  audit?: AuditIn,
): Promise<Action> {
  const from = expected === undefined ? null : typeof expected === 'string' ? [expected] : [...expected];
  return db.transaction().execute(async (trx) => {
    let update = trx.updateTable('actions').set({ state, updated_at: at }).where('id', '=', id);
    if (from)
      update = from.length > 0 ? update.where('state', 'in', from) : update.where(sql<boolean>`1 = 0`);
    const res = await update.executeTakeFirst();
    const row = await trx.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`action ${id}`);
    if (Number(res.numUpdatedRows) === 0)
      throw new ConflictError(`action ${id} is ${row.state}, not ${(from ?? []).join(' or ')}`);
    await trx.insertInto('action_journal').values({ action_id: id, at, state, message }).execute();
    const action = rowToAction(row);
    if (audit) await appendAuditIn(trx, audit.entry(action), audit.lock);
    return action;
  });
}

export async function getAction(db: Db, id: string): Promise<Action | null> {
  const row = await db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToAction(row) : null;
}

/** In the order written. */
export async function journal(db: Db, actionId: string): Promise<JournalEntry[]> {
  const rows = await db
    .selectFrom('action_journal')
    .selectAll()
    .where('action_id', '=', actionId)
    .orderBy('id')
    .execute();
  return rows.map(rowToJournal);
}

/** Newest first. */
export async function listActions(db: Db, filter: ActionFilter): Promise<{ items: Action[]; total: number }> {
  let base = db.selectFrom('actions');
  if (filter.service !== undefined) base = base.where('service', '=', filter.service);
  if (filter.incidentId !== undefined) base = base.where('incident_id', '=', filter.incidentId);
  if (filter.state !== undefined) base = base.where('state', '=', filter.state);
  if (filter.kind !== undefined) base = base.where('kind', '=', filter.kind);
  if (filter.since !== undefined) base = base.where('created_at', '>=', filter.since);
  const total = countOf(await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst());
  const rows = await paged(
    base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'),
    filter,
  ).execute();
  return { items: rows.map(rowToAction), total };
}

/** Every action not in a terminal state (awaiting_approval included), oldest first. */
export async function unfinishedActions(db: Db): Promise<Action[]> {
  const rows = await db
    .selectFrom('actions')
    .selectAll()
    .where('state', 'not in', [...TERMINAL_ACTION_STATES])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(rowToAction);
}
