/**
 * Scale-out (DESIGN.md "Scale-out"): replica heartbeats, action claims, and incident de-duplication. Portable:
 * the partial unique index below is valid on SQLite (3.8+) and PostgreSQL alike.
 */
import { type Kysely, sql } from 'kysely';

/** Rows the de-duplication index covers: keyed incidents that are neither resolved nor suppressed. */
export const ACTIVE_DEDUP_PREDICATE = "dedup_key is not null and state not in ('resolved', 'suppressed')";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('replicas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('info', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('replicas_heartbeat').on('replicas').column('heartbeat_at').execute();

  // A separate table rather than a column on actions: claims are runtime ownership, not journaled history.
  await db.schema
    .createTable('action_claims')
    .addColumn('action_id', 'text', (c) => c.primaryKey().references('actions.id').onDelete('cascade'))
    .addColumn('replica_id', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('action_claims_replica').on('action_claims').column('replica_id').execute();

  await db.schema.alterTable('incidents').addColumn('dedup_key', 'text').execute();
  // One active incident per key. The predicate must match openIncident's ON CONFLICT target word for word,
  // and it is literal SQL because DDL takes no parameters.
  await db.schema
    .createIndex('incidents_active_dedup')
    .on('incidents')
    .column('dedup_key')
    .unique()
    .where(sql.raw<boolean>(ACTIVE_DEDUP_PREDICATE))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('incidents_active_dedup').ifExists().execute();
  await db.schema.alterTable('incidents').dropColumn('dedup_key').execute();
  await db.schema.dropTable('action_claims').ifExists().execute();
  await db.schema.dropTable('replicas').ifExists().execute();
}
