/** Silences, the stop switch and the learner's outcome query (migration 004). */
import { NotFoundError } from '../../core/index.js';
import { rowToOutcome } from '../rows.js';
import type { SilencesTable } from '../schema.js';
import type { HealingSwitch, OutcomeFilter, Page, Silence, SilenceMatcher, StoredOutcome } from '../store.js';
import { type Db, paged } from './common.js';

const GLOBAL = 'global';

function rowToSilence(r: SilencesTable): Silence {
  const parsed: unknown = JSON.parse(r.matchers);
  return {
    id: r.id,
    matchers: Array.isArray(parsed) ? (parsed as SilenceMatcher[]) : [],
    startsAt: Number(r.starts_at),
    endsAt: Number(r.ends_at),
    createdBy: r.created_by,
    comment: r.comment,
    createdAt: Number(r.created_at),
  };
}

export async function listOutcomesBy(db: Db, filter: OutcomeFilter): Promise<StoredOutcome[]> {
  let q = db.selectFrom('outcomes').selectAll();
  if (filter.service !== undefined) q = q.where('service', '=', filter.service);
  if (filter.cause !== undefined) q = q.where('cause', '=', filter.cause);
  if (filter.playbook !== undefined) q = q.where('playbook', '=', filter.playbook);
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  if (filter.drill !== undefined) q = q.where('drill', '=', filter.drill ? 1 : 0);
  const rows = await paged(q.orderBy('at', 'desc').orderBy('id', 'desc'), filter).execute();
  return rows.map(rowToOutcome);
}

export async function createSilence(db: Db, s: Silence): Promise<void> {
  await db
    .insertInto('silences')
    .values({
      id: s.id,
      matchers: JSON.stringify(s.matchers),
      starts_at: s.startsAt,
      ends_at: s.endsAt,
      created_by: s.createdBy,
      comment: s.comment,
      created_at: s.createdAt,
    })
    .execute();
}

export async function getSilence(db: Db, id: string): Promise<Silence | null> {
  const row = await db.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowToSilence(row) : null;
}

export async function listSilences(db: Db, filter: Page & { activeAt?: number }): Promise<Silence[]> {
  let q = db.selectFrom('silences').selectAll();
  if (filter.activeAt !== undefined)
    q = q.where('starts_at', '<=', filter.activeAt).where('ends_at', '>', filter.activeAt);
  const rows = await paged(q.orderBy('created_at', 'desc').orderBy('id', 'desc'), filter).execute();
  return rows.map(rowToSilence);
}

export async function expireSilence(db: Db, id: string, at: number): Promise<Silence> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`silence ${id}`);
    const endsAt = Math.min(Number(row.ends_at), at);
    await trx.updateTable('silences').set({ ends_at: endsAt }).where('id', '=', id).execute();
    return rowToSilence({ ...row, ends_at: endsAt });
  });
}

export async function getHealingSwitch(db: Db): Promise<HealingSwitch | null> {
  const row = await db.selectFrom('healing_switch').selectAll().where('id', '=', GLOBAL).executeTakeFirst();
  return row
    ? { stopped: Number(row.stopped) === 1, actor: row.actor, reason: row.reason, at: Number(row.at) }
    : null;
}

export async function setHealingSwitch(db: Db, s: HealingSwitch): Promise<void> {
  const values = { stopped: s.stopped ? 1 : 0, actor: s.actor, reason: s.reason, at: s.at };
  await db
    .insertInto('healing_switch')
    .values({ id: GLOBAL, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}
