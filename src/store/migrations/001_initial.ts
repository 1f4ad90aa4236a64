/**
 * The first schema. Portable SQL only: text ids, bigint epoch-ms times, integer 0/1 booleans, JSON as text.
 */
import type { Kysely } from 'kysely';
import { withAutoId } from './helpers.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await withAutoId(db, db.schema.createTable('probe_results'))
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('check', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('degraded', 'integer', (c) => c.notNull())
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .execute();
  await db.schema
    .createIndex('probe_results_service_check_at')
    .on('probe_results')
    .columns(['service', 'check', 'at'])
    .execute();

  await db.schema
    .createTable('probe_latest')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('check', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('degraded', 'integer', (c) => c.notNull())
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .addPrimaryKeyConstraint('probe_latest_pk', ['service', 'check'])
    .execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('root_cause', 'text')
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('incidents_service_opened')
    .on('incidents')
    .columns(['service', 'opened_at'])
    .execute();
  await db.schema
    .createIndex('incidents_state_opened')
    .on('incidents')
    .columns(['state', 'opened_at'])
    .execute();
  await db.schema.createIndex('incidents_opened').on('incidents').column('opened_at').execute();

  await withAutoId(db, db.schema.createTable('incident_timeline'))
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incident_timeline_incident')
    .on('incident_timeline')
    .columns(['incident_id', 'at'])
    .execute();

  // incident_id is not a foreign key: a finding or action may be written before or without its incident.
  await db.schema
    .createTable('findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('check', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('incident_id', 'text')
    .execute();
  await db.schema.createIndex('findings_service_at').on('findings').columns(['service', 'at']).execute();
  await db.schema.createIndex('findings_incident').on('findings').column('incident_id').execute();

  await db.schema
    .createTable('actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('playbook', 'text', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('actions_state_created')
    .on('actions')
    .columns(['state', 'created_at'])
    .execute();
  await db.schema
    .createIndex('actions_service_created')
    .on('actions')
    .columns(['service', 'created_at'])
    .execute();
  await db.schema.createIndex('actions_incident').on('actions').column('incident_id').execute();

  await withAutoId(db, db.schema.createTable('action_journal'))
    .addColumn('action_id', 'text', (c) => c.notNull().references('actions.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('action_journal_action').on('action_journal').column('action_id').execute();

  await db.schema
    .createTable('guard_state')
    .addColumn('service', 'text', (c) => c.primaryKey())
    .addColumn('failed_heals', 'integer', (c) => c.notNull())
    .addColumn('next_allowed_at', 'bigint', (c) => c.notNull())
    .addColumn('escalated', 'integer', (c) => c.notNull())
    .addColumn('escalated_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await withAutoId(db, db.schema.createTable('outcomes'))
    .addColumn('incident_id', 'text')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('playbook', 'text', (c) => c.notNull())
    .addColumn('success', 'integer', (c) => c.notNull())
    .addColumn('heal_ms', 'bigint')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('outcomes_service_at').on('outcomes').columns(['service', 'at']).execute();

  // seq is assigned by the store (previous + 1); the primary key makes a forked chain impossible.
  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject', 'seq']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_log',
    'outcomes',
    'guard_state',
    'action_journal',
    'actions',
    'findings',
    'incident_timeline',
    'incidents',
    'probe_latest',
    'probe_results',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
