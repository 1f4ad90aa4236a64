/**
 * Logs and metrics (issues 4 and 5): mined log templates with their counts, per-minute counts, the lines
 * themselves in chunks, tail positions (written in the same transaction as the counts they account for), and
 * metric samples with their downsampled rollups.
 */
import type { Kysely } from 'kysely';
import { withAutoId } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('log_templates')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('severity', 'text')
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('first_seen', 'bigint', (c) => c.notNull())
    .addColumn('last_seen', 'bigint', (c) => c.notNull())
    .addColumn('examples', 'text', (c) => c.notNull())
    .addColumn('merged_into', 'text')
    .addPrimaryKeyConstraint('log_templates_pk', ['service', 'template_id'])
    .execute();
  await db.schema
    .createTable('log_counts')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_counts_pk', ['service', 'template_id', 'bucket'])
    .execute();
  await db.schema.createIndex('log_counts_bucket').on('log_counts').column('bucket').execute();
  await withAutoId(db, db.schema.createTable('log_chunks'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('first_at', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .addColumn('lines', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('log_chunks_service').on('log_chunks').columns(['service', 'id']).execute();
  await db.schema.createIndex('log_chunks_last_at').on('log_chunks').column('last_at').execute();
  await db.schema
    .createTable('log_offsets')
    .addColumn('source', 'text', (c) => c.primaryKey())
    .addColumn('dev', 'bigint', (c) => c.notNull())
    .addColumn('ino', 'bigint', (c) => c.notNull())
    .addColumn('offset', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('metric_samples')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('metric_samples_series')
    .on('metric_samples')
    .columns(['service', 'metric', 'at'])
    .execute();
  await db.schema.createIndex('metric_samples_at').on('metric_samples').column('at').execute();
  await db.schema
    .createTable('metric_rollups')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('step', 'bigint', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('sum', 'double precision', (c) => c.notNull())
    .addColumn('min', 'double precision', (c) => c.notNull())
    .addColumn('max', 'double precision', (c) => c.notNull())
    .addColumn('last', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('metric_rollups_pk', ['service', 'metric', 'step', 'bucket'])
    .execute();
  await db.schema.createIndex('metric_rollups_bucket').on('metric_rollups').column('bucket').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'metric_rollups',
    'metric_samples',
    'log_offsets',
    'log_chunks',
    'log_counts',
    'log_templates',
  ])
    await db.schema.dropTable(t).ifExists().execute();
}
