/**
 * CI history shared by replicas (migration 011): one JSON document per pipeline, changed under a row lock so
 * two replicas handling events of one pipeline never lose each other's writes, and webhook deliveries keyed by
 * provider and id, whose primary key makes "seen before?" one atomic insert.
 */
import '../ci-history-schema.js';
import type { Kysely } from 'kysely';
import { isSqlite } from '../migrations/helpers.js';
import type { CiHistoryRecord } from '../store.js';
import type { Db } from './common.js';

/** Records a delivery; false when the key was recorded at or after `since` (a replay). Older keys are forgotten. */
export async function recordCiDelivery(db: Db, key: string, at: number, since: number): Promise<boolean> {
  await db.deleteFrom('ci_deliveries').where('at', '<', since).execute();
  const r = await db
    .insertInto('ci_deliveries')
    .values({ key, at })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function getCiHistory(db: Db, pipeline: string): Promise<unknown | null> {
  const row = await db
    .selectFrom('ci_pipeline_history')
    .select('doc')
    .where('pipeline', '=', pipeline)
    .executeTakeFirst();
  return row ? (JSON.parse(row.doc) as unknown) : null;
}

/**
 * Reads, changes and writes one pipeline's document in one transaction. On PostgreSQL the row is created if
 * missing and locked (FOR UPDATE) before it is read, so a second replica waits for the first's write; SQLite
 * has one writer per database file, and its transactions run one at a time on the store's connection.
 */
export async function updateCiHistory<T>(
  db: Db,
  pipeline: string,
  at: number,
  change: (doc: unknown | null) => { doc: unknown; result: T },
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const sqlite = isSqlite(trx as unknown as Kysely<unknown>);
    if (!sqlite)
      await trx
        .insertInto('ci_pipeline_history')
        .values({ pipeline, doc: 'null', updated_at: at })
        .onConflict((oc) => oc.column('pipeline').doNothing())
        .execute();
    let q = trx.selectFrom('ci_pipeline_history').select('doc').where('pipeline', '=', pipeline);
    if (!sqlite) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    const { doc, result } = change(row ? (JSON.parse(row.doc) as unknown) : null);
    const text = JSON.stringify(doc);
    await trx
      .insertInto('ci_pipeline_history')
      .values({ pipeline, doc: text, updated_at: at })
      .onConflict((oc) => oc.column('pipeline').doUpdateSet({ doc: text, updated_at: at }))
      .execute();
    return result;
  });
}

export async function listCiHistories(db: Db): Promise<CiHistoryRecord[]> {
  const rows = await db
    .selectFrom('ci_pipeline_history')
    .select(['pipeline', 'doc', 'updated_at'])
    .orderBy('pipeline')
    .execute();
  return rows
    .map((r) => ({
      pipeline: r.pipeline,
      doc: JSON.parse(r.doc) as unknown,
      updatedAt: Number(r.updated_at),
    }))
    .filter((r) => r.doc !== null);
}
