/**
 * CI history in the shared store: each pipeline's history (tests per commit, templates' re-run outcomes,
 * re-runs, failures awaiting their re-run) and the webhook deliveries seen, so every replica classifies with
 * the same history, counts the same re-run caps and refuses a replay whichever replica got the first copy.
 * Until now each replica kept them in <store.dir>/ci-history.json; the CI stage imports that file once.
 * Portable DDL for SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ci_pipeline_history')
    .addColumn('pipeline', 'text', (c) => c.primaryKey())
    .addColumn('doc', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('ci_deliveries')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ci_deliveries_at').on('ci_deliveries').column('at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ci_deliveries').execute();
  await db.schema.dropTable('ci_pipeline_history').execute();
}
