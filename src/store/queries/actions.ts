/** Actions and their journal. Every state change and its journal entry are written in one transaction. */
import {
  type Action,
  type ActionState,
  type JournalEntry,
  NotFoundError,
  TERMINAL_ACTION_STATES,
} from '../../core/index.js';
import { actionToRow, rowToAction, rowToJournal } from '../rows.js';
import type { ActionFilter } from '../store.js';
import { countOf, type Db, paged } from './common.js';

/** Writes the action and its first journal entry (its state at createdAt: the intent). */
export async function createAction(db: Db, a: Action, message: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('actions').values(actionToRow(a)).execute();
    await trx
      .insertInto('action_journal')
      .values({ action_id: a.id, at: a.createdAt, state: a.state, message })
      .execute();
  });
}

export async function updateAction(
  db: Db,
  id: string,
  state: ActionState,
  message: string,
  at: number,
): Promise<Action> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`action ${id}`);
    await trx.updateTable('actions').set({ state, updated_at: at }).where('id', '=', id).execute();
    await trx.insertInto('action_journal').values({ action_id: id, at, state, message }).execute();
    return { ...rowToAction(row), state, updatedAt: at };
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
