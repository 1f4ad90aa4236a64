/**
 * Healing (issue 3): silences (label matchers with an expiry), the global stop switch, and an index for the
 * learner's per-(cause, playbook) outcome queries.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('silences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** JSON: [{ name, op, value }]. */
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('silences_ends_at').on('silences').column('ends_at').execute();

  // One row per switch ('global' today); a row that says stopped = 1 stops every heal.
  await db.schema
    .createTable('healing_switch')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stopped', 'integer', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createIndex('outcomes_cause_playbook_at')
    .on('outcomes')
    .columns(['cause', 'playbook', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('outcomes_cause_playbook_at').ifExists().execute();
  await db.schema.dropTable('healing_switch').ifExists().execute();
  await db.schema.dropTable('silences').ifExists().execute();
}
