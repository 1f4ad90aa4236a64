/**
 * Drill outcomes (issue 12): an outcome a drill caused is marked, so the learner leaves it out. A game day
 * breaks things on purpose; its heals say nothing about how well a playbook does on real trouble.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('outcomes')
    .addColumn('drill', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outcomes').dropColumn('drill').execute();
}
