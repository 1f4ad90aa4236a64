/**
 * Audit checkpoints: every CHECKPOINT_EVERY entries that a verification found intact, the entry's seq and
 * hash. A later verification starts from the newest one instead of the genesis entry, and any verification
 * sees a checkpointed entry whose hash changed since (a rewrite that recomputed the chain after it).
 * Portable DDL for SQLite and PostgreSQL.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_checkpoints').ifExists().execute();
}
